#include "server/store/pg/pg_inbox_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/common/crypto.h"
#include "server/common/enum_names.h"
#include "server/common/status.h"
#include "server/store/notification_store.h"
#include "server/store/pg/rows.h"

namespace notify::pg {
namespace {

namespace v1 = notifications::v1;

std::string Micros(const char* column) {
  return absl::StrCat("(extract(epoch FROM ", column, ") * 1000000)::bigint");
}

// --- Devices ---

const std::string& DeviceColumns() {
  static const std::string* const kColumns = new std::string(absl::StrCat(
      "id::text, platform, token, name, ", Micros("created"), ", ", Micros("updated")));
  return *kColumns;
}

v1::Device DeviceFromRow(const pqxx::row& row) {
  v1::Device d;
  d.set_id(row[0].as<std::string>());
  d.set_platform(FromShortName<v1::DevicePlatform>(row[1].as<std::string>())
                     .value_or(v1::DEVICE_PLATFORM_UNSPECIFIED));
  d.set_token(row[2].as<std::string>());
  d.set_name(row[3].as<std::string>());
  SetTimestamp(row[4], d.mutable_created());
  SetTimestamp(row[5], d.mutable_updated());
  return d;
}

absl::Status DeviceNotFound() {
  return WithReason(absl::NotFoundError("No such device."), "DEVICE_NOT_FOUND");
}

absl::Status LogNotFound() {
  return WithReason(absl::NotFoundError("No such log."), "LOG_NOT_FOUND");
}

}  // namespace

// --- Logs ---

const std::string& LogColumns() {
  static const std::string* const kColumns = new std::string(absl::StrCat(
      "id::text, coalesce(notification_id::text, ''), notification_name,"
      " coalesce(event_id::text, ''), event, type, user_id, recipient, subject, text_message,"
      " html_message, sms_message, push_message, status, attempt_count, last_error, received, ",
      Micros("created"), ", ", Micros("updated"), ", ", Micros("sent"), ", ",
      Micros("next_attempt"), ", coalesce(resend_of::text, '')"));
  return *kColumns;
}

// A log filter's WHERE clause, with its parameters $2 to $17 ($1 is the company); an empty or null
// parameter matches everything.
constexpr const char* kLogFilter =
    " AND ($2 = '' OR user_id = $2) AND ($3 = '' OR notification_id::text = $3)"
    " AND ($4 = '' OR recipient = $4) AND ($5 = '' OR type = ANY (string_to_array($5, ',')))"
    " AND ($6 = '' OR status = $6)"
    " AND ($7::timestamptz IS NULL OR created >= $7::timestamptz)"
    " AND ($8::timestamptz IS NULL OR created < $8::timestamptz)"
    " AND ($9::boolean IS NULL OR received = $9::boolean)"
    " AND ($10::timestamptz IS NULL OR created > $10::timestamptz)"
    " AND ($11 = '' OR notification_name = $11)"
    " AND ($12 = '' OR notification_name ILIKE $12)"
    " AND ($13 = '' OR recipient ILIKE $13)"
    " AND ($14::boolean IS NULL OR (status = 'sent') = $14::boolean)"
    " AND ($15 = '' OR user_id = $15 OR recipient = $15)"
    " AND ($16 = '' OR type = $16)"
    " AND ($17::timestamptz IS NULL OR created < $17::timestamptz)";

// An ILIKE pattern that matches text containing `part` literally; "" for an empty part.
std::string LikePattern(absl::string_view part) {
  if (part.empty()) return "";
  std::string out = "%";
  for (char c : part) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

v1::Log LogFromRow(const pqxx::row& row) {
  v1::Log l;
  l.set_id(row[0].as<std::string>());
  l.set_notification_id(row[1].as<std::string>());
  l.set_notification_name(row[2].as<std::string>());
  l.set_event_id(row[3].as<std::string>());
  l.set_event(row[4].as<std::string>());
  l.set_type(FromShortName<v1::NotificationType>(row[5].as<std::string>())
                 .value_or(v1::NOTIFICATION_TYPE_UNSPECIFIED));
  l.set_user_id(row[6].as<std::string>());
  l.set_recipient(row[7].as<std::string>());
  l.set_subject(row[8].as<std::string>());
  l.set_text_message(row[9].as<std::string>());
  l.set_html_message(row[10].as<std::string>());
  l.set_sms_message(row[11].as<std::string>());
  l.set_push_message(row[12].as<std::string>());
  const v1::LogStatus status =
      FromShortName<v1::LogStatus>(row[13].as<std::string>()).value_or(v1::LOG_STATUS_UNSPECIFIED);
  l.set_status(status);
  l.set_accepted(status == v1::LOG_STATUS_SENT);
  l.set_attempt_count(row[14].as<int>());
  l.set_last_error(row[15].as<std::string>());
  l.set_received(row[16].as<bool>());
  SetTimestamp(row[17], l.mutable_created());
  SetTimestamp(row[18], l.mutable_updated());
  SetTimestamp(row[19], l.mutable_sent());
  if (status == v1::LOG_STATUS_PENDING || status == v1::LOG_STATUS_RETRYING ||
      status == v1::LOG_STATUS_DEFERRED) {
    SetTimestamp(row[20], l.mutable_next_attempt());
  }
  l.set_resend_of(row[21].as<std::string>());
  return l;
}

absl::StatusOr<v1::Device> PgDeviceStore::Register(absl::string_view company,
                                                   absl::string_view user, const v1::Device& d,
                                                   int keep) {
  std::optional<v1::Device> stored;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("registering a device", [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("INSERT INTO devices (company_id, id, user_id, platform, token, name)"
                     " VALUES ($1, $2::uuid, $3, $4, $5, $6)"
                     " ON CONFLICT (company_id, token) DO UPDATE SET user_id = excluded.user_id,"
                     " platform = excluded.platform, name = excluded.name, updated = now()"
                     " RETURNING ",
                     DeviceColumns()),
        std::string(company), TimeOrderedUuid(clock_->Now()), std::string(user),
        ShortName(d.platform()), d.token(), d.name());
    // Registration refreshes `updated`, so the devices dropped are those not registered for the
    // longest (ids break ties: they grow with time).
    tx.exec_params(
        "DELETE FROM devices WHERE company_id = $1 AND user_id = $2 AND id IN ("
        " SELECT id FROM devices WHERE company_id = $1 AND user_id = $2"
        " ORDER BY updated DESC, id DESC OFFSET $3)",
        std::string(company), std::string(user), std::max(keep, 1));
    tx.commit();
    stored = DeviceFromRow(rows[0]);
    return absl::OkStatus();
  }));
  return *stored;
}

