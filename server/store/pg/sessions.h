// How the server's two pools set up each new connection: the statements every connection
// prepares, and for the queues' pool the planner settings their statements need.
#ifndef NOTIFY_SERVER_STORE_PG_SESSIONS_H_
#define NOTIFY_SERVER_STORE_PG_SESSIONS_H_

#include <string>

#include "absl/time/time.h"
#include "server/store/pg/pool.h"

namespace notify::pg {

enum class PoolRole {
  // The API's reads and writes: each query planned for the filters it is given.
  kApi,
  // The queues (ingest, claims, outcomes), run thousands of times a second: generic plans made
  // once, and never a sequential scan.
  kQueues,
};

// A pool of `size` connections to `url` for `role`.
PgPool::Options StorePoolOptions(std::string url, int size, absl::Duration acquire_timeout,
                                 PoolRole role);

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_SESSIONS_H_
