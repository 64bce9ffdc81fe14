// The gateway's answers in the platform's JSON envelope, and gRPC status codes as HTTP statuses.
#ifndef NOTIFY_GATEWAY_HTTP_STATUS_H_
#define NOTIFY_GATEWAY_HTTP_STATUS_H_

#include <functional>
#include <string>
#include <vector>

#include "grpcpp/support/status.h"
#include "nlohmann/json.hpp"
#include "server/common/http_server.h"

namespace notify::gateway {

// The HTTP status for a gRPC status code: INVALID_ARGUMENT, FAILED_PRECONDITION and OUT_OF_RANGE
// 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS and ABORTED 409,
// RESOURCE_EXHAUSTED 429, CANCELLED 499, UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504,
// OK 200, anything else 500.
unsigned HttpStatusFromGrpc(grpc::StatusCode code);

// {"status": "success"} with `data` when it is not null.
HttpResponse Success(const nlohmann::json& data = nullptr, unsigned status = 200);

// {"status": "error", "message": message} with `data` (field → list of errors) when it is not null.
HttpResponse Failure(unsigned status, const std::string& message,
                     const nlohmann::json& data = nullptr);

// The keys that lead to a request field on the REST face, from the field's dotted proto path (empty
// when it has none there).
using RestPathFn = std::function<std::vector<std::string>(const std::string& proto_path)>;

// The answer for a failed gRPC call: its HTTP status and message, and under `data` the error of the
// field the server named (by its proto path, or by its REST keys when `rest_path` is given, nested
// as {"credentials": {"twilio_token": ["..."]}}). UNAVAILABLE and RESOURCE_EXHAUSTED carry
// Retry-After, so the platform retries.
HttpResponse FromGrpcError(const grpc::Status& status, const RestPathFn& rest_path = nullptr);

}  // namespace notify::gateway

#endif  // NOTIFY_GATEWAY_HTTP_STATUS_H_
