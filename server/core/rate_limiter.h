// A per-company rate limit on incoming events.
#ifndef NOTIFY_SERVER_CORE_RATE_LIMITER_H_
#define NOTIFY_SERVER_CORE_RATE_LIMITER_H_

#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/common/clock.h"

namespace notify {

// A token bucket per company: `rate` events a second on average, bursts of up to `rate` at once.
// Each replica keeps its own buckets. Thread-safe.
class RateLimiter {
 public:
  RateLimiter(double rate, const Clock* clock) : rate_(rate), clock_(clock) {}

  // OK, or ResourceExhausted (reason RATE_LIMITED) with the wait until the next event is allowed.
  absl::Status Allow(absl::string_view company);

 private:
  struct Bucket {
    double tokens;
    absl::Time refilled;
  };
  const double rate_;
  const Clock* const clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace notify

#endif  // NOTIFY_SERVER_CORE_RATE_LIMITER_H_
