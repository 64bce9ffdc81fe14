#include "gateway/routes.h"

#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "gateway/http_status.h"
#include "grpcpp/client_context.h"
#include "server/common/log.h"

namespace notify::gateway {
namespace {

namespace http = boost::beast::http;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// The path of a request target, without its query.
absl::string_view PathOf(const HttpRequest& request) {
  absl::string_view target(request.target().data(), request.target().size());
  const size_t query = target.find('?');
  return query == absl::string_view::npos ? target : target.substr(0, query);
}

HttpResponse MethodNotAllowed(const char* allowed) {
  HttpResponse response = Failure(405, "Method not allowed.");
  response.headers.emplace_back("Allow", allowed);
  return response;
}

}  // namespace

Routes::Routes(std::shared_ptr<grpc::Channel> channel, Options options)
    : channel_(std::move(channel)),
      health_(grpc::health::v1::Health::NewStub(channel_)),
      options_(options) {}

void Routes::Handle(const HttpRequest& request, Responder respond) {
  const absl::string_view path = PathOf(request);
  const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
  if (path == "/healthz") {
    respond(get ? Success() : MethodNotAllowed("GET, HEAD"));
    return;
  }
  if (path == "/readyz") {
    if (!get) {
      respond(MethodNotAllowed("GET, HEAD"));
      return;
    }
    Ready(std::move(respond));
    return;
  }
  respond(Failure(404, "Not found."));
}

void Routes::Ready(Responder respond) {
  struct Call {
    grpc::ClientContext context;
    HealthCheckRequest request;
    HealthCheckResponse response;
  };
  auto call = std::make_shared<Call>();
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + options_.ready_timeout));
  health_->async()->Check(
      &call->context, &call->request, &call->response,
      [call, respond = std::move(respond)](grpc::Status status) {
        if (status.ok() && call->response.status() == HealthCheckResponse::SERVING) {
          respond(Success({{"server", "SERVING"}}));
          return;
        }
        const std::string detail =
            status.ok() ? HealthCheckResponse::ServingStatus_Name(call->response.status())
                        : status.error_message();
        log::Debug("not ready", {{"detail", detail}});
        HttpResponse response = Failure(503, "The notification server is not ready.");
        response.headers.emplace_back("Retry-After", "1");
        respond(std::move(response));
      });
}

}  // namespace notify::gateway
