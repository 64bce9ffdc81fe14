// A cache of the platform's answers to "who is this token?".
#ifndef NOTIFY_SERVER_AUTH_TOKEN_CACHE_H_
#define NOTIFY_SERVER_AUTH_TOKEN_CACHE_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/auth/platform_client.h"
#include "server/common/clock.h"
#include "server/common/lru_map.h"

namespace notify {

// Keeps each token's user for `ttl` and its definitive rejection (Unauthenticated,
// PermissionDenied) for `failure_ttl`; transient errors are not kept. Entries are keyed by the
// token's SHA-256, so the cache never holds a token. Users and rejections are kept apart, at most
// `max_entries` users and `max_rejections` rejections, the least recently used of each going
// first: a flood of made-up tokens pushes out other rejections, never a valid token's user.
// Concurrent misses for one token wait for a single fetch. Thread-safe.
class TokenCache {
 public:
  struct Options {
    absl::Duration ttl = absl::Seconds(60);
    absl::Duration failure_ttl = absl::Seconds(5);
    size_t max_entries = 10000;
    size_t max_rejections = 10000;
  };
  using Fetch = std::function<absl::StatusOr<PlatformUser>()>;

  TokenCache(Options options, const Clock* clock);

  // The user `token` belongs to: from the cache, or from `fetch` (called once however many callers
  // miss at the same time).
  absl::StatusOr<PlatformUser> Get(absl::string_view token, const Fetch& fetch);

  // Forgets every user of `company`, e.g. when it is deactivated.
  void ForgetCompany(absl::string_view company);

  // Users kept, and rejections kept.
  size_t size() const;
  size_t rejections() const;

  // How many callers are waiting for another caller's fetch right now.
  int waiting() const { return waiting_.load(); }

 private:
  struct Entry {
    absl::StatusOr<PlatformUser> result;
    absl::Time expires;
  };
  using Lru = LruMap<Entry>;
  struct Flight;

  void Store(const std::string& key, absl::StatusOr<PlatformUser> result);

  const Options options_;
  const Clock* const clock_;
  mutable std::mutex mu_;
  Lru users_ ABSL_GUARDED_BY(mu_);
  Lru rejections_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> waiting_{0};
};

}  // namespace notify

#endif  // NOTIFY_SERVER_AUTH_TOKEN_CACHE_H_
