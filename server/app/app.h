// The one place where the server's parts are built and connected.
#ifndef NOTIFY_SERVER_APP_APP_H_
#define NOTIFY_SERVER_APP_APP_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "server/api/page_token.h"
#include "server/api/services.h"
#include "server/app/config.h"
#include "server/auth/authorizer.h"
#include "server/auth/platform_client.h"
#include "server/auth/token_cache.h"
#include "server/common/crypto.h"
#include "server/common/http_server.h"
#include "server/common/metrics.h"
#include "server/core/event_planner.h"
#include "server/core/ingest.h"
#include "server/core/lifecycle.h"
#include "server/core/rate_limiter.h"
#include "server/core/template/template.h"
#include "server/delivery/channels.h"
#include "server/delivery/engine.h"
#include "server/store/pg/pg_company_store.h"
#include "server/store/pg/pg_credential_store.h"
#include "server/store/pg/pg_delivery_store.h"
#include "server/store/pg/pg_event_store.h"
#include "server/store/pg/pg_inbox_store.h"
#include "server/store/pg/pg_layout_store.h"
#include "server/store/pg/pg_notification_store.h"
#include "server/store/pg/pool.h"

namespace notify {

// Sleeps for the given time; returns false when interrupted (the process is asked to stop).
using InterruptibleSleep = std::function<bool(absl::Duration)>;

// Applies the embedded migrations through `pool`. While the database cannot be reached, retries
// with exponential backoff (0.5 s doubling up to `max_delay`), logging each failure; an interrupted
// sleep ends it with Cancelled. Other errors (an edited migration, a failing one) are returned at
// once.
absl::Status MigrateWithRetry(pg::PgPool& pool, absl::Duration max_delay,
                              const InterruptibleSleep& sleep);

// The running server: the database pool, the services and the gRPC server that serves them with
// health checking and reflection.
class App {
 public:
  // `config` must have passed ServerConfigFromSettings. `platform` replaces the HTTP platform
  // client when given (tests).
  explicit App(ServerConfig config, std::unique_ptr<PlatformClient> platform = nullptr);
  ~App();

  pg::PgPool& pool() { return *pool_; }
  pg::PgPool& queue_pool() { return *queue_pool_; }

  // Starts serving on config.listen. InvalidArgument if the address cannot be bound.
  absl::Status Start();

  // The bound address, HOST:PORT, with the port the OS chose when config.listen asked for port 0.
  const std::string& address() const { return address_; }
  // Where GET /metrics is served, or "" when nowhere.
  const std::string& metrics_address() const { return metrics_address_; }
  prometheus::Registry& metrics() { return metrics_; }
  delivery::DeliveryEngine& engine() { return engine_; }

  // Reports NOT_SERVING, stops taking calls, and waits up to `timeout` for calls in flight before
  // cancelling them.
  void Shutdown(absl::Duration timeout);

 private:
  ServerConfig config_;
  prometheus::Registry metrics_;
  std::unique_ptr<pg::PgPool> pool_;
  // The queues' own connections: the webhook inserts and the delivery workers' statements, which
  // run thousands of times a second and are written to plan well without their values, take
  // generic plans (plan_cache_mode = force_generic_plan) instead of being planned again on every
  // run, and never a sequential scan (a plan made while a table was small must not read it all once
  // it is large). The API's queries, whose best plan depends on the filters given, stay on pool_.
  std::unique_ptr<pg::PgPool> queue_pool_;
  SecretBox box_;
  pg::PgCompanyStore companies_;
  pg::PgEventStore events_;
  pg::PgNotificationStore notifications_;
  pg::PgLayoutStore layouts_;
  pg::PgDeviceStore devices_;
  pg::PgLogStore logs_;
  pg::PgCredentialStore credentials_;
  pg::PgDeliveryStore deliveries_;
  pg::PgEventStore queue_events_;
  pg::PgDeliveryStore queue_deliveries_;
  EngineTemplateChecker templates_;
  api::PageTokens page_tokens_;
  std::unique_ptr<PlatformClient> platform_;
  TokenCache tokens_;
  CompanyDirectory directory_;
  Authorizer authorizer_;
  Lifecycle lifecycle_;
  std::unique_ptr<RateLimiter> limiter_;
  Ingest ingest_;
  EventPlanner planner_;
  delivery::Channels channels_;
  delivery::DeliveryEngine engine_;
  api::ServiceDeps deps_;
  api::AdminServiceImpl admin_service_;
  api::UserServiceImpl user_service_;
  api::WebhookServiceImpl webhook_service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::unique_ptr<HttpServer> metrics_server_;
  std::string metrics_address_;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_APP_APP_H_
