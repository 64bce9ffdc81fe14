// Process-wide settings that the server, the gateway and the benchmark's baseline servers share,
// so that ours and a baseline run the same libraries the same way.
#ifndef NOTIFY_SERVER_COMMON_RUNTIME_H_
#define NOTIFY_SERVER_COMMON_RUNTIME_H_

#include "grpcpp/resource_quota.h"
#include "grpcpp/server_builder.h"

#include "absl/synchronization/mutex.h"

namespace notify {

// Call first in main. Debian builds Abseil without NDEBUG, which leaves absl::Mutex's deadlock
// detection on: every lock and unlock in gRPC then updates a global lock graph. It checks Abseil's
// own invariants, not ours, and costs a few percent of every call.
inline void TuneProcess() { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); }

// A synchronous gRPC server with at most `max_threads` threads that keeps its idle threads. By
// default gRPC keeps two idle threads and ends the rest, so that handlers which wait (on the
// database) make it start and end a thread for nearly every call.
inline void ConfigureSyncServer(grpc::ServerBuilder& builder, grpc::ResourceQuota& quota,
                                int max_threads) {
  quota.SetMaxThreads(max_threads);
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, max_threads);
}

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_RUNTIME_H_
