#include "server/core/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "server/common/status.h"

namespace notify {

absl::Status RateLimiter::Allow(absl::string_view company) {
  const absl::Time now = clock_->Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(std::string(company), Bucket{rate_, now});
  Bucket& bucket = it->second;
  bucket.tokens =
      std::min(rate_, bucket.tokens + absl::ToDoubleSeconds(now - bucket.refilled) * rate_);
  bucket.refilled = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::OkStatus();
  }
  const double wait_seconds = std::max(1.0, std::ceil((1 - bucket.tokens) / rate_));
  return WithRetryAfter(
      WithReason(absl::ResourceExhaustedError(
                     "Too many events for this company; try again after the delay given."),
                 "RATE_LIMITED"),
      absl::Seconds(wait_seconds));
}

}  // namespace notify
