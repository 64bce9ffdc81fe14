#include "server/store/pg/pg_event_store.h"

#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/common/crypto.h"
#include "server/common/enum_names.h"
#include "server/common/status.h"
#include "server/store/pg/rows.h"

namespace notify::pg {
namespace {

namespace v1 = notifications::v1;

// An event filter's WHERE clause, with its parameters $2 to $5 ($1 is the company); an empty or
// null parameter matches everything.
constexpr const char* kEventFilter =
    " AND ($2 = '' OR name = $2) AND ($3 = '' OR status = $3)"
    " AND ($4::timestamptz IS NULL OR received >= $4::timestamptz)"
    " AND ($5::timestamptz IS NULL OR received < $5::timestamptz)";

constexpr const char* kColumns =
    "id::text, event_id, name, data::text, status, error,"
    " (SELECT count(*) FROM deliveries d WHERE d.company_id = e.company_id AND d.event_id = e.id),"
    " (extract(epoch FROM received) * 1000000)::bigint,"
    " (extract(epoch FROM processed) * 1000000)::bigint";

v1::EventStatus StatusOf(const pqxx::field& field) {
  return FromShortName<v1::EventStatus>(field.as<std::string>())
      .value_or(v1::EVENT_STATUS_UNSPECIFIED);
}

EventRecord FromRow(const pqxx::row& row) {
  EventRecord e;
  e.id = row[0].as<std::string>();
  e.event_id = row[1].as<std::string>();
  e.name = row[2].as<std::string>();
  e.data_json = row[3].as<std::string>();
  e.status = StatusOf(row[4]);
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
  // A batch of events in one statement, as parallel text arrays: the new ones come back inserted;
  // a key the table has already (or that comes twice in the batch) is inserted once. A pending
  // event takes its place in the event workers' queue in the same statement.
  conn.prepare("insert_events",
               "WITH stored AS ("
               "  INSERT INTO events (company_id, event_id, name, data, status)"
               "  SELECT c, e, n, (p::jsonb) -> 'data', s"
               "  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])"
               "   AS t(c, e, n, p, s)"
               "  ON CONFLICT (company_id, event_id) DO NOTHING"
               "  RETURNING company_id, event_id, id, status, received),"
               " queued AS (INSERT INTO event_queue (id, due)"
               "  SELECT id, received FROM stored WHERE status = 'pending')"
               " SELECT company_id, event_id, id::text, status FROM stored");
  // The events of a batch that were there before it. Run after the insert, in a new snapshot, so
  // that a first copy another batch committed meanwhile is seen.
  conn.prepare("find_events",
               "SELECT company_id, event_id, id::text, status FROM events"
               " WHERE (company_id, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))");
}

PgEventStore::PgEventStore(PgPool* pool, Options options)
    : pool_(pool),
      inserts_([this](std::vector<NewEvent>& events) { return InsertBatch(events); },
               {.max_batch = options.max_batch, .max_concurrent = options.max_concurrent}) {}

absl::StatusOr<StoredEvent> PgEventStore::Insert(absl::string_view company,
                                                 absl::string_view event_id, absl::string_view name,
                                                 absl::string_view payload,
                                                 v1::EventStatus status) {
  return inserts_.Submit(NewEvent{std::string(company), std::string(event_id), std::string(name),
                                  std::string(payload), status});
}

std::vector<absl::StatusOr<StoredEvent>> PgEventStore::InsertMany(
    const std::vector<NewEvent>& events) {
  if (events.empty()) return {};
  return InsertBatch(events);
}

std::vector<absl::StatusOr<StoredEvent>> PgEventStore::InsertBatch(
    const std::vector<NewEvent>& events) {
  // Keyed by (company, event id); the first event of a key takes the inserted row.
  using Key = std::pair<std::string, std::string>;
  std::map<Key, StoredEvent> inserted;
  std::map<Key, StoredEvent> found;
  absl::Status status = pool_->Run("storing events", [&](pqxx::connection& conn) {
    inserted.clear();
    found.clear();
    std::vector<absl::string_view> companies, ids, names, payloads, statuses;
    for (const NewEvent& e : events) {
      companies.push_back(e.company);
      ids.push_back(e.event_id);
      names.push_back(e.name);
      payloads.push_back(e.payload);
      statuses.push_back(ShortName(e.status));
    }
    const std::string company_array = TextArray(companies);
    const std::string id_array = TextArray(ids);
    pqxx::nontransaction tx(conn);  // Each statement its own transaction.
    pqxx::result rows = tx.exec_prepared("insert_events", company_array, id_array, TextArray(names),
                                         TextArray(payloads), TextArray(statuses));
    for (const auto& row : rows) {
      inserted[{row[0].as<std::string>(), row[1].as<std::string>()}] =
          StoredEvent{row[2].as<std::string>(), false, StatusOf(row[3])};
    }
    if (inserted.size() < events.size()) {
      for (const auto& row : tx.exec_prepared("find_events", company_array, id_array)) {
        Key key{row[0].as<std::string>(), row[1].as<std::string>()};
        if (inserted.count(key) == 0) {
          found[std::move(key)] = StoredEvent{row[2].as<std::string>(), true, StatusOf(row[3])};
        }
      }
    }
    return absl::OkStatus();
  });
  std::vector<absl::StatusOr<StoredEvent>> results;
  results.reserve(events.size());
  if (!status.ok() && events.size() > 1 && status.code() != absl::StatusCode::kUnavailable) {
    // One event the database refuses must not fail the others: each goes alone.
    for (const NewEvent& e : events) results.push_back(std::move(InsertBatch({e})[0]));
    return results;
  }
  for (const NewEvent& e : events) {
    if (!status.ok()) {
      results.push_back(status);
      continue;
    }
    Key key{e.company, e.event_id};
    if (auto it = inserted.find(key); it != inserted.end()) {
      results.push_back(it->second);
      // A second copy of the key in this batch is its duplicate.
      found.emplace(key, StoredEvent{it->second.id, true, it->second.status});
      inserted.erase(it);
    } else if (auto f = found.find(key); f != found.end()) {
      results.push_back(f->second);
    } else {
      results.push_back(absl::InternalError("the event was neither stored nor found"));
    }
  }
  return results;
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

absl::StatusOr<int> PgEventStore::Count(absl::string_view company, const EventFilter& filter) {
  int count = 0;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("counting events", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    count = tx.exec_params(
                  absl::StrCat("SELECT count(*) FROM events e WHERE company_id = $1", kEventFilter),
                  std::string(company), filter.name, ShortName(filter.status),
                  TimeParam(filter.start), TimeParam(filter.end))[0][0]
                .as<int>();
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<std::vector<EventRecord>> PgEventStore::List(
    absl::string_view company, const EventFilter& filter, const std::optional<EventCursor>& cursor,
    int limit, int skip) {
  std::vector<EventRecord> events;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("listing events", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    // Empty filters match everything; the cursor is (received, id) in descending order.
    pqxx::result rows = tx.exec_params(
        absl::StrCat(
            "SELECT ", kColumns, " FROM events e WHERE company_id = $1", kEventFilter,
            " AND ($6::timestamptz IS NULL OR (received, id) < ($6::timestamptz, $7::uuid))",
            " ORDER BY received DESC, id DESC LIMIT $8 OFFSET $9"),
        std::string(company), filter.name, ShortName(filter.status), TimeParam(filter.start),
        TimeParam(filter.end),
        TimeParam(cursor.has_value() ? std::optional<absl::Time>(cursor->received) : std::nullopt),
        cursor.has_value() ? std::optional<std::string>(cursor->id) : std::nullopt, limit,
        std::max(skip, 0));
    for (const auto& row : rows) events.push_back(FromRow(row));
    return absl::OkStatus();
  }));
  return events;
}

}  // namespace notify::pg