absl::StatusOr<std::vector<v1::Device>> PgDeviceStore::List(absl::string_view company,
                                                            absl::string_view user,
                                                            absl::string_view before_id, int limit,
                                                            int skip) {
  std::vector<v1::Device> out;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("listing devices", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", DeviceColumns(),
                     " FROM devices WHERE company_id = $1 AND user_id = $2"
                     " AND ($3 = '' OR id < $3::uuid) ORDER BY id DESC LIMIT $4 OFFSET $5"),
        std::string(company), std::string(user), std::string(before_id), limit, std::max(skip, 0));
    for (const auto& row : rows) out.push_back(DeviceFromRow(row));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int> PgDeviceStore::Count(absl::string_view company, absl::string_view user) {
  int count = 0;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("counting devices", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    count = tx.exec_params("SELECT count(*) FROM devices WHERE company_id = $1 AND user_id = $2",
                           std::string(company), std::string(user))[0][0]
                .as<int>();
    return absl::OkStatus();
  }));
  return count;
}

absl::Status PgDeviceStore::Delete(absl::string_view company, absl::string_view user,
                                   absl::string_view id) {
  if (!IsUuid(id)) return DeviceNotFound();
  bool found = false;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("deleting a device", [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    found = !tx.exec_params(
                   "DELETE FROM devices WHERE company_id = $1 AND user_id = $2"
                   " AND id = $3::uuid RETURNING id",
                   std::string(company), std::string(user), std::string(id))
                 .empty();
    tx.commit();
    return absl::OkStatus();
  }));
  return found ? absl::OkStatus() : DeviceNotFound();
}

