#include "server/store/pg/pg_notification_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "server/common/crypto.h"
#include "server/common/enum_names.h"
#include "server/common/status.h"
#include "server/store/pg/rows.h"

namespace notify::pg {
namespace {

namespace v1 = notifications::v1;

constexpr const char* kColumns =
    "n.id::text, n.type, n.name, n.description, n.event, n.subject, n.text_message,"
    " n.html_message, n.sms_message, n.push_message, n.enabled, n.preference_enabled, n.to_email,"
    " n.to_mobile, n.to_user, n.from_email, n.expression, coalesce(n.layout_id::text, ''),"
    " (extract(epoch FROM n.created) * 1000000)::bigint,"
    " (extract(epoch FROM n.updated) * 1000000)::bigint, n.template, n.system_enabled, n.syntax,"
    // The layout's summary, as JSON: [name, description, created, updated] (microseconds).
    " (SELECT json_build_array(l.name, l.description,"
    "   (extract(epoch FROM l.created) * 1000000)::bigint,"
    "   (extract(epoch FROM l.updated) * 1000000)::bigint)::text"
    "  FROM layouts l WHERE l.company_id = n.company_id AND l.id = n.layout_id)";
// The columns above; a query may add its own after them.
constexpr int kColumnCount = 24;

v1::Notification FromRow(const pqxx::row& row) {
  v1::Notification n;
  n.set_id(row[0].as<std::string>());
  n.set_type(FromShortName<v1::NotificationType>(row[1].as<std::string>())
                 .value_or(v1::NOTIFICATION_TYPE_UNSPECIFIED));
  n.set_name(row[2].as<std::string>());
  n.set_description(row[3].as<std::string>());
  n.set_event(row[4].as<std::string>());
  n.set_subject(row[5].as<std::string>());
  n.set_text_message(row[6].as<std::string>());
  n.set_html_message(row[7].as<std::string>());
  n.set_sms_message(row[8].as<std::string>());
  n.set_push_message(row[9].as<std::string>());
  n.set_enabled(row[10].as<bool>());
  n.set_preference_enabled(row[11].as<bool>());
  n.set_to_email(row[12].as<std::string>());
  n.set_to_mobile(row[13].as<std::string>());
  n.set_to_user(row[14].as<std::string>());
  n.set_from_email(row[15].as<std::string>());
  n.set_expression(row[16].as<std::string>());
  n.set_layout(row[17].as<std::string>());
  SetTimestamp(row[18], n.mutable_created());
  SetTimestamp(row[19], n.mutable_updated());
  n.set_template_(row[20].as<std::string>());
  n.set_system_enabled(row[21].as<bool>());
  n.set_syntax(FromShortName<v1::TemplateSyntax>(row[22].as<std::string>())
                   .value_or(v1::TEMPLATE_SYNTAX_DJANGO));
  if (!row[23].is_null()) {
    const nlohmann::json layout = nlohmann::json::parse(row[23].as<std::string>(), nullptr, false);
    if (layout.is_array() && layout.size() == 4) {
      v1::LayoutSummary* summary = n.mutable_layout_summary();
      summary->set_id(n.layout());
      summary->set_name(layout[0].get<std::string>());
      summary->set_description(layout[1].get<std::string>());
      SetTimestampMicros(layout[2].get<int64_t>(), summary->mutable_created());
      SetTimestampMicros(layout[3].get<int64_t>(), summary->mutable_updated());
    }
  }
  return n;
}

constexpr TableRows<v1::Notification> kNotifications{"notifications n", kColumns, FromRow};

// A company's ($1) enabled notifications with one user's ($2) preference as column kColumnCount.
const std::string& UserView() {
  static const std::string* const kView =
      new std::string(absl::StrCat("SELECT ", kColumns,
                                   ", coalesce(p.enabled, true) FROM notifications n"
                                   " LEFT JOIN preferences p ON p.company_id = n.company_id"
                                   " AND p.notification_id = n.id AND p.user_id = $2"
                                   " WHERE n.company_id = $1 AND n.enabled"));
  return *kView;
}

absl::Status NotFound() {
  return WithReason(absl::NotFoundError("No such notification."), "NOTIFICATION_NOT_FOUND");
}

// Checks that a notification's layout (when set) belongs to the company.
absl::Status CheckLayout(pqxx::transaction_base& tx, absl::string_view company,
                         const v1::Notification& n) {
  if (n.layout().empty()) return absl::OkStatus();
  const absl::Status missing =
      WithField(WithReason(absl::NotFoundError("No such layout."), "LAYOUT_NOT_FOUND"), "layout");
  if (!IsUuid(n.layout())) return missing;
  pqxx::result rows =
      tx.exec_params("SELECT 1 FROM layouts WHERE company_id = $1 AND id = $2::uuid",
                     std::string(company), n.layout());
  return rows.empty() ? missing : absl::OkStatus();
}

std::optional<std::string> LayoutParam(const v1::Notification& n) {
  if (n.layout().empty()) return std::nullopt;
  return n.layout();
}

// The WHERE clause of a filter, with its five parameters from $`first` on.
std::string Filter(int first) {
  const auto p = [&](int i) { return absl::StrCat("$", first + i); };
  return absl::StrCat(" AND (", p(0), " = '' OR n.event = ", p(0), ") AND (", p(1),
                      " = '' OR n.type = ANY (string_to_array(", p(1), ", ',')))", " AND (", p(2),
                      " = '' OR strpos(lower(n.name), lower(", p(2), ")) > 0)", " AND (", p(3),
                      "::boolean IS NULL OR n.enabled = ", p(3), "::boolean)", " AND (", p(4),
                      " = '' OR n.layout_id::text = ", p(4), ")");
}

}  // namespace

absl::StatusOr<v1::Notification> PgNotificationStore::Create(absl::string_view company,
                                                             v1::Notification n,
                                                             absl::string_view request_id) {
  std::optional<v1::Notification> created;
  absl::Status verdict;
  absl::Status status = pool_->Run("creating a notification", [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    if (!request_id.empty()) {
      pqxx::result seen = tx.exec_params(
          absl::StrCat("SELECT ", kColumns,
                       " FROM notifications n WHERE company_id = $1 AND request_id = $2"),
          std::string(company), std::string(request_id));
      if (!seen.empty()) {
        created = FromRow(seen[0]);
        return absl::OkStatus();
      }
    }
    verdict = CheckLayout(tx, company, n);
    if (!verdict.ok()) return absl::OkStatus();
    pqxx::result rows = tx.exec_params(
        absl::StrCat(
            "INSERT INTO notifications AS n (company_id, id, type, name, description, event,"
            " subject, text_message, html_message, sms_message, push_message, enabled,"
            " preference_enabled, to_email, to_mobile, to_user, from_email, expression, layout_id,"
            " request_id, template, system_enabled, syntax) VALUES ($1, $2::uuid, $3, $4, $5, $6,"
            " $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::uuid, $20, $21, $22,"
            " $23)"
            " RETURNING ",
            kColumns),
        std::string(company), TimeOrderedUuid(clock_->Now()), ShortName(n.type()), n.name(),
        n.description(), n.event(), n.subject(), n.text_message(), n.html_message(),
        n.sms_message(), n.push_message(), n.enabled(), n.preference_enabled(), n.to_email(),
        n.to_mobile(), n.to_user(), n.from_email(), n.expression(), LayoutParam(n),
        request_id.empty() ? std::nullopt : std::optional<std::string>(request_id), n.template_(),
        n.system_enabled(), SyntaxColumn(n));
    tx.commit();
    created = FromRow(rows[0]);
    return absl::OkStatus();
  });
  if (absl::IsAlreadyExists(status) && !request_id.empty()) {
    // A concurrent retry with the same request id won the insert: answer what it created.
    NOTIFY_RETURN_IF_ERROR(
        pool_->Run("reading a created notification", [&](pqxx::connection& conn) {
          pqxx::nontransaction tx(conn);
          pqxx::result rows = tx.exec_params(
              absl::StrCat("SELECT ", kColumns,
                           " FROM notifications n WHERE company_id = $1 AND request_id = $2"),
              std::string(company), std::string(request_id));
          if (!rows.empty()) created = FromRow(rows[0]);
          return absl::OkStatus();
        }));
    if (created.has_value()) return *created;
  }
  NOTIFY_RETURN_IF_ERROR(status);
  NOTIFY_RETURN_IF_ERROR(verdict);
  return *created;
}

absl::StatusOr<v1::Notification> PgNotificationStore::Get(absl::string_view company,
                                                          absl::string_view id) {
  if (!IsUuid(id)) return NotFound();
  std::optional<v1::Notification> found;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("reading a notification", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", kColumns,
                     " FROM notifications n WHERE company_id = $1 AND id = $2::uuid"),
        std::string(company), std::string(id));
    if (!rows.empty()) found = FromRow(rows[0]);
    return absl::OkStatus();
  }));
  if (!found.has_value()) return NotFound();
  return *found;
}

