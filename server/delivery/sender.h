// A channel's senders: each takes due deliveries, from the database (claimed with a lease) or from
// the event workers' hand-off, tries them (quota and device checks, then the provider), and
// records the outcome.
#ifndef NOTIFY_SERVER_DELIVERY_SENDER_H_
#define NOTIFY_SERVER_DELIVERY_SENDER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/common/random.h"
#include "server/core/quotas.h"
#include "server/delivery/channels.h"
#include "server/delivery/delivery_metrics.h"
#include "server/delivery/handoff_queue.h"
#include "server/delivery/outcome_policy.h"
#include "server/store/company_directory.h"
#include "server/store/delivery_store.h"

namespace notify::delivery {

struct SendOptions {
  int batch = 5;                              // Deliveries claimed at once.
  absl::Duration lease = absl::Seconds(120);  // How long a claim holds them.
  // The longest a provider call takes: a claimed delivery is tried only with that much of its
  // lease left, and some room to record the outcome; the lease is renewed first otherwise.
  absl::Duration send_timeout = absl::Seconds(30);
  RetryPolicy retry;
  absl::Duration poll_interval = absl::Milliseconds(500);  // Pause after a failed claim, at first.
  DailyQuotaCeilings quota_ceilings;                       // The operator's, over every company's.
};

// Thread-safe: one Sender serves every sender thread.
class Sender {
 public:
  Sender(SendOptions options, DeliveryStore* store, CompanyDirectory* companies,
         Dispatcher* providers, HandoffQueue* queue, DeliveryMetrics* metrics, const Clock* clock,
         SharedRandom* random);

  // One sender thread of `channel`: sends until the queue closes. It looks in the database before
  // the hand-off at first, after a full claim, when deliveries of the channel were written pending
  // (claim due), and once per poll interval for the whole channel (retries come due there, and
  // other processes' deliveries wait there), however busy the hand-off keeps it.
  void Run(notifications::v1::NotificationType channel);

  // One round: with `claim`, a batch of due deliveries claimed from the database; if none (or
  // without `claim`), one handed delivery, whose write it starts (the write reports to the
  // queue). How many were tried; `from_database` says where they came from. A claimed delivery is
  // never tried past its lease: before one that might outlast it, the batch's lease is renewed,
  // and what another worker holds by then is left to it. Unavailable when an outcome could not be
  // recorded or the lease not renewed: the rest of the batch is left to its lease.
  absl::StatusOr<int> SendSome(notifications::v1::NotificationType channel, bool claim,
                               bool* from_database);

  // Tries `job`: a push without a device is skipped, a company over its daily quota deferred;
  // otherwise the provider's answer, decided by the outcome policy (an unregistered device is
  // removed). Writes nothing of the delivery itself.
  Outcome Attempt(const DeliveryJob& job);

  // Records the outcome of a delivery claimed from the database, whose lease ends at `lease_end`
  // (by this process's clock). An attempt the provider took is retried while the database is
  // unavailable, until the lease ends (after which another worker may send it again) or the queue
  // closes; false when it could not be recorded.
  bool Record(const DeliveryJob& job, const Outcome& outcome, absl::Time lease_end);

 private:
  const SendOptions options_;
  DeliveryStore* const store_;
  CompanyDirectory* const companies_;
  Dispatcher* const providers_;
  HandoffQueue* const queue_;
  DeliveryMetrics* const metrics_;
  const Clock* const clock_;
  SharedRandom* const random_;
};

}  // namespace notify::delivery

#endif  // NOTIFY_SERVER_DELIVERY_SENDER_H_
