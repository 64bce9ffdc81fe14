// EventStore on PostgreSQL.
#ifndef NOTIFY_SERVER_STORE_PG_PG_EVENT_STORE_H_
#define NOTIFY_SERVER_STORE_PG_PG_EVENT_STORE_H_

#include <pqxx/pqxx>

#include "server/store/event_store.h"
#include "server/store/pg/pool.h"

namespace notify::pg {

class PgEventStore final : public EventStore {
 public:
  explicit PgEventStore(PgPool* pool) : pool_(pool) {}

  // Prepares this store's statements on a new connection (see PgPool::Options::on_connect).
  static void Prepare(pqxx::connection& conn);

  absl::StatusOr<StoredEvent> Insert(absl::string_view company, absl::string_view event_id,
                                     absl::string_view name, absl::string_view payload,
                                     absl::string_view status) override;
  absl::StatusOr<EventRecord> Get(absl::string_view company, absl::string_view id) override;
  absl::StatusOr<std::vector<EventRecord>> List(absl::string_view company,
                                                const EventFilter& filter,
                                                const std::optional<EventCursor>& cursor,
                                                int limit) override;

 private:
  PgPool* const pool_;
};

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_PG_EVENT_STORE_H_
