#include "server/store/pg/pg_notification_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/common/crypto.h"
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
    " (extract(epoch FROM n.updated) * 1000000)::bigint";

v1::Notification FromRow(const pqxx::row& row) {
  v1::Notification n;
  n.set_id(row[0].as<std::string>());
  n.set_type(NotificationTypeFromName(row[1].as<std::string>()));
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
  return n;
}

// A company's ($1) enabled notifications with one user's ($2) preference as column 20.
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

// The WHERE clause of a filter; parameters start at $2 ($1 is the company).
constexpr const char* kFilter =
    " AND ($2 = '' OR n.event = $2) AND ($3 = '' OR n.type = $3)"
    " AND ($4 = '' OR strpos(lower(n.name), lower($4)) > 0)"
    " AND ($5::boolean IS NULL OR n.enabled = $5::boolean)";

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
            " request_id) VALUES ($1, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
            " $14, $15, $16, $17, $18, $19::uuid, $20) RETURNING ",
            kColumns),
        std::string(company), TimeOrderedUuid(clock_->Now()), NotificationTypeName(n.type()),
        n.name(), n.description(), n.event(), n.subject(), n.text_message(), n.html_message(),
        n.sms_message(), n.push_message(), n.enabled(), n.preference_enabled(), n.to_email(),
        n.to_mobile(), n.to_user(), n.from_email(), n.expression(), LayoutParam(n),
        request_id.empty() ? std::nullopt : std::optional<std::string>(request_id));
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
        absl::StrCat("SELECT ", kColumns, " FROM notifications n WHERE company_id = $1", kFilter,
                     " AND ($6 = '' OR n.id > $6::uuid) ORDER BY n.id LIMIT $7 OFFSET $8"),
        std::string(company), filter.event, filter.type, filter.name_contains, filter.enabled,
        std::string(after_id), limit, std::max(skip, 0));
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
              absl::StrCat("SELECT count(*) FROM notifications n WHERE company_id = $1", kFilter),
              std::string(company), filter.event, filter.type, filter.name_contains,
              filter.enabled)[0][0]
            .as<int>();
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<v1::Notification> PgNotificationStore::Update(
    absl::string_view company, absl::string_view id,
    const std::function<absl::Status(v1::Notification&)>& change) {
  if (!IsUuid(id)) return NotFound();
  std::optional<v1::Notification> updated;
  absl::Status verdict;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("updating a notification", [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", kColumns,
                     " FROM notifications n WHERE company_id = $1 AND id = $2::uuid FOR UPDATE"),
        std::string(company), std::string(id));
    if (rows.empty()) {
      verdict = NotFound();
      return absl::OkStatus();
    }
    v1::Notification n = FromRow(rows[0]);
    verdict = change(n);
    if (verdict.ok()) verdict = CheckLayout(tx, company, n);
    if (!verdict.ok()) return absl::OkStatus();
    rows = tx.exec_params(
        absl::StrCat(
            "UPDATE notifications AS n SET type = $3, name = $4, description = $5, event = $6,"
            " subject = $7, text_message = $8, html_message = $9, sms_message = $10,"
            " push_message = $11, enabled = $12, preference_enabled = $13, to_email = $14,"
            " to_mobile = $15, to_user = $16, from_email = $17, expression = $18,"
            " layout_id = $19::uuid, updated = clock_timestamp()"
            " WHERE company_id = $1 AND id = $2::uuid RETURNING ",
            kColumns),
        std::string(company), std::string(id), NotificationTypeName(n.type()), n.name(),
        n.description(), n.event(), n.subject(), n.text_message(), n.html_message(),
        n.sms_message(), n.push_message(), n.enabled(), n.preference_enabled(), n.to_email(),
        n.to_mobile(), n.to_user(), n.from_email(), n.expression(), LayoutParam(n));
    tx.commit();
    updated = FromRow(rows[0]);
    return absl::OkStatus();
  }));
  NOTIFY_RETURN_IF_ERROR(verdict);
  return *updated;
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
    absl::string_view company, absl::string_view user, const std::vector<std::string>& types,
    absl::string_view after_id, int limit, int skip) {
  std::vector<UserNotificationRecord> out;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("listing a user's notifications", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat(UserView(),
                     " AND ($3 = '' OR n.type = ANY (string_to_array($3, ',')))"
                     " AND ($4 = '' OR n.id > $4::uuid) ORDER BY n.id LIMIT $5 OFFSET $6"),
        std::string(company), std::string(user), absl::StrJoin(types, ","), std::string(after_id),
        limit, std::max(skip, 0));
    for (const auto& row : rows) out.push_back({FromRow(row), row[20].as<bool>()});
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
    if (!rows.empty()) found = UserNotificationRecord{FromRow(rows[0]), rows[0][20].as<bool>()};
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
