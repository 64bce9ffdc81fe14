// A bounded pool of PostgreSQL connections.
#ifndef NOTIFY_SERVER_STORE_PG_POOL_H_
#define NOTIFY_SERVER_STORE_PG_POOL_H_

#include <pqxx/connection>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace notify::pg {

// Holds at most `size` connections, opened lazily, so that the pool can be built while the database
// is down. A connection found broken is closed and replaced by a new one on a later Acquire.
// Thread-safe.
class PgPool {
 public:
  struct Options {
    // libpq URL or key=value string. A connect_timeout is added when it has none.
    std::string url;
    int size = 8;
    // How long Acquire waits for a free connection.
    absl::Duration acquire_timeout = absl::Seconds(5);
    // Run once on every new connection, e.g. to prepare statements. Its exceptions fail the
    // connect.
    std::function<void(pqxx::connection&)> on_connect;
  };

  // A connection on loan; returned to the pool when destroyed. Movable, not copyable.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    pqxx::connection& connection() { return *conn_; }
    // The connection is unusable: close it instead of returning it.
    void MarkBroken() { broken_ = true; }

   private:
    friend class PgPool;
    Lease(PgPool* pool, std::unique_ptr<pqxx::connection> conn);
    PgPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
    bool broken_ = false;
  };

  explicit PgPool(Options options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // A connection, or Unavailable when none is free within acquire_timeout or the database cannot be
  // reached.
  absl::StatusOr<Lease> Acquire();

  // Runs `fn` with a pooled connection. libpqxx exceptions thrown by `fn` become a Status (see
  // StatusFromException, with `what` naming the operation) and a lost connection is discarded.
  absl::Status Run(absl::string_view what,
                   const std::function<absl::Status(pqxx::connection&)>& fn);

  // Connections currently open (idle or on loan).
  int open_connections() const;
  int size() const { return options_.size; }

 private:
  void Release(std::unique_ptr<pqxx::connection> conn, bool broken);

  const Options options_;
  const std::string connect_string_;
  mutable std::mutex mu_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

// Adds connect_timeout=`seconds` to a libpq URL or key=value string that has none.
std::string WithConnectTimeout(absl::string_view url, int seconds);

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_POOL_H_
