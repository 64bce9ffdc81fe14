#include "server/api/grpc_status.h"
#include "server/api/services.h"

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

}  // namespace notify::api
