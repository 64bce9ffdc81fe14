// A cache of the platform's answers to "who is this token?".
#ifndef NOTIFY_SERVER_AUTH_TOKEN_CACHE_H_
#define NOTIFY_SERVER_AUTH_TOKEN_CACHE_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/auth/platform_client.h"
#include "server/common/clock.h"

namespace notify {

// Keeps each token's user for `ttl` and its definitive rejection (Unauthenticated,
// PermissionDenied) for `failure_ttl`; transient errors are not kept. Entries are keyed by the
// token's SHA-256, so the cache never holds a token. At most `max_entries` are kept, the least
// recently used going first. Concurrent misses for one token wait for a single fetch. Thread-safe.
class TokenCache {
 public:
  struct Options {
    absl::Duration ttl = absl::Seconds(60);
    absl::Duration failure_ttl = absl::Seconds(5);
    size_t max_entries = 10000;
  };
  using Fetch = std::function<absl::StatusOr<PlatformUser>()>;

  TokenCache(Options options, const Clock* clock);

  // The user `token` belongs to: from the cache, or from `fetch` (called once however many callers
  // miss at the same time).
  absl::StatusOr<PlatformUser> Get(absl::string_view token, const Fetch& fetch);

  // Forgets every user of `company`, e.g. when it is deactivated.
  void ForgetCompany(absl::string_view company);

  size_t size() const;

  // How many callers are waiting for another caller's fetch right now.
  int waiting() const { return waiting_.load(); }

 private:
  struct Entry {
    std::string key;
    absl::StatusOr<PlatformUser> result;
    absl::Time expires;
  };
  struct Flight;

  void Store(const std::string& key, absl::StatusOr<PlatformUser> result);

  const Options options_;
  const Clock* const clock_;
  mutable std::mutex mu_;
  std::list<Entry> lru_ ABSL_GUARDED_BY(mu_);  // Most recently used first.
  std::unordered_map<std::string, std::list<Entry>::iterator> index_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> waiting_{0};
};

}  // namespace notify

#endif  // NOTIFY_SERVER_AUTH_TOKEN_CACHE_H_
