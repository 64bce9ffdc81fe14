#include "gateway/routes.h"

#include <string>
#include <type_traits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gateway/http_status.h"
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

// The platform's lifecycle bodies: a JSON object with a string "token". On failure, `error` is the
// answer to send.
struct LifecycleBody {
  std::string token;
  bool purge = false;
};
std::optional<LifecycleBody> ParseLifecycleBody(const HttpRequest& request, HttpResponse* error) {
  nlohmann::json body = nlohmann::json::parse(request.body(), nullptr, false);
  if (!body.is_object()) {
    *error = Failure(400, "The body must be a JSON object.");
    return std::nullopt;
  }
  LifecycleBody parsed;
  auto token = body.find("token");
  if (token == body.end() || token->is_null() || (token->is_string() && token->empty())) {
    *error = Failure(400, "This field is required.", {{"token", {"This field is required."}}});
    return std::nullopt;
  }
  if (!token->is_string()) {
    *error = Failure(400, "Not a valid string.", {{"token", {"Not a valid string."}}});
    return std::nullopt;
  }
  parsed.token = token->get<std::string>();
  if (auto purge = body.find("purge"); purge != body.end() && !purge->is_null()) {
    if (!purge->is_boolean()) {
      *error = Failure(400, "Must be a valid boolean.", {{"purge", {"Must be a valid boolean."}}});
      return std::nullopt;
    }
    parsed.purge = purge->get<bool>();
  }
  return parsed;
}

int64_t Millis(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000 + t.nanos() / 1000000;
}

// The company in the platform's JSON conventions (times as milliseconds; absent times as null).
nlohmann::json CompanyJson(const v1::Company& c) {
  auto time = [](bool present, const google::protobuf::Timestamp& t) -> nlohmann::json {
    return present ? nlohmann::json(Millis(t)) : nlohmann::json(nullptr);
  };
  return {
      {"id", c.id()},
      {"name", c.name()},
      {"mode", c.mode()},
      {"active", c.active()},
      {"system_email", c.system_email()},
      {"support_email", c.support_email()},
      {"logo_url", c.logo_url()},
      {"push_enabled", c.push_enabled()},
      {"email_daily_quota", c.email_daily_quota()},
      {"sms_daily_quota", c.sms_daily_quota()},
      {"push_daily_quota", c.push_daily_quota()},
      {"activated", time(c.has_activated(), c.activated())},
      {"deactivated", time(c.has_deactivated(), c.deactivated())},
      {"created", time(c.has_created(), c.created())},
      {"updated", time(c.has_updated(), c.updated())},
  };
}

}  // namespace

Routes::Routes(std::shared_ptr<grpc::Channel> channel, Options options, metrics::Registry* registry)
    : channel_(std::move(channel)),
      health_(grpc::health::v1::Health::NewStub(channel_)),
      admin_(v1::AdminService::NewStub(channel_)),
      webhook_(v1::WebhookService::NewStub(channel_)),
      registry_(registry),
      requests_(registry->AddCounter("notify_gateway_requests_total",
                                     "HTTP requests answered, by route and status.",
                                     {"route", "status"})),
      latency_(registry->AddHistogram("notify_gateway_request_seconds",
                                      "Time from a request's arrival to its answer, by route.",
                                      {"route"})),
      options_(std::move(options)),
      webhooks_(WebhookBatcher::Create(webhook_.get(),
                                       {.call_timeout = options_.call_timeout,
                                        .max_in_flight = options_.webhook_calls_in_flight})) {}

void Routes::Handle(const HttpRequest& request, Responder respond) {
  const absl::string_view path = PathOf(request);
  absl::string_view route = path;
  std::string label = "other";
  if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
    label = std::string(path.substr(1));
  } else if (absl::ConsumePrefix(&route, options_.api_prefix) &&
             (route == "activate/" || route == "deactivate/" || route == "rotate/" ||
              route == "webhook/")) {
    label = std::string(route.substr(0, route.size() - 1));
  }
  const absl::Time start = absl::Now();
  Dispatch(request, path,
           [this, label, start, respond = std::move(respond)](HttpResponse response) {
             requests_.With({label, std::to_string(response.status)}).Increment();
             latency_.With({label}).Observe(absl::Now() - start);
             respond(std::move(response));
           });
}

void Routes::Dispatch(const HttpRequest& request, absl::string_view path, Responder respond) {
  const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
  const bool post = request.method() == http::verb::post;
  if (path == "/healthz") {
    respond(get ? Success() : MethodNotAllowed("GET, HEAD"));
    return;
  }
  if (path == "/metrics") {
    if (!get) {
      respond(MethodNotAllowed("GET, HEAD"));
      return;
    }
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4";
    response.body = registry_->Render();
    respond(std::move(response));
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
  if (absl::ConsumePrefix(&route, options_.api_prefix)) {
    using Method = void (Routes::*)(const HttpRequest&, Responder);
    Method method = nullptr;
    if (route == "activate/") method = &Routes::Activate;
    if (route == "deactivate/") method = &Routes::Deactivate;
    if (route == "rotate/") method = &Routes::Rotate;
    if (route == "webhook/") method = &Routes::Webhook;
    if (method != nullptr) {
      if (!post) {
        respond(MethodNotAllowed("POST"));
        return;
      }
      (this->*method)(request, std::move(respond));
      return;
    }
  }
  respond(Failure(404, "Not found."));
}

void Routes::Ready(Responder respond) {
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

template <typename Request, typename Response, typename Start, typename Answer>
void Routes::Lifecycle(const HttpRequest& http_request, Responder respond, Start start,
                       Answer answer) {
  HttpResponse error;
  std::optional<LifecycleBody> body = ParseLifecycleBody(http_request, &error);
  if (!body.has_value()) {
    respond(std::move(error));
    return;
  }
  Request request;
  request.set_token(body->token);
  if constexpr (std::is_same_v<Request, v1::DeactivateRequest>) request.set_purge(body->purge);
  Unary<Request, Response>(
      options_.lifecycle_timeout, std::move(request), start,
      [respond = std::move(respond), answer](const grpc::Status& status, const Response& response) {
        respond(status.ok() ? answer(response) : FromGrpcError(status));
      });
}

void Routes::Activate(const HttpRequest& request, Responder respond) {
  Lifecycle<v1::ActivateRequest, v1::ActivateResponse>(
      request, std::move(respond),
      [this](auto* context, auto* req, auto* resp, auto callback) {
        admin_->async()->Activate(context, req, resp, std::move(callback));
      },
      [](const v1::ActivateResponse& response) {
        return Success(CompanyJson(response.company()));
      });
}

void Routes::Deactivate(const HttpRequest& request, Responder respond) {
  Lifecycle<v1::DeactivateRequest, v1::DeactivateResponse>(
      request, std::move(respond),
      [this](auto* context, auto* req, auto* resp, auto callback) {
        admin_->async()->Deactivate(context, req, resp, std::move(callback));
      },
      [](const v1::DeactivateResponse&) { return Success(); });
}

void Routes::Rotate(const HttpRequest& request, Responder respond) {
  Lifecycle<v1::RotateRequest, v1::RotateResponse>(
      request, std::move(respond),
      [this](auto* context, auto* req, auto* resp, auto callback) {
        admin_->async()->Rotate(context, req, resp, std::move(callback));
      },
      [](const v1::RotateResponse&) { return Success(); });
}

void Routes::Webhook(const HttpRequest& http_request, Responder respond) {
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
