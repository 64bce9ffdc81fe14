#include "gateway/webhook_batcher.h"

#include <algorithm>
#include <utility>

#include "google/rpc/status.pb.h"
#include "grpcpp/client_context.h"

namespace notify::gateway {

namespace v1 = notifications::v1;

std::shared_ptr<WebhookBatcher> WebhookBatcher::Create(v1::WebhookService::Stub* stub,
                                                       Options options) {
  if (options.max_in_flight < 1) options.max_in_flight = 1;
  if (options.max_batch < 1) options.max_batch = 1;
  if (options.max_queued < 1) options.max_queued = 1;
  return std::shared_ptr<WebhookBatcher>(new WebhookBatcher(stub, options));
}

void WebhookBatcher::Submit(std::string authorization, std::string payload, Done done) {
  const absl::Time deadline = absl::Now() + options_.call_timeout;
  if (batches_unsupported_.load(std::memory_order_relaxed)) {
    SendOne({std::move(authorization), std::move(payload), std::move(done), deadline});
    return;
  }
  Pending pending{std::move(authorization), std::move(payload), std::move(done), deadline};
  std::unique_lock<std::mutex> lock(mu_);
  if (queue_.size() >= options_.max_queued ||
      queued_bytes_ + pending.bytes() > options_.max_queued_bytes) {
    lock.unlock();
    pending.done(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "Too many webhooks are waiting for the notification service; try "
                              "again shortly."),
                 v1::ReceiveEventResponse());
    return;
  }
  queued_bytes_ += pending.bytes();
  queue_.push_back(std::move(pending));
  MaybeSend(lock);
}

void WebhookBatcher::MaybeSend(std::unique_lock<std::mutex>& lock) {
  if (queue_.empty() || in_flight_ >= options_.max_in_flight) {
    lock.unlock();
    return;
  }
  std::vector<Pending> batch, late;
  const absl::Time now = absl::Now();
  size_t batch_bytes = 0;
  while (!queue_.empty() && batch.size() < options_.max_batch) {
    Pending& front = queue_.front();
    const size_t bytes = front.bytes();
    const bool is_late = front.deadline <= now;
    if (!is_late && !batch.empty() && batch_bytes + bytes > options_.max_batch_bytes) break;
    if (!is_late) batch_bytes += bytes;
    queued_bytes_ -= bytes;
    (is_late ? late : batch).push_back(std::move(front));
    queue_.pop_front();
  }
  if (!batch.empty()) ++in_flight_;
  lock.unlock();
  const v1::ReceiveEventResponse none;
  for (Pending& p : late) {
    p.done(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        "The webhook waited too long for the notification service."),
           none);
  }
  if (!batch.empty()) SendBatch(std::move(batch));
}

void WebhookBatcher::CallEnded() {
  std::unique_lock<std::mutex> lock(mu_);
  --in_flight_;
  MaybeSend(lock);
}

void WebhookBatcher::SendBatch(std::vector<Pending> batch) {
  struct Call {
    grpc::ClientContext context;
    v1::ReceiveEventsRequest request;
    v1::ReceiveEventsResponse response;
    std::vector<Pending> batch;
  };
  auto call = std::make_shared<Call>();
  call->batch = std::move(batch);
  for (Pending& p : call->batch) {
    v1::ReceiveEventsRequest::Event* event = call->request.add_events();
    event->set_authorization(p.authorization);
    event->set_payload(std::move(p.payload));
  }
  absl::Time deadline = absl::InfiniteFuture();
  for (const Pending& p : call->batch) deadline = std::min(deadline, p.deadline);
  call->context.set_deadline(absl::ToChronoTime(deadline));
  stub_->async()->ReceiveEvents(
      &call->context, &call->request, &call->response,
      [self = shared_from_this(), call](grpc::Status status) {
        if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
          // An older server: each event on its own, now and from now on.
          self->batches_unsupported_.store(true, std::memory_order_relaxed);
          for (int i = 0; i < call->request.events_size(); ++i) {
            Pending& p = call->batch[static_cast<size_t>(i)];
            p.payload = std::move(*call->request.mutable_events(i)->mutable_payload());
            self->SendOne(std::move(p));
          }
          self->CallEnded();
          return;
        }
        const v1::ReceiveEventResponse none;
        const bool answered =
            status.ok() && call->response.results_size() == static_cast<int>(call->batch.size());
        if (status.ok() && !answered) {
          status = grpc::Status(grpc::StatusCode::INTERNAL,
                                "The notification service answered a batch of webhooks wrongly.");
        }
        for (size_t i = 0; i < call->batch.size(); ++i) {
          const Done& done = call->batch[i].done;
          if (!answered) {
            done(status, none);
            continue;
          }
          const v1::ReceiveEventsResponse::Result& result =
              call->response.results(static_cast<int>(i));
          if (result.has_stored()) {
            done(grpc::Status::OK, result.stored());
            continue;
          }
          // The event's own error, with the details a failed ReceiveEvent would carry.
          google::rpc::Status error;
          if (!error.ParseFromString(result.error()) || error.code() == 0) {
            done(grpc::Status(grpc::StatusCode::INTERNAL,
                              "The notification service answered a webhook wrongly."),
                 none);
            continue;
          }
          done(grpc::Status(static_cast<grpc::StatusCode>(error.code()), error.message(),
                            result.error()),
               none);
        }
        self->CallEnded();
      });
}

void WebhookBatcher::SendOne(Pending pending) {
  struct Call {
    grpc::ClientContext context;
    v1::ReceiveEventRequest request;
    v1::ReceiveEventResponse response;
    Done done;
  };
  auto call = std::make_shared<Call>();
  call->request.set_payload(std::move(pending.payload));
  call->done = std::move(pending.done);
  if (!pending.authorization.empty()) {
    call->context.AddMetadata("authorization", pending.authorization);
  }
  call->context.set_deadline(absl::ToChronoTime(pending.deadline));
  stub_->async()->ReceiveEvent(&call->context, &call->request, &call->response,
                               [call](grpc::Status status) { call->done(status, call->response); });
}

}  // namespace notify::gateway
