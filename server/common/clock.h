// Time as a dependency, so that tests can move it: what code reads the time from, and pauses on
// between tries (SleepFor). Waits on a condition variable stay in real time, bounded by what
// they wait for.
#ifndef NOTIFY_SERVER_COMMON_CLOCK_H_
#define NOTIFY_SERVER_COMMON_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace notify {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // Waits `d` (a pause between tries). A test's clock may just move on.
  virtual void SleepFor(absl::Duration d) const = 0;
};

// The real wall clock.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  void SleepFor(absl::Duration d) const override { absl::SleepFor(d); }
  static RealClock* Get() {
    static RealClock* const clock = new RealClock();
    return clock;
  }
};

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_CLOCK_H_