absl::StatusOr<std::vector<v1::Notification>> PgNotificationStore::List(
    absl::string_view company, const NotificationFilter& filter, absl::string_view after_id,
    int limit, int skip) {
  std::vector<v1::Notification> out;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("listing notifications", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", kColumns, " FROM notifications n WHERE company_id = $1", Filter(2),
                     " AND ($7 = '' OR n.id > $7::uuid) ORDER BY n.id LIMIT $8 OFFSET $9"),
        std::string(company), filter.event, JoinShortNames(filter.types), filter.name_contains,
        filter.enabled, filter.layout, std::string(after_id), limit, std::max(skip, 0));
    for (const auto& row : rows) out.push_back(FromRow(row));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int> PgNotificationStore::Count(absl::string_view company,
                                               const NotificationFilter& filter) {
  int count = 0;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("counting notifications", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    count =
        tx.exec_params(
              absl::StrCat("SELECT count(*) FROM notifications n WHERE company_id = $1", Filter(2)),
              std::string(company), filter.event, JoinShortNames(filter.types),
              filter.name_contains, filter.enabled, filter.layout)[0][0]
            .as<int>();
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<v1::Notification> PgNotificationStore::Update(
    absl::string_view company, absl::string_view id,
    const std::function<absl::Status(v1::Notification&)>& change) {
  return UpdateCompanyRow(
      *pool_, "updating a notification", kNotifications, company, id, NotFound(), change,
      [&](pqxx::work& tx, const v1::Notification& n) {
        return tx.exec_params(
            absl::StrCat(
                "UPDATE notifications AS n SET type = $3, name = $4, description = $5, event = $6,"
                " subject = $7, text_message = $8, html_message = $9, sms_message = $10,"
                " push_message = $11, enabled = $12, preference_enabled = $13, to_email = $14,"
                " to_mobile = $15, to_user = $16, from_email = $17, expression = $18,"
                " layout_id = $19::uuid, template = $20, system_enabled = $21, syntax = $22,"
                " updated = clock_timestamp() WHERE company_id = $1 AND id = $2::uuid RETURNING ",
                kColumns),
            std::string(company), std::string(id), ShortName(n.type()), n.name(), n.description(),
            n.event(), n.subject(), n.text_message(), n.html_message(), n.sms_message(),
            n.push_message(), n.enabled(), n.preference_enabled(), n.to_email(), n.to_mobile(),
            n.to_user(), n.from_email(), n.expression(), LayoutParam(n), n.template_(),
            n.system_enabled(), SyntaxColumn(n));
      },
      [&](pqxx::work& tx, const v1::Notification& n) { return CheckLayout(tx, company, n); });
}

absl::Status PgNotificationStore::Delete(absl::string_view company, absl::string_view id) {
  // Its messages stay in the log, by name, without the id of a notification that is gone.
  return DeleteCompanyRow(*pool_, "notifications", company, id, NotFound(), [&](pqxx::work& tx) {
    tx.exec_params(
        "UPDATE deliveries SET notification_id = NULL"
        " WHERE company_id = $1 AND notification_id = $2::uuid",
        std::string(company), std::string(id));
  });
}

absl::StatusOr<std::vector<UserNotificationRecord>> PgNotificationStore::ListForUser(
    absl::string_view company, absl::string_view user, const NotificationFilter& filter,
    absl::string_view after_id, int limit, int skip) {
  std::vector<UserNotificationRecord> out;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("listing a user's notifications", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat(UserView(), Filter(3),
                     " AND ($8 = '' OR n.id > $8::uuid) ORDER BY n.id LIMIT $9 OFFSET $10"),
        std::string(company), std::string(user), filter.event, JoinShortNames(filter.types),
        filter.name_contains, filter.enabled, filter.layout, std::string(after_id), limit,
        std::max(skip, 0));
    for (const auto& row : rows) out.push_back({FromRow(row), row[kColumnCount].as<bool>()});
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<UserNotificationRecord> PgNotificationStore::GetForUser(absl::string_view company,
                                                                       absl::string_view user,
                                                                       absl::string_view id) {
  if (!IsUuid(id)) return NotFound();
  std::optional<UserNotificationRecord> found;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("reading a user's notification", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(absl::StrCat(UserView(), " AND n.id = $3::uuid"),
                                       std::string(company), std::string(user), std::string(id));
    if (!rows.empty()) {
      found = UserNotificationRecord{FromRow(rows[0]), rows[0][kColumnCount].as<bool>()};
    }
    return absl::OkStatus();
  }));
  if (!found.has_value()) return NotFound();
  return *found;
}

absl::Status PgNotificationStore::SetPreference(absl::string_view company, absl::string_view user,
                                                absl::string_view id, bool enabled) {
  if (!IsUuid(id)) return NotFound();
  return pool_->Run("setting a preference", [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    tx.exec_params(
        "INSERT INTO preferences (company_id, user_id, notification_id, enabled)"
        " VALUES ($1, $2, $3::uuid, $4) ON CONFLICT (company_id, user_id, notification_id)"
        " DO UPDATE SET enabled = excluded.enabled, updated = now()",
        std::string(company), std::string(user), std::string(id), enabled);
    tx.commit();
    return absl::OkStatus();
  });
}

}  // namespace notify::pg
