// Latency samples and the clock the load clients share.
#ifndef NOTIFY_TOOLS_BENCHMARKS_STATS_H_
#define NOTIFY_TOOLS_BENCHMARKS_STATS_H_

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace notify::bench {

// Nanoseconds on the monotonic clock.
inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Every latency of a run, in nanoseconds; runs are short enough to keep them all.
class Latencies {
 public:
  void Add(int64_t ns) {
    samples_.push_back(ns);
    sorted_ = false;
  }

  void Merge(const Latencies& other) {
    samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
    sorted_ = false;
  }

  size_t count() const { return samples_.size(); }

  // The nearest-rank percentile (`p` from 0 to 100) in milliseconds; 0 without samples.
  double PercentileMs(double p) {
    if (samples_.empty()) return 0;
    if (!sorted_) {
      std::sort(samples_.begin(), samples_.end());
      sorted_ = true;
    }
    const double rank = std::ceil(p / 100.0 * static_cast<double>(samples_.size()));
    const size_t index = std::clamp<size_t>(static_cast<size_t>(rank), 1, samples_.size()) - 1;
    return static_cast<double>(samples_[index]) / 1e6;
  }

 private:
  std::vector<int64_t> samples_;
  bool sorted_ = true;
};

}  // namespace notify::bench

#endif  // NOTIFY_TOOLS_BENCHMARKS_STATS_H_
