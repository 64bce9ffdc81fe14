#include "gateway/routes.h"

#include <string>
#include <type_traits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gateway/http_status.h"
#include "gateway/rest/openapi.h"
#include "grpcpp/client_context.h"
#include "server/common/log.h"

namespace notify::gateway {
namespace {

namespace http = boost::beast::http;
namespace v1 = notifications::v1;
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

// Starts one unary gRPC call with the callback API; `done` runs on a gRPC thread with the status
// and the response. `start(context, request, response, callback)` names the method.
template <typename Request, typename Response, typename Start, typename Done>
void Unary(absl::Duration timeout, Request request, Start start, Done done) {
  struct Call {
    grpc::ClientContext context;
    Request request;
    Response response;
  };
  auto call = std::make_shared<Call>();
  call->request = std::move(request);
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  start(&call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status status) mutable {
          done(status, call->response);
        });
}

absl::string_view HeaderOf(const HttpRequest& request, http::field field) {
  auto value = request[field];
  return {value.data(), value.size()};
}

}  // namespace

Routes::Routes(std::shared_ptr<grpc::Channel> channel, Options options,
               prometheus::Registry* registry)
    : channel_(std::move(channel)),
      health_(grpc::health::v1::Health::NewStub(channel_)),
      webhook_(v1::WebhookService::NewStub(channel_)),
      registry_(registry),
      requests_(metrics::Counters(*registry, "notify_gateway_requests_total",
                                  "HTTP requests answered, by route and status.",
                                  {"route", "status"})),
      latency_(metrics::Latencies(*registry, "notify_gateway_request_seconds",
                                  "Time from a request's arrival to its answer, by route.",
                                  {"route"})),
      options_(std::move(options)),
      webhooks_(WebhookBatcher::Create(webhook_.get(),
                                       {.call_timeout = options_.call_timeout,
                                        .max_in_flight = options_.webhook_calls_in_flight,
                                        .max_queued = options_.webhook_queue,
                                        .max_queued_bytes = options_.webhook_queue_bytes})),
      rest_(channel_, ApiServices(),
            {.call_timeout = options_.call_timeout,
             .slow_call_timeout = options_.lifecycle_timeout,
             .slow_methods = {"notifications.v1.AdminService.Activate",
                              "notifications.v1.AdminService.Deactivate",
                              "notifications.v1.AdminService.Rotate"},
             .public_url = options_.public_url}),
      cors_(options_.cors_origins),
      schema_(OpenApiDocument(rest_, options_.api_prefix)) {
  rest_.SetOverride("notifications.v1.WebhookService.ReceiveEvent",
                    [this](const HttpRequest& request, HttpResponder respond) {
                      Webhook(request, std::move(respond));
                    });
}

void Routes::Handle(const HttpRequest& request, HttpResponder respond) {
  const absl::string_view path = PathOf(request);
  absl::string_view route = path;
  std::string label = "other";
  std::optional<RouteTable::Match> match;
  if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
    label = std::string(path.substr(1));
  } else if (absl::ConsumePrefix(&route, options_.api_prefix)) {
    match = rest_.Match({request.method_string().data(), request.method_string().size()}, route);
    // The route's template, so that the label's values are few whatever the ids; without the
    // trailing slash: "webhook", "admin/notifications/{id}".
    if (match.has_value()) {
      label = std::string(absl::StripSuffix(match->binding->path, "/"));
    } else if (route == "schema/" || route == "schema") {
      label = "schema";
    }
  }
  const absl::Time start = absl::Now();
  std::string origin(HeaderOf(request, http::field::origin));
  Dispatch(request, path, match,
           [this, label, start, origin = std::move(origin),
            respond = std::move(respond)](HttpResponse response) {
             requests_.With({label, std::to_string(response.status)}).Increment();
             metrics::Observe(latency_.With({label}), absl::Now() - start);
             cors_.Decorate(origin, &response);
             respond(std::move(response));
           });
}

