#include "server/store/pg/sessions.h"

#include <pqxx/pqxx>

#include <utility>

#include "server/store/pg/pg_delivery_store.h"
#include "server/store/pg/pg_event_store.h"

namespace notify::pg {

PgPool::Options StorePoolOptions(std::string url, int size, absl::Duration acquire_timeout,
                                 PoolRole role) {
  return {.url = std::move(url),
          .size = size,
          .acquire_timeout = acquire_timeout,
          .on_connect = [role](pqxx::connection& conn) {
            if (role == PoolRole::kQueues) {
              // A generic plan is made once, often while the queues are nearly empty and reading
              // a small table whole looks cheaper than its index; as the table grows that plan
              // would go on reading all of it. Every queue statement finds its rows through an
              // index, so sequential scans are ruled out on these connections.
              pqxx::nontransaction(conn).exec(
                  "SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off");
            }
            PgEventStore::Prepare(conn);
            PgDeliveryStore::Prepare(conn);
          }};
}

}  // namespace notify::pg
