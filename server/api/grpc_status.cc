#include "server/api/grpc_status.h"

#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "server/common/status.h"

namespace notify::api {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const std::string message(status.message());
  std::string reason = ReasonOf(status);
  if (reason.empty() && absl::IsUnimplemented(status)) reason = "NOT_IMPLEMENTED";
  const std::optional<absl::Duration> retry_after = RetryAfterOf(status);
  if (reason.empty() && !retry_after.has_value()) return grpc::Status(code, message);

  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  if (!reason.empty()) {
    google::rpc::ErrorInfo info;
    info.set_reason(reason);
    info.set_domain(std::string(kErrorDomain));
    if (const std::string field = FieldOf(status); !field.empty()) {
      (*info.mutable_metadata())["field"] = field;
    }
    details.add_details()->PackFrom(info);
  }
  if (retry_after.has_value()) {
    google::rpc::RetryInfo retry;
    retry.mutable_retry_delay()->set_seconds(absl::ToInt64Seconds(*retry_after));
    details.add_details()->PackFrom(retry);
  }
  return grpc::Status(code, message, details.SerializeAsString());
}

}  // namespace notify::api