absl::StatusOr<std::vector<v1::Log>> PgLogStore::List(absl::string_view company,
                                                      const LogFilter& filter,
                                                      const std::optional<LogCursor>& cursor,
                                                      int limit, int skip) {
  std::vector<v1::Log> out;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("listing logs", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat(
            "SELECT ", LogColumns(), " FROM deliveries WHERE company_id = $1", kLogFilter,
            " AND ($18::timestamptz IS NULL OR (created, id) < ($18::timestamptz, $19::uuid))",
            " ORDER BY created DESC, id DESC LIMIT $20 OFFSET $21"),
        std::string(company), filter.user_id, filter.notification_id, filter.recipient,
        JoinShortNames(filter.types), ShortName(filter.status), TimeParam(filter.start),
        TimeParam(filter.end), filter.received, TimeParam(filter.created_after),
        filter.notification_name, LikePattern(filter.notification_name_contains),
        LikePattern(filter.recipient_contains), filter.sent, filter.user_identifier,
        ShortName(filter.type), TimeParam(filter.created_before),
        TimeParam(cursor.has_value() ? std::optional<absl::Time>(cursor->created) : std::nullopt),
        cursor.has_value() ? std::optional<std::string>(cursor->id) : std::nullopt, limit,
        std::max(skip, 0));
    for (const auto& row : rows) out.push_back(LogFromRow(row));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int> PgLogStore::Count(absl::string_view company, const LogFilter& filter) {
  int count = 0;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("counting logs", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    count = tx.exec_params(
                  absl::StrCat("SELECT count(*) FROM deliveries WHERE company_id = $1", kLogFilter),
                  std::string(company), filter.user_id, filter.notification_id, filter.recipient,
                  JoinShortNames(filter.types), ShortName(filter.status), TimeParam(filter.start),
                  TimeParam(filter.end), filter.received, TimeParam(filter.created_after),
                  filter.notification_name, LikePattern(filter.notification_name_contains),
                  LikePattern(filter.recipient_contains), filter.sent, filter.user_identifier,
                  ShortName(filter.type), TimeParam(filter.created_before))[0][0]
                .as<int>();
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<v1::Log> PgLogStore::Get(absl::string_view company, absl::string_view user,
                                        absl::string_view id, bool with_attempts) {
  if (!IsUuid(id)) return LogNotFound();
  std::optional<v1::Log> found;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("reading a log", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows =
        tx.exec_params(absl::StrCat("SELECT ", LogColumns(),
                                    " FROM deliveries WHERE company_id = $1 AND id = $2::uuid"
                                    " AND ($3 = '' OR user_id = $3)"),
                       std::string(company), std::string(id), std::string(user));
    if (rows.empty()) return absl::OkStatus();
    found = LogFromRow(rows[0]);
    if (with_attempts) {
      for (const auto& row : tx.exec_params(
               absl::StrCat("SELECT (a->>'number')::int, ", Micros("(a->>'started')::timestamptz"),
                            ", (a->>'duration_ms')::int, (a->>'success')::boolean,"
                            " (a->>'provider_status')::int, a->>'error'"
                            " FROM deliveries d, jsonb_array_elements(d.attempts)"
                            "  WITH ORDINALITY AS x(a, n)"
                            " WHERE d.company_id = $1 AND d.id = $2::uuid ORDER BY n"),
               std::string(company), std::string(id))) {
        v1::LogAttempt* attempt = found->add_attempts();
        attempt->set_number(row[0].as<int>());
        SetTimestamp(row[1], attempt->mutable_started());
        attempt->set_duration_ms(row[2].as<int>());
        attempt->set_success(row[3].as<bool>());
        attempt->set_provider_status(row[4].as<int>());
        attempt->set_error(row[5].as<std::string>());
      }
    }
    return absl::OkStatus();
  }));
  if (!found.has_value()) return LogNotFound();
  return *found;
}

absl::StatusOr<v1::Log> PgLogStore::SetReceived(absl::string_view company, absl::string_view user,
                                                absl::string_view id, bool received) {
  if (!IsUuid(id)) return LogNotFound();
  std::optional<v1::Log> updated;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("marking a log", [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("UPDATE deliveries SET received = $4, updated = now()"
                     " WHERE company_id = $1 AND user_id = $2 AND id = $3::uuid RETURNING ",
                     LogColumns()),
        std::string(company), std::string(user), std::string(id), received);
    tx.commit();
    if (!rows.empty()) updated = LogFromRow(rows[0]);
    return absl::OkStatus();
  }));
  if (!updated.has_value()) return LogNotFound();
  return *updated;
}

}  // namespace notify::pg
