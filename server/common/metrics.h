// Metrics on prometheus-cpp (Debian's prometheus-cpp-dev). Each process has one
// prometheus::Registry, made where the process is wired (App, the gateway's main) and handed to
// what records metrics; each part registers its families at construction and updates them from
// any thread. MetricsPage (server/common/http_server.h) serves the registry as GET /metrics in both
// programs.
#ifndef NOTIFY_SERVER_COMMON_METRICS_H_
#define NOTIFY_SERVER_COMMON_METRICS_H_

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace notify::metrics {

// Latency buckets in seconds, from 1 ms to 10 s.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

// A family's series by their label values, in the order of the family's label names. The series
// of `known` label values are made at construction and found without a lock; others are made on
// first use and found again under a lock (prometheus::Family::Add would make a metric on every
// call). Thread-safe; references stay valid for the registry's life.
template <typename Metric>
class Series {
 public:
  using Add = std::function<Metric&(const prometheus::Labels&)>;
  using Values = std::vector<std::string>;

  Series(std::vector<std::string> label_names, Add add, const std::vector<Values>& known = {})
      : label_names_(std::move(label_names)), add_(std::move(add)) {
    for (const Values& values : known) known_.emplace(values, &Make(values));
  }
  Series(const Series&) = delete;
  Series& operator=(const Series&) = delete;

  Metric& With(const Values& values) {
    if (auto it = known_.find(values); it != known_.end()) return *it->second;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = made_.find(values);
    if (it == made_.end()) it = made_.emplace(values, &Make(values)).first;
    return *it->second;
  }

 private:
  Metric& Make(const Values& values) {
    prometheus::Labels labels;
    for (size_t i = 0; i < label_names_.size() && i < values.size(); ++i) {
      labels.emplace(label_names_[i], values[i]);
    }
    return add_(labels);
  }

  const std::vector<std::string> label_names_;
  const Add add_;
  std::map<Values, Metric*> known_;  // Filled at construction, read-only after.
  std::mutex mu_;
  std::map<Values, Metric*> made_ ABSL_GUARDED_BY(mu_);
};

// Registers a counter family `name` in `registry`, with the series of `known` label values.
Series<prometheus::Counter> Counters(prometheus::Registry& registry, const std::string& name,
                                     const std::string& help, std::vector<std::string> label_names,
                                     const std::vector<std::vector<std::string>>& known = {});

// Registers a latency histogram family `name` (seconds, LatencyBuckets()) in `registry`, with the
// series of `known` label values.
Series<prometheus::Histogram> Latencies(prometheus::Registry& registry, const std::string& name,
                                        const std::string& help,
                                        std::vector<std::string> label_names,
                                        const std::vector<std::vector<std::string>>& known = {});

// Records `d` in seconds.
inline void Observe(prometheus::Histogram& histogram, absl::Duration d) {
  histogram.Observe(absl::ToDoubleSeconds(d));
}

// The registry in Prometheus's text exposition format 0.0.4.
std::string Render(const prometheus::Registry& registry);

}  // namespace notify::metrics

#endif  // NOTIFY_SERVER_COMMON_METRICS_H_
