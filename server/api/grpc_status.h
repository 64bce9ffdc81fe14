// The one mapping from absl::Status to grpc::Status.
#ifndef NOTIFY_SERVER_API_GRPC_STATUS_H_
#define NOTIFY_SERVER_API_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace notify::api {

// Same code and message. A reason attached with WithReason() travels as a google.rpc.ErrorInfo
// (domain notifications.v1, with the field of WithField() as metadata "field") and a delay attached
// with WithRetryAfter() as a google.rpc.RetryInfo, inside a google.rpc.Status in the error details,
// which every gRPC client can decode. UNIMPLEMENTED without a reason gets NOT_IMPLEMENTED.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace notify::api

#endif  // NOTIFY_SERVER_API_GRPC_STATUS_H_
