// A clock for tests: it moves only when told to, or by as much as code sleeps on it.
#ifndef NOTIFY_TESTS_FAKES_FAKE_CLOCK_H_
#define NOTIFY_TESTS_FAKES_FAKE_CLOCK_H_

#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "server/common/clock.h"

namespace notify {

// Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1800000000)) : now_(start) {}
  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  // Returns at once, the time moved on by `d`: a retry loop runs through in no real time.
  void SleepFor(absl::Duration d) const override {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
    slept_ += d;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }
  // How long code slept on this clock in all.
  absl::Duration slept() const {
    std::lock_guard<std::mutex> lock(mu_);
    return slept_;
  }

 private:
  mutable std::mutex mu_;
  mutable absl::Time now_ ABSL_GUARDED_BY(mu_);
  mutable absl::Duration slept_ ABSL_GUARDED_BY(mu_);
};

}  // namespace notify

#endif  // NOTIFY_TESTS_FAKES_FAKE_CLOCK_H_
