// The gateway's routes: HTTP requests in, gRPC calls to notification-server out.
#ifndef NOTIFY_GATEWAY_ROUTES_H_
#define NOTIFY_GATEWAY_ROUTES_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gateway/cors.h"
#include "gateway/rest/rest_api.h"
#include "gateway/webhook_batcher.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "notifications/v1/user_service.grpc.pb.h"
#include "notifications/v1/webhook_service.grpc.pb.h"
#include "server/common/http_server.h"
#include "server/common/metrics.h"

namespace notify::gateway {

// Routes requests. Holds no state but the channel: any number of gateways can run side by side.
// Thread-safe.
class Routes {
 public:
  struct Options {
    // Deadline of each gRPC call; keep it under the platform's 5 s webhook limit.
    absl::Duration call_timeout = absl::Seconds(4);
    // Deadline of the health check behind /readyz.
    absl::Duration ready_timeout = absl::Seconds(1);
    // Deadline of activate, deactivate and rotate, which call the platform many times; the platform
    // gives up after 10 s.
    absl::Duration lifecycle_timeout = absl::Seconds(9);
    // The path under which the platform's calls arrive, with leading and trailing slashes.
    std::string api_prefix = "/api/";
    // Webhook calls to the server under way at once; webhooks arriving meanwhile wait and go
    // together in the next call (see WebhookBatcher).
    int webhook_calls_in_flight = 2;
    // Webhooks that may wait for a call, and their bytes; more are answered 503.
    size_t webhook_queue = 10000;
    size_t webhook_queue_bytes = 64 << 20;
    // The base of absolute URLs in REST answers (list pages); empty: the request's own.
    std::string public_url;
    // The browser origins allowed to call the REST face (CORS); "*" allows any.
    std::vector<std::string> cors_origins;
  };

  // Request counts and latencies are added to `registry`, which GET /metrics serves.
  Routes(std::shared_ptr<grpc::Channel> channel, Options options, prometheus::Registry* registry);

  // Under {prefix}: the REST face (RestApi), every route the protos declare, among them the
  // platform's lifecycle calls (activate/, deactivate/, rotate/) and POST webhook/ (and
  // admin/webhook/): the platform's events, passed to WebhookService.ReceiveEvents with the
  // Authorization header; 200 stored (or a duplicate, or an unhandled event name), 400 malformed,
  // 401 wrong secret, 413 too large, 415 not JSON, 429 rate-limited, 503 (with Retry-After) when
  // the server or its database is down, never later than the call timeout. GET {prefix}schema/:
  // the REST face's OpenAPI document. OPTIONS: CORS preflights (see Cors). GET /metrics:
  // Prometheus text. GET /healthz: 200 while the process runs. GET /readyz: 200 when the server
  // answers its gRPC health check with SERVING, else 503. Unknown paths 404; a known path with
  // another method 405.
  void Handle(const HttpRequest& request, HttpResponder respond);

 private:
  void Ready(HttpResponder respond);
  void Webhook(const HttpRequest& request, HttpResponder respond);
  // Routes without measuring; `match` is the REST route of a path under the prefix.
  void Dispatch(const HttpRequest& request, absl::string_view path,
                const std::optional<RouteTable::Match>& match, HttpResponder respond);

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
  std::unique_ptr<notifications::v1::WebhookService::Stub> webhook_;
  prometheus::Registry* const registry_;
  metrics::Series<prometheus::Counter> requests_;
  metrics::Series<prometheus::Histogram> latency_;
  Options options_;
  std::shared_ptr<WebhookBatcher> webhooks_;
  RestApi rest_;
  Cors cors_;
  // The REST face's OpenAPI document, made once.
  std::string schema_;
};

}  // namespace notify::gateway

#endif  // NOTIFY_GATEWAY_ROUTES_H_
