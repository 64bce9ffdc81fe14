#include "server/delivery/delivery_metrics.h"

#include <string>
#include <vector>

#include "server/common/log.h"

namespace notify::delivery {
namespace {

// The channels and the outcomes a delivery is counted by: their series are made at start, so that
// counting one takes no lock.
std::vector<std::vector<std::string>> KnownChannels() {
  return {{"email"}, {"sms"}, {"push"}, {"system"}};
}
std::vector<std::vector<std::string>> KnownChannelOutcomes() {
  std::vector<std::vector<std::string>> out;
  for (const char* channel : {"email", "sms", "push", "system"}) {
    for (const char* outcome : {"sent", "retrying", "dead", "skipped", "deferred"}) {
      out.push_back({channel, outcome});
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

void DeliveryMetrics::EventDone(const std::string& outcome) {
  events_processed_.With({outcome}).Increment();
}

void DeliveryMetrics::ProviderTook(const std::string& channel, absl::Duration took) {
  metrics::Observe(send_latency_.With({channel}), took);
}

void DeliveryMetrics::Report(const DeliveryJob& job, const Outcome& outcome) {
  deliveries_.With({job.type, outcome.status}).Increment();
  if (!outcome.attempt.has_value()) return;
  log::Info("delivery attempt",
            {{"company", job.company},
             {"delivery", job.id},
             {"channel", job.type},
             {"attempt", job.attempt_count + 1},
             {"status", outcome.status},
             {"provider_status", outcome.attempt->provider_status},
             {"took_ms", absl::ToInt64Milliseconds(outcome.attempt->duration)}});
}

}  // namespace notify::delivery
