// Counters and latency histograms, written in Prometheus's text exposition format.
//
// Debian ships no C++ Prometheus client, so this is a small one: metrics are registered once (at
// start-up) and updated lock-free from any thread.
#ifndef NOTIFY_SERVER_COMMON_METRICS_H_
#define NOTIFY_SERVER_COMMON_METRICS_H_

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace notify::metrics {

// Label values in the order of the family's label names.
using Labels = std::vector<std::string>;

class Counter {
 public:
  void Increment(double by = 1) {
    double current = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
    }
  }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations in seconds, counted into cumulative buckets.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double seconds);
  void Observe(absl::Duration d) { Observe(absl::ToDoubleSeconds(d)); }

  const std::vector<double>& bounds() const { return *bounds_; }
  uint64_t bucket(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.value(); }

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  Counter sum_;
};

// A named metric with labels; each distinct set of label values is its own series.
template <typename Metric>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}

  // The series for `labels` (created on first use). The reference stays valid for the family's
  // life.
  Metric& With(const Labels& labels);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // A stable copy of (labels, metric) pairs for rendering.
  std::vector<std::pair<Labels, const Metric*>> Series() const;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<Labels, Metric*> index_;
  std::deque<Metric> storage_;  // A deque never moves its elements.
};

// All of a process's metrics. Thread-safe.
class Registry {
 public:
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(std::string name, std::string help,
                          std::vector<std::string> label_names = {});
  // Latency in seconds; default buckets from 1 ms to 10 s.
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> label_names = {},
                                  std::vector<double> bounds = DefaultLatencyBounds());

  // Prometheus text format 0.0.4.
  std::string Render() const;

  static std::vector<double> DefaultLatencyBounds();

 private:
  mutable std::mutex mu_;
  std::deque<Family<Counter>> counters_;
  std::deque<Family<Gauge>> gauges_;
  std::deque<Family<Histogram>> histograms_;
};

// Escapes a label value for the text format.
std::string EscapeLabelValue(const std::string& value);

}  // namespace notify::metrics

#endif  // NOTIFY_SERVER_COMMON_METRICS_H_
