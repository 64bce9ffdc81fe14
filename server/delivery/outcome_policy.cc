#include "server/delivery/outcome_policy.h"

#include <algorithm>
#include <cmath>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "server/common/enum_names.h"

namespace notify::delivery {

absl::Duration RetryDelay(const RetryPolicy& policy, int attempt, absl::BitGenRef random) {
  const double factor = std::pow(3.0, std::max(0, attempt - 1));
  absl::Duration delay = std::min(policy.base * factor, policy.max);
  return std::min(delay * absl::Uniform(random, 0.8, 1.2), policy.max);
}

Decision Decide(const SendResult& result, int number, const RetryPolicy& policy,
                absl::BitGenRef random) {
  Decision decision;
  decision.error = result.detail;
  switch (result.outcome) {
    case SendOutcome::kSent:
      decision.status = Decision::Status::kSent;
      break;
    case SendOutcome::kTemporary:
      if (number >= policy.max_attempts) {
        decision.status = Decision::Status::kDead;
        decision.error = absl::StrCat(result.detail, " (gave up after ", number, " attempts)");
        break;
      }
      decision.status = Decision::Status::kRetrying;
      decision.retry_in = RetryDelay(policy, number, random);
      if (result.retry_after.has_value()) {
        // The provider knows when it will take messages again; a longer wait is not ours to
        // shorten, but no wait exceeds the policy's longest.
        decision.retry_in = std::min(std::max(decision.retry_in, *result.retry_after), policy.max);
      }
      break;
    case SendOutcome::kPermanent:
      decision.status = Decision::Status::kDead;
      break;
    case SendOutcome::kUnregistered:
      decision.status = Decision::Status::kDead;
      decision.error = absl::StrCat(result.detail, " (the device was removed)");
      decision.remove_device = true;
      break;
  }
  return decision;
}

std::optional<Deferral> QuotaDeferral(notifications::v1::NotificationType channel, int quota,
                                      int sent_today, absl::Time now) {
  if (quota <= 0 || sent_today < quota) return std::nullopt;
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time tomorrow = absl::FromCivil(absl::ToCivilDay(now, utc) + 1, utc);
  return Deferral{tomorrow, absl::StrCat("the company's daily ", ShortName(channel), " quota (",
                                         quota, ") is reached; deferred to ",
                                         absl::FormatTime("%Y-%m-%d %H:%M UTC", tomorrow, utc))};
}

void ApplyOutcome(const Outcome& outcome, absl::Time next_attempt, NewDelivery& row) {
  row.status = outcome.status;
  if (outcome.attempt.has_value()) {
    row.attempts.push_back(*outcome.attempt);
    // The attempt keeps what the provider said; the log's last error is a failure's alone.
    row.last_error = outcome.attempt->success ? "" : outcome.attempt->error;
  } else {
    row.last_error = outcome.reason;
  }
  if (next_attempt != absl::InfinitePast()) row.next_attempt = next_attempt;
}

}  // namespace notify::delivery
