// What becomes of a message, decided from what is known, with no I/O: after a provider's answer
// (sent, tried again later, or dead), and before an attempt (deferred by the company's daily
// quota). The delivery engine applies the decisions; these functions are its policy.
#ifndef NOTIFY_SERVER_DELIVERY_OUTCOME_POLICY_H_
#define NOTIFY_SERVER_DELIVERY_OUTCOME_POLICY_H_

#include <optional>
#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/delivery/senders.h"
#include "server/store/delivery_store.h"

namespace notify::delivery {

// How a message that failed for the moment is tried again: at most `max_attempts` attempts in
// all, waiting base * 3^(n-1) after the n-th, with +-20% jitter, at most `max` (the defaults span
// about 18 hours).
struct RetryPolicy {
  int max_attempts = 8;
  absl::Duration base = absl::Seconds(60);
  absl::Duration max = absl::Hours(12);
};

// The wait before attempt `attempt + 1`, after `attempt` failed (attempt >= 1).
absl::Duration RetryDelay(const RetryPolicy& policy, int attempt, absl::BitGenRef random);

// What an attempt came to.
struct Decision {
  enum class Status { kSent, kRetrying, kDead };
  Status status = Status::kDead;
  absl::Duration retry_in;  // kRetrying: the wait before the next attempt.
  // The attempt's detail as recorded: the provider's, and why the message is dead when that is not
  // the provider's own answer (the attempts ran out, the device is gone).
  std::string error;
  // The provider said the device's token is no longer registered: the device is to be removed.
  bool remove_device = false;
};

// The decision after attempt `number` (1 for the first) got `result`. Sent is sent. A temporary
// failure is tried again after RetryDelay, or after the provider's Retry-After when that is
// longer (never more than policy.max), until the last attempt, after which it is dead. A permanent
// failure is dead at once; so is an unregistered device, which is to be removed.
Decision Decide(const SendResult& result, int number, const RetryPolicy& policy,
                absl::BitGenRef random);

// A message held back until `until`, for `reason`.
struct Deferral {
  absl::Time until;
  std::string reason;
};

// The company's daily quota for `channel` (0: none) with `sent_today` messages sent since UTC
// midnight, at `now`: nullopt while under the quota; else deferred to the next UTC midnight,
// saying so.
std::optional<Deferral> QuotaDeferral(notifications::v1::NotificationType channel, int quota,
                                      int sent_today, absl::Time now);

// What one attempt at a delivery came to, as it is recorded.
struct Outcome {
  // Sent, retrying, dead, skipped or deferred.
  notifications::v1::LogStatus status = notifications::v1::LOG_STATUS_UNSPECIFIED;
  std::optional<DeliveryAttempt> attempt;  // None when skipped or deferred (nothing was sent).
  absl::Duration retry_in;                 // retrying
  std::string reason;                      // skipped, deferred
  absl::Time until;                        // deferred
};

// Gives a delivery's row the outcome of its attempt: its status, the attempt, the error, and
// `next_attempt` unless that is InfinitePast.
void ApplyOutcome(const Outcome& outcome, absl::Time next_attempt, NewDelivery& row);

}  // namespace notify::delivery

#endif  // NOTIFY_SERVER_DELIVERY_OUTCOME_POLICY_H_