void Routes::Dispatch(const HttpRequest& request, absl::string_view path,
                      const std::optional<RouteTable::Match>& match, HttpResponder respond) {
  const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
  if (path == "/healthz") {
    respond(get ? Success() : MethodNotAllowed("GET, HEAD"));
    return;
  }
  if (path == "/metrics") {
    if (!get) {
      respond(MethodNotAllowed("GET, HEAD"));
      return;
    }
    respond(MetricsPage(*registry_));
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
  absl::string_view route = path;
  if (!absl::ConsumePrefix(&route, options_.api_prefix)) {
    respond(Failure(404, "Not found."));
    return;
  }
  if (route == "schema/" || route == "schema") {
    if (!get) {
      respond(MethodNotAllowed("GET, HEAD"));
      return;
    }
    HttpResponse response;
    response.body = schema_;
    respond(std::move(response));
    return;
  }
  if (request.method() == http::verb::options) {
    const std::vector<std::string> verbs = rest_.VerbsFor(route);
    if (verbs.empty()) {
      respond(Failure(404, "Not found."));
      return;
    }
    const absl::string_view asked = HeaderOf(request, http::field::access_control_request_method);
    if (!asked.empty()) {
      respond(cors_.Preflight(HeaderOf(request, http::field::origin), asked, verbs));
      return;
    }
    HttpResponse response;
    response.status = 204;
    response.content_type.clear();
    response.headers.emplace_back("Allow", absl::StrJoin(verbs, ", ") + ", OPTIONS");
    respond(std::move(response));
    return;
  }
  rest_.Handle(request, route, match, std::move(respond));
}

void Routes::Ready(HttpResponder respond) {
  HealthCheckRequest request;
  Unary<HealthCheckRequest, HealthCheckResponse>(
      options_.ready_timeout, std::move(request),
      [this](auto* context, auto* req, auto* resp, auto callback) {
        health_->async()->Check(context, req, resp, std::move(callback));
      },
      [respond = std::move(respond)](const grpc::Status& status,
                                     const HealthCheckResponse& response) {
        if (status.ok() && response.status() == HealthCheckResponse::SERVING) {
          respond(Success({{"server", "SERVING"}}));
          return;
        }
        log::Debug(
            "not ready",
            {{"detail", status.ok() ? HealthCheckResponse::ServingStatus_Name(response.status())
                                    : status.error_message()}});
        HttpResponse failure = Failure(503, "The notification server is not ready.");
        failure.headers.emplace_back("Retry-After", "1");
        respond(std::move(failure));
      });
}

void Routes::Webhook(const HttpRequest& http_request, HttpResponder respond) {
  // Only JSON is taken: the content type's media type, parameters (charset) aside.
  absl::string_view content_type(http_request[http::field::content_type].data(),
                                 http_request[http::field::content_type].size());
  content_type = absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';')));
  if (!absl::EqualsIgnoreCase(content_type, "application/json")) {
    respond(Failure(415, "The body must be JSON (Content-Type: application/json)."));
    return;
  }
  const auto authorization = http_request[http::field::authorization];
  const std::string secret(authorization.data(), authorization.size());
  // gRPC metadata values must be printable ASCII; anything else is no secret of ours, and handing
  // it to gRPC would abort the process.
  for (unsigned char c : secret) {
    if (c < 0x20 || c > 0x7e) {
      respond(
          Failure(401, "The webhook secret is missing or wrong, or the company is not active."));
      return;
    }
  }
  webhooks_->Submit(secret, http_request.body(),
                    [respond = std::move(respond)](const grpc::Status& status,
                                                   const v1::ReceiveEventResponse& response) {
                      if (status.ok()) {
                        respond(Success({{"id", response.id()},
                                         {"duplicate", response.duplicate()},
                                         {"ignored", response.ignored()}}));
                        return;
                      }
                      // The platform retries what is not 2xx; a server too slow to answer is "try
                      // again" too.
                      if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
                          status.error_code() == grpc::StatusCode::CANCELLED) {
                        HttpResponse unavailable = Failure(
                            503, "The notification service did not answer in time; try again.");
                        unavailable.headers.emplace_back("Retry-After", "1");
                        respond(std::move(unavailable));
                        return;
                      }
                      respond(FromGrpcError(status));
                    });
}

}  // namespace notify::gateway
