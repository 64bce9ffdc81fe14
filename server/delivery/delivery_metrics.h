// What the delivery workers count: events by outcome, deliveries by channel and outcome, and the
// providers' latency; and the log line of each attempt.
#ifndef NOTIFY_SERVER_DELIVERY_DELIVERY_METRICS_H_
#define NOTIFY_SERVER_DELIVERY_DELIVERY_METRICS_H_

#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "server/common/metrics.h"
#include "server/delivery/outcome_policy.h"
#include "server/store/delivery_store.h"

namespace notify::delivery {

// Thread-safe.
class DeliveryMetrics {
 public:
  explicit DeliveryMetrics(prometheus::Registry& registry);

  // An event's outcome: processed, failed or ignored, once recorded.
  void EventDone(notifications::v1::EventStatus status);
  // An event put off (its dependencies failed), or one whose outcome could not be recorded.
  void EventPostponed();
  void EventNotRecorded();
  // Counts and logs the outcome of an attempt at `job` once it is written.
  void Report(const DeliveryJob& job, const Outcome& outcome);
  // How long the provider of `channel` took.
  void ProviderTook(notifications::v1::NotificationType channel, absl::Duration took);

 private:
  metrics::Series<prometheus::Counter> events_processed_;
  metrics::Series<prometheus::Counter> deliveries_;
  metrics::Series<prometheus::Histogram> send_latency_;
};

}  // namespace notify::delivery

#endif  // NOTIFY_SERVER_DELIVERY_DELIVERY_METRICS_H_
