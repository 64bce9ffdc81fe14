#include "gateway/http_status.h"

#include <algorithm>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace notify::gateway {

unsigned HttpStatusFromGrpc(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

HttpResponse Success(const nlohmann::json& data, unsigned status) {
  nlohmann::ordered_json body;
  body["status"] = "success";
  if (!data.is_null()) body["data"] = data;
  HttpResponse response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

HttpResponse Failure(unsigned status, const std::string& message, const nlohmann::json& data) {
  nlohmann::ordered_json body;
  body["status"] = "error";
  body["message"] = message;
  if (!data.is_null()) body["data"] = data;
  HttpResponse response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

HttpResponse FromGrpcError(const grpc::Status& status, const RestPathFn& rest_path) {
  const unsigned http_status = HttpStatusFromGrpc(status.error_code());
  std::string message = status.error_message();
  if (message.empty()) {
    message = http_status == 503 ? "The notification service is unavailable; try again."
                                 : "The request failed.";
  }
  // The server's details: the field at fault (ErrorInfo metadata) and how long to wait (RetryInfo).
  std::string field;
  int64_t retry_after = 1;
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : details.details()) {
      google::rpc::ErrorInfo info;
      google::rpc::RetryInfo retry;
      if (any.UnpackTo(&info)) {
        auto it = info.metadata().find("field");
        if (it != info.metadata().end()) field = it->second;
      } else if (any.UnpackTo(&retry)) {
        retry_after = std::max<int64_t>(1, retry.retry_delay().seconds());
      }
    }
  }
  nlohmann::json data = nullptr;
  if (!field.empty()) {
    // The field's own error without the "field: " the server's message starts with.
    std::string own = message;
    if (own.rfind(field + ": ", 0) == 0) own = own.substr(field.size() + 2);
    std::vector<std::string> keys = {field};
    if (rest_path) {
      std::vector<std::string> rest = rest_path(field);
      if (!rest.empty()) keys = std::move(rest);
    }
    data = nlohmann::json::array({own});
    for (auto key = keys.rbegin(); key != keys.rend(); ++key) data = {{*key, data}};
  }
  HttpResponse response = Failure(http_status, message, data);
  if (http_status == 503 || http_status == 429) {
    response.headers.emplace_back("Retry-After", std::to_string(retry_after));
  }
  return response;
}

}  // namespace notify::gateway
