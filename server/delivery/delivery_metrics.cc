#include "server/delivery/delivery_metrics.h"

#include <string>
#include <vector>

#include "server/common/enum_names.h"
#include "server/common/log.h"

namespace notify::delivery {
namespace {

// The channels and the outcomes a delivery is counted by: their series are made at start, so that
// counting one takes no lock.
namespace v1 = notifications::v1;

constexpr v1::NotificationType kChannels[] = {v1::NOTIFICATION_TYPE_EMAIL,
                                              v1::NOTIFICATION_TYPE_SMS, v1::NOTIFICATION_TYPE_PUSH,
                                              v1::NOTIFICATION_TYPE_SYSTEM};

std::vector<std::vector<std::string>> KnownChannels() {
  std::vector<std::vector<std::string>> out;
  for (v1::NotificationType channel : kChannels) out.push_back({ShortName(channel)});
  return out;
}
std::vector<std::vector<std::string>> KnownChannelOutcomes() {
  std::vector<std::vector<std::string>> out;
  for (v1::NotificationType channel : kChannels) {
    for (v1::LogStatus outcome : {v1::LOG_STATUS_SENT, v1::LOG_STATUS_RETRYING, v1::LOG_STATUS_DEAD,
                                  v1::LOG_STATUS_SKIPPED, v1::LOG_STATUS_DEFERRED}) {
      out.push_back({ShortName(channel), ShortName(outcome)});
    }
  }
  return out;
}

}  // namespace

DeliveryMetrics::DeliveryMetrics(prometheus::Registry& registry)
    : events_processed_(metrics::Counters(registry, "notify_events_processed_total",
                                          "Events turned into deliveries, by outcome.",
                                          {"outcome"})),
      deliveries_(metrics::Counters(registry, "notify_deliveries_total",
                                    "Delivery attempts and settlements, by channel and outcome "
                                    "(sent, retrying, dead, skipped, deferred).",
                                    {"channel", "outcome"}, KnownChannelOutcomes())),
      send_latency_(metrics::Latencies(registry, "notify_send_seconds",
                                       "Time a provider took to take a message, by channel.",
                                       {"channel"}, KnownChannels())) {}

void DeliveryMetrics::EventDone(v1::EventStatus status) {
  events_processed_.With({ShortName(status)}).Increment();
}

void DeliveryMetrics::EventPostponed() { events_processed_.With({"postponed"}).Increment(); }

void DeliveryMetrics::EventNotRecorded() { events_processed_.With({"error"}).Increment(); }

void DeliveryMetrics::ProviderTook(v1::NotificationType channel, absl::Duration took) {
  metrics::Observe(send_latency_.With({ShortName(channel)}), took);
}

void DeliveryMetrics::Report(const DeliveryJob& job, const Outcome& outcome) {
  deliveries_.With({ShortName(job.type), ShortName(outcome.status)}).Increment();
  if (!outcome.attempt.has_value()) return;
  log::Info("delivery attempt",
            {{"company", job.company},
             {"delivery", job.id},
             {"channel", ShortName(job.type)},
             {"attempt", job.attempt_count + 1},
             {"status", ShortName(outcome.status)},
             {"provider_status", outcome.attempt->provider_status},
             {"took_ms", absl::ToInt64Milliseconds(outcome.attempt->duration)}});
}

}  // namespace notify::delivery
