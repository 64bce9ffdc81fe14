#include "server/store/pg/pg_event_store.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/common/crypto.h"
#include "server/common/status.h"
#include "server/store/pg/rows.h"

namespace notify::pg {
namespace {

constexpr const char* kColumns =
    "id::text, event_id, name, data::text, status, error,"
    " (SELECT count(*) FROM deliveries d WHERE d.company_id = e.company_id AND d.event_id = e.id),"
    " (extract(epoch FROM received) * 1000000)::bigint,"
    " (extract(epoch FROM processed) * 1000000)::bigint";

EventRecord FromRow(const pqxx::row& row) {
  EventRecord e;
  e.id = row[0].as<std::string>();
  e.event_id = row[1].as<std::string>();
  e.name = row[2].as<std::string>();
  e.data_json = row[3].as<std::string>();
  e.status = row[4].as<std::string>();
  e.error = row[5].as<std::string>();
  e.delivery_count = row[6].as<int>();
  e.received = absl::FromUnixMicros(row[7].as<int64_t>());
  if (!row[8].is_null()) e.processed = absl::FromUnixMicros(row[8].as<int64_t>());
  return e;
}

absl::Status EventNotFound() {
  return WithReason(absl::NotFoundError("No such event."), "EVENT_NOT_FOUND");
}

}  // namespace

void PgEventStore::Prepare(pqxx::connection& conn) {
  // Insert-or-find in one statement: a new event comes back inserted; a known one comes back as it
  // is. A concurrent first copy that commits while this statement runs is not in its snapshot;
  // Insert then asks once more.
  conn.prepare("insert_event",
               "WITH inserted AS ("
               "  INSERT INTO events (company_id, event_id, name, data, status)"
               "  VALUES ($1, $2, $3, ($4::jsonb) -> 'data', $5)"
               "  ON CONFLICT (company_id, event_id) DO NOTHING"
               "  RETURNING id::text, status)"
               " SELECT id, status, false FROM inserted"
               " UNION ALL"
               " SELECT id::text, status, true FROM events"
               "  WHERE company_id = $1 AND event_id = $2 AND NOT EXISTS (SELECT 1 FROM inserted)");
  conn.prepare("find_event",
               "SELECT id::text, status, true FROM events WHERE company_id = $1 AND event_id = $2");
}

absl::StatusOr<StoredEvent> PgEventStore::Insert(absl::string_view company,
                                                 absl::string_view event_id, absl::string_view name,
                                                 absl::string_view payload,
                                                 absl::string_view status) {
  std::optional<StoredEvent> stored;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("storing an event", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);  // One statement: its own transaction.
    pqxx::result rows =
        tx.exec_prepared("insert_event", std::string(company), std::string(event_id),
                         std::string(name), std::string(payload), std::string(status));
    if (rows.empty()) {
      rows = tx.exec_prepared("find_event", std::string(company), std::string(event_id));
    }
    if (!rows.empty()) {
      stored = StoredEvent{rows[0][0].as<std::string>(), rows[0][2].as<bool>(),
                           rows[0][1].as<std::string>()};
    }
    return absl::OkStatus();
  }));
  if (!stored.has_value()) return absl::InternalError("the event was neither stored nor found");
  return *stored;
}

absl::StatusOr<EventRecord> PgEventStore::Get(absl::string_view company, absl::string_view id) {
  if (!IsUuid(id)) return EventNotFound();
  std::optional<EventRecord> record;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("reading an event", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", kColumns, " FROM events e WHERE company_id = $1 AND id = $2::uuid"),
        std::string(company), std::string(id));
    if (!rows.empty()) record = FromRow(rows[0]);
    return absl::OkStatus();
  }));
  if (!record.has_value()) return EventNotFound();
  return *record;
}

absl::StatusOr<std::vector<EventRecord>> PgEventStore::List(
    absl::string_view company, const EventFilter& filter, const std::optional<EventCursor>& cursor,
    int limit) {
  std::vector<EventRecord> events;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("listing events", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    // Empty filters match everything; the cursor is (received, id) in descending order.
    pqxx::result rows = tx.exec_params(
        absl::StrCat(
            "SELECT ", kColumns, " FROM events e WHERE company_id = $1",
            " AND ($2 = '' OR name = $2) AND ($3 = '' OR status = $3)",
            " AND ($4::timestamptz IS NULL OR received >= $4::timestamptz)",
            " AND ($5::timestamptz IS NULL OR received < $5::timestamptz)",
            " AND ($6::timestamptz IS NULL OR (received, id) < ($6::timestamptz, $7::uuid))",
            " ORDER BY received DESC, id DESC LIMIT $8"),
        std::string(company), filter.name, filter.status, TimeParam(filter.start),
        TimeParam(filter.end),
        TimeParam(cursor.has_value() ? std::optional<absl::Time>(cursor->received) : std::nullopt),
        cursor.has_value() ? std::optional<std::string>(cursor->id) : std::nullopt, limit);
    for (const auto& row : rows) events.push_back(FromRow(row));
    return absl::OkStatus();
  }));
  return events;
}

}  // namespace notify::pg
