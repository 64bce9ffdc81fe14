#include "server/common/metrics.h"

#include <prometheus/text_serializer.h>

namespace notify::metrics {

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

Series<prometheus::Counter> Counters(prometheus::Registry& registry, const std::string& name,
                                     const std::string& help, std::vector<std::string> label_names,
                                     const std::vector<std::vector<std::string>>& known) {
  auto& family = prometheus::BuildCounter().Name(name).Help(help).Register(registry);
  return Series<prometheus::Counter>(
      std::move(label_names),
      [&family](const prometheus::Labels& labels) -> prometheus::Counter& {
        return family.Add(labels);
      },
      known);
}

Series<prometheus::Histogram> Latencies(prometheus::Registry& registry, const std::string& name,
                                        const std::string& help,
                                        std::vector<std::string> label_names,
                                        const std::vector<std::vector<std::string>>& known) {
  auto& family = prometheus::BuildHistogram().Name(name).Help(help).Register(registry);
  return Series<prometheus::Histogram>(
      std::move(label_names),
      [&family](const prometheus::Labels& labels) -> prometheus::Histogram& {
        return family.Add(labels, LatencyBuckets());
      },
      known);
}

std::string Render(const prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace notify::metrics
