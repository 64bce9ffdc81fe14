// Webhook events on their way to WebhookService, sent together when they arrive together.
#ifndef NOTIFY_GATEWAY_WEBHOOK_BATCHER_H_
#define NOTIFY_GATEWAY_WEBHOOK_BATCHER_H_

#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "notifications/v1/webhook_service.grpc.pb.h"

namespace notify::gateway {

// While fewer than `max_in_flight` calls are under way, an event goes at once, in a ReceiveEvents
// call with every event queued before it; otherwise it waits for the next call. One gRPC call then
// carries many webhooks under load (and one database write on the server), and a lone webhook still
// goes at once. Each event is answered on its own, as ReceiveEvent would answer it. A server
// without ReceiveEvents (UNIMPLEMENTED; an older version) gets one ReceiveEvent per event from then
// on. Every webhook is answered within call_timeout of its arrival: a batch's deadline is its
// earliest, and one that waited past its own is answered DEADLINE_EXCEEDED without being sent.
// A batch holds at most max_batch events and max_batch_bytes (below the server's 4 MiB message
// limit, so that a few large webhooks cannot fail every other one sent with them); one event larger
// than that goes alone. At most max_queued events (and max_queued_bytes) wait; one more is answered
// UNAVAILABLE at once, which the gateway answers 503 with Retry-After.
// Thread-safe; callbacks run on gRPC's threads (or the caller's, for a webhook answered at once).
class WebhookBatcher : public std::enable_shared_from_this<WebhookBatcher> {
 public:
  struct Options {
    absl::Duration call_timeout = absl::Seconds(4);
    int max_in_flight = 2;
    size_t max_batch = 64;
    size_t max_batch_bytes = 3 << 20;
    size_t max_queued = 10000;
    size_t max_queued_bytes = 64 << 20;
  };
  using Done = std::function<void(const grpc::Status& status,
                                  const notifications::v1::ReceiveEventResponse& response)>;

  static std::shared_ptr<WebhookBatcher> Create(notifications::v1::WebhookService::Stub* stub,
                                                Options options);

  // `authorization` is the webhook's Authorization header (printable ASCII).
  void Submit(std::string authorization, std::string payload, Done done);

 private:
  struct Pending {
    std::string authorization;
    std::string payload;
    Done done;
    // Its answer is due by then (arrival + call_timeout), however long it waited for a call.
    absl::Time deadline;
    // What it adds to a ReceiveEvents message.
    size_t bytes() const { return authorization.size() + payload.size() + 16; }
  };

  WebhookBatcher(notifications::v1::WebhookService::Stub* stub, Options options)
      : stub_(stub), options_(options) {}

  // Sends the front of the queue if a call may start; called with mu_ held, releases it.
  void MaybeSend(std::unique_lock<std::mutex>& lock);
  void SendBatch(std::vector<Pending> batch);
  void SendOne(Pending pending);
  // A call ended: starts the next one if events wait.
  void CallEnded();

  notifications::v1::WebhookService::Stub* const stub_;
  const Options options_;
  std::mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<bool> batches_unsupported_{false};
};

}  // namespace notify::gateway

#endif  // NOTIFY_GATEWAY_WEBHOOK_BATCHER_H_
