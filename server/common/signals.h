// Graceful termination: SIGINT and SIGTERM are blocked in every thread and received synchronously.
#ifndef NOTIFY_SERVER_COMMON_SIGNALS_H_
#define NOTIFY_SERVER_COMMON_SIGNALS_H_

#include <optional>

#include "absl/time/time.h"

namespace notify {

// Blocks SIGINT and SIGTERM in the calling thread and in every thread it starts afterwards. Call it
// first thing in main, before any thread exists. Also ignores SIGPIPE, so that a closed socket is
// an error value rather than death.
void BlockTerminationSignals();

// Waits up to `timeout` for SIGINT or SIGTERM; returns the signal, or nullopt when the time ran
// out. Doubles as an interruptible sleep.
std::optional<int> WaitForTerminationSignal(absl::Duration timeout);

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_SIGNALS_H_
