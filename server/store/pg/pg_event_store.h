// EventStore on PostgreSQL.
#ifndef NOTIFY_SERVER_STORE_PG_PG_EVENT_STORE_H_
#define NOTIFY_SERVER_STORE_PG_PG_EVENT_STORE_H_

#include <pqxx/pqxx>

#include <string>
#include <vector>

#include "server/common/group_commit.h"
#include "server/store/event_store.h"
#include "server/store/pg/pool.h"

namespace notify::pg {

class PgEventStore final : public EventStore {
 public:
  struct Options {
    // Concurrent inserts go to the database together (see GroupCommit): up to max_batch events in
    // one statement and one commit, max_concurrent such statements at a time.
    size_t max_batch = 128;
    int max_concurrent = 1;
  };
  explicit PgEventStore(PgPool* pool) : PgEventStore(pool, Options()) {}
  PgEventStore(PgPool* pool, Options options);

  // Prepares this store's statements on a new connection (see PgPool::Options::on_connect).
  static void Prepare(pqxx::connection& conn);

  absl::StatusOr<StoredEvent> Insert(absl::string_view company, absl::string_view event_id,
                                     absl::string_view name, absl::string_view payload,
                                     notifications::v1::EventStatus status) override;
  std::vector<absl::StatusOr<StoredEvent>> InsertMany(const std::vector<NewEvent>& events) override;
  absl::StatusOr<EventRecord> Get(absl::string_view company, absl::string_view id) override;
  absl::StatusOr<std::vector<EventRecord>> List(absl::string_view company,
                                                const EventFilter& filter,
                                                const std::optional<EventCursor>& cursor, int limit,
                                                int skip) override;
  absl::StatusOr<int> Count(absl::string_view company, const EventFilter& filter) override;

 private:
  // One result per event, in order.
  std::vector<absl::StatusOr<StoredEvent>> InsertBatch(const std::vector<NewEvent>& events);

  PgPool* const pool_;
  GroupCommit<NewEvent, StoredEvent> inserts_;
};

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_PG_EVENT_STORE_H_
