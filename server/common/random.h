// Randomness as a dependency (jitter in retry delays), so that tests can fix it.
#ifndef NOTIFY_SERVER_COMMON_RANDOM_H_
#define NOTIFY_SERVER_COMMON_RANDOM_H_

#include <cstdint>
#include <limits>
#include <mutex>
#include <random>

#include "absl/base/thread_annotations.h"

namespace notify {

// A uniform random bit generator several threads share (absl::BitGenRef takes it). Seeded from the
// system by default, or with `seed` for a test that wants the same numbers each run.
class SharedRandom {
 public:
  using result_type = uint64_t;
  SharedRandom() : engine_(std::random_device{}()) {}
  explicit SharedRandom(uint64_t seed) : engine_(seed) {}
  SharedRandom(const SharedRandom&) = delete;
  SharedRandom& operator=(const SharedRandom&) = delete;

  static constexpr result_type min() { return std::numeric_limits<result_type>::min(); }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() {
    std::lock_guard<std::mutex> lock(mu_);
    return engine_();
  }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_ ABSL_GUARDED_BY(mu_);
};

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_RANDOM_H_
