#include "server/store/pg/pool.h"

#include <poll.h>

#include <pqxx/pqxx>

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/common/status.h"
#include "server/store/pg/errors.h"

namespace notify::pg {
namespace {

// Whether an idle connection has heard from the server. Between statements the server sends
// nothing unasked, except when it goes away: a restart or an administrator ends the session with a
// last message and closes the socket. Such a connection would fail the next statement given to it,
// so it is replaced before use rather than after a caller's request has failed on it.
bool ServerSpokeWhileIdle(const pqxx::connection& conn) {
  const int fd = conn.sock();
  if (fd < 0) return true;
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  return ::poll(&p, 1, 0) != 0;
}

}  // namespace

std::string WithConnectTimeout(absl::string_view url, int seconds) {
  if (absl::StrContains(url, "connect_timeout")) return std::string(url);
  if (absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://")) {
    return absl::StrCat(url, absl::StrContains(url, "?") ? "&" : "?", "connect_timeout=", seconds);
  }
  return absl::StrCat(url, " connect_timeout=", seconds);
}

PgPool::Lease::Lease(PgPool* pool, std::unique_ptr<pqxx::connection> conn)
    : pool_(pool), conn_(std::move(conn)) {}

PgPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), conn_(std::move(other.conn_)), broken_(other.broken_) {
  other.pool_ = nullptr;
}

PgPool::Lease& PgPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_), broken_);
    pool_ = other.pool_;
    conn_ = std::move(other.conn_);
    broken_ = other.broken_;
    other.pool_ = nullptr;
  }
  return *this;
}

PgPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_), broken_);
}

PgPool::PgPool(Options options)
    : options_(std::move(options)), connect_string_(WithConnectTimeout(options_.url, 5)) {}

PgPool::~PgPool() = default;

absl::StatusOr<PgPool::Lease> PgPool::Acquire() {
  const absl::Time deadline = absl::Now() + options_.acquire_timeout;
  // Connections found dead, closed after the lock is released (closing may block briefly).
  std::vector<std::unique_ptr<pqxx::connection>> dead;
  {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      while (!idle_.empty()) {
        std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
        idle_.pop_back();
        if (conn->is_open() && !ServerSpokeWhileIdle(*conn)) return Lease(this, std::move(conn));
        --open_;  // Closed while idle (the server went away): replace it below.
        dead.push_back(std::move(conn));
      }
      if (open_ < options_.size) break;
      if (released_.wait_until(lock, absl::ToChronoTime(deadline)) == std::cv_status::timeout &&
          idle_.empty() && open_ >= options_.size) {
        return WithReason(absl::UnavailableError(absl::StrCat(
                              "no database connection became free within ",
                              absl::FormatDuration(options_.acquire_timeout), "; try again")),
                          "DATABASE_UNAVAILABLE");
      }
    }
    ++open_;  // Reserve the slot; connect outside the lock.
  }
  try {
    auto conn = std::make_unique<pqxx::connection>(connect_string_);
    if (options_.on_connect) options_.on_connect(*conn);
    return Lease(this, std::move(conn));
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --open_;
    }
    released_.notify_one();
    return StatusFromException(e, "connect");
  }
}

absl::Status PgPool::Run(absl::string_view what,
                         const std::function<absl::Status(pqxx::connection&)>& fn) {
  NOTIFY_ASSIGN_OR_RETURN(Lease lease, Acquire());
  absl::Status status;
  try {
    status = fn(lease.connection());
  } catch (const std::exception& e) {
    status = StatusFromException(e, what);
  }
  if (IsConnectionLost(status) || !lease.connection().is_open()) lease.MarkBroken();
  return status;
}

void PgPool::Release(std::unique_ptr<pqxx::connection> conn, bool broken) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (broken || !conn->is_open()) {
      --open_;
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  released_.notify_one();
  // A discarded connection is destroyed here, outside the lock (closing may block briefly).
}

int PgPool::open_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

}  // namespace notify::pg
