// Waking idle worker threads: a wait that ends on a notification, after a timeout, or for good once
// stopped. Thread-safe.
#ifndef NOTIFY_SERVER_COMMON_WAKEUP_H_
#define NOTIFY_SERVER_COMMON_WAKEUP_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace notify {

class Wakeup {
 public:
  // Ends the wait of one waiter (NotifyOne) or of all; a notification that no one waits for ends
  // the next wait of each thread that did not see it yet.
  void NotifyOne() {
    Bump();
    cv_.notify_one();
  }
  void NotifyAll() {
    Bump();
    cv_.notify_all();
  }
  // Ends every wait, now and later, until Restart.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
      ++generation_;
    }
    cv_.notify_all();
  }
  void Restart() {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = false;
  }
  bool stopped() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_;
  }
  // Waits up to `timeout` for a notification newer than `seen` (the caller's own counter, 0 at
  // first), and updates `seen`. False once stopped.
  bool Wait(uint64_t& seen, absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(
        lock, absl::ToChronoNanoseconds(timeout),
        [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopped_ || generation_ != seen; });
    seen = generation_;
    return !stopped_;
  }

 private:
  void Bump() {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_WAKEUP_H_
