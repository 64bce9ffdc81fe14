#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"
#include "server/api/grpc_status.h"
#include "server/api/services.h"
#include "server/common/status.h"

namespace notify::api {

grpc::Status WebhookServiceImpl::ReceiveEvent(grpc::ServerContext* context,
                                              const notifications::v1::ReceiveEventRequest* request,
                                              notifications::v1::ReceiveEventResponse* response) {
  absl::StatusOr<IngestResult> result =
      ingest_->Receive(AuthorizationOf(context), request->payload());
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->set_id(result->id);
  response->set_duplicate(result->duplicate);
  response->set_ignored(result->ignored);
  return grpc::Status::OK;
}

grpc::Status WebhookServiceImpl::ReceiveEvents(
    grpc::ServerContext*, const notifications::v1::ReceiveEventsRequest* request,
    notifications::v1::ReceiveEventsResponse* response) {
  constexpr int kMaxEvents = 500;
  if (request->events_size() > kMaxEvents) {
    return ToGrpcStatus(WithField(absl::InvalidArgumentError(absl::StrCat(
                                      "At most ", kMaxEvents, " events per call; this one has ",
                                      request->events_size(), ".")),
                                  "events"));
  }
  std::vector<Ingest::Delivered> events;
  events.reserve(request->events_size());
  for (const auto& event : request->events()) {
    events.push_back({event.authorization(), event.payload()});
  }
  std::vector<absl::StatusOr<IngestResult>> results = ingest_->ReceiveMany(events);
  for (const absl::StatusOr<IngestResult>& result : results) {
    auto* out = response->add_results();
    if (result.ok()) {
      out->mutable_stored()->set_id(result->id);
      out->mutable_stored()->set_duplicate(result->duplicate);
      out->mutable_stored()->set_ignored(result->ignored);
      continue;
    }
    // The same google.rpc.Status a failed ReceiveEvent carries in its details.
    const grpc::Status status = ToGrpcStatus(result.status());
    std::string error = status.error_details();
    if (error.empty()) {
      google::rpc::Status plain;
      plain.set_code(status.error_code());
      plain.set_message(status.error_message());
      error = plain.SerializeAsString();
    }
    out->set_error(std::move(error));
  }
  return grpc::Status::OK;
}

}  // namespace notify::api
