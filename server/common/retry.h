// Trying again while a dependency is unavailable (the database restarting, say), with pauses that
// double: one loop for every caller that must outlast a short outage.
#ifndef NOTIFY_SERVER_COMMON_RETRY_H_
#define NOTIFY_SERVER_COMMON_RETRY_H_

#include <algorithm>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace notify {

struct Backoff {
  absl::Duration first = absl::Milliseconds(100);
  absl::Duration longest = absl::Seconds(2);
};

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

// Calls `attempt` (returning absl::Status or absl::StatusOr) until its result is not Unavailable,
// pausing between tries as `backoff` says. Before each pause it calls
// `wait(failure, attempts_so_far, pause)`, which sleeps (for the pause, or until it is told to
// stop) and returns false to give up. Returns the last result.
template <typename Attempt, typename Wait>
auto RetryWhileUnavailable(Attempt&& attempt, Wait&& wait, Backoff backoff = {})
    -> decltype(attempt()) {
  absl::Duration pause = backoff.first;
  for (int attempts = 1;; ++attempts) {
    auto result = attempt();
    if (!absl::IsUnavailable(StatusOf(result)) || !wait(StatusOf(result), attempts, pause)) {
      return result;
    }
    pause = std::min(pause * 2, backoff.longest);
  }
}

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_RETRY_H_
