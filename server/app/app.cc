#include "server/app/app.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "server/auth/http_platform_client.h"
#include "server/common/log.h"
#include "server/common/retry.h"
#include "server/common/runtime.h"
#include "server/core/company_context.h"
#include "server/store/pg/errors.h"
#include "server/store/pg/migrations.h"
#include "server/store/pg/sessions.h"

namespace notify {
namespace {

// Most bytes in one request or response message.
constexpr int kMaxMessageBytes = 4 * 1024 * 1024;

std::string HostOf(const std::string& listen) { return listen.substr(0, listen.rfind(':')); }

// Linking gRPC's reflection library registers its plugin with every ServerBuilder; this option
// takes it out again when reflection is not wanted.
class WithoutReflection final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->erase(std::remove_if(plugins->begin(), plugins->end(),
                                  [](const std::unique_ptr<grpc::ServerBuilderPlugin>& plugin) {
                                    return plugin->name() == "proto_server_reflection";
                                  }),
                   plugins->end());
  }
};

// Plaintext without a certificate; TLS with one, verifying callers' certificates against the
// client CAs when there are some.
std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const ServerTls& tls) {
  if (tls.cert_chain.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      tls.client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = tls.client_ca;
  options.pem_key_cert_pairs.push_back({tls.private_key, tls.cert_chain});
  return grpc::SslServerCredentials(options);
}

}  // namespace

absl::Status MigrateWithRetry(pg::PgPool& pool, absl::Duration max_delay,
                              const InterruptibleSleep& sleep) {
  bool stopped = false;
  absl::StatusOr<pg::MigrationReport> report =
      RetryWhileUnavailable([&] { return pg::ApplyMigrations(pool, pg::EmbeddedMigrations()); },
                            [&](const absl::Status& failure, int attempt, absl::Duration pause) {
                              log::Warn("database unavailable at start-up; retrying",
                                        {{"attempt", attempt},
                                         {"retry_in_ms", absl::ToInt64Milliseconds(pause)},
                                         {"error", std::string(failure.message())}});
                              stopped = !sleep(pause);
                              return !stopped;
                            },
                            Backoff{.first = absl::Milliseconds(500), .longest = max_delay});
  if (stopped) return absl::CancelledError("stopped while waiting for the database");
  if (!report.ok()) return report.status();
  log::Info("database schema is up to date",
            {{"applied", report->applied.size()}, {"already_applied", report->already_applied}});
  return absl::OkStatus();
}

App::App(ServerConfig config, std::unique_ptr<PlatformClient> platform)
    : config_(std::move(config)),
      pool_(std::make_unique<pg::PgPool>(
          pg::StorePoolOptions(config_.database_url, config_.db_pool_size,
                               config_.db_acquire_timeout, pg::PoolRole::kApi))),
      queue_pool_(std::make_unique<pg::PgPool>(
          pg::StorePoolOptions(config_.database_url, config_.db_pool_size,
                               config_.db_acquire_timeout, pg::PoolRole::kQueues))),
      // ServerConfigFromSettings checked the key; only --migrate-only runs without one, and it
      // never seals or opens anything.
      box_(SecretBox::FromHex(config_.secret_key_hex.empty() ? std::string(64, '0')
                                                             : config_.secret_key_hex)
               .value()),
      companies_(pool_.get()),
      events_(pool_.get()),
      notifications_(pool_.get(), RealClock::Get()),
      layouts_(pool_.get(), RealClock::Get()),
      devices_(pool_.get(), RealClock::Get()),
      logs_(pool_.get()),
      credentials_(pool_.get(), RealClock::Get()),
      deliveries_(pool_.get()),
      queue_events_(queue_pool_.get()),
      queue_deliveries_(queue_pool_.get()),
      page_tokens_(&box_),
      platform_(platform != nullptr
                    ? std::move(platform)
                    : std::make_unique<HttpPlatformClient>(HttpPlatformClient::Options{
                          .base_url = config_.platform_url,
                          .connect_timeout = config_.platform_connect_timeout,
                          .timeout = config_.platform_timeout,
                          .retries = config_.platform_retries,
                      })),
      tokens_({.ttl = config_.auth_cache_ttl,
               .failure_ttl = config_.auth_failure_ttl,
               .max_entries = static_cast<size_t>(config_.auth_cache_size),
               .max_rejections = static_cast<size_t>(config_.auth_cache_size)},
              RealClock::Get()),
      directory_(&companies_, &box_, RealClock::Get(), config_.company_cache_ttl),
      authorizer_(platform_.get(), &tokens_, &directory_),
      lifecycle_({.public_url = config_.public_url, .events = config_.events}, platform_.get(),
                 &companies_, &box_, &tokens_, &directory_),
      limiter_(config_.webhook_rate_limit > 0
                   ? std::make_unique<RateLimiter>(config_.webhook_rate_limit, RealClock::Get())
                   : nullptr),
      ingest_(&directory_, &queue_events_, limiter_.get(), &metrics_),
      planner_({.default_from_email = config_.channels.email_from}, &notifications_, &layouts_,
               &devices_, platform_.get()),
      channels_(config_.channels, config_.sender, &credentials_, &box_, RealClock::Get(),
                absl::Seconds(10)),
      engine_(config_.engine, &queue_deliveries_, &directory_, &planner_, &channels_, &metrics_),
      deps_{.authorizer = &authorizer_,
            .directory = &directory_,
            .lifecycle = &lifecycle_,
            .companies = &companies_,
            .events = &events_,
            .notifications = &notifications_,
            .layouts = &layouts_,
            .devices = &devices_,
            .max_devices_per_user = config_.max_devices_per_user,
            .quota_ceilings = config_.engine.quota_ceilings,
            .logs = &logs_,
            .credentials = &credentials_,
            .box = &box_,
            .page_tokens = &page_tokens_,
            .templates = &templates_,
            .deliveries = &deliveries_,
            .planner = &planner_,
            .load_company =
                [this](const std::string& id) { return LoadCompanyContext(directory_, id); },
            .list_group_users =
                [this](const std::string& token, const std::string& group) {
                  return platform_->ListGroupUsers(token, group, 1000);
                },
            .wake_events = [this] { engine_.WakeEvents(); }},
      admin_service_(deps_),
      user_service_(deps_),
      webhook_service_(&ingest_) {}

App::~App() {
  if (server_ != nullptr) Shutdown(absl::ZeroDuration());
}

absl::Status App::Start() {
  if (config_.bench_no_auth) {
    log::Warn("--bench-no-auth: tokens are not checked with the platform; for benchmarks only");
    authorizer_.DisableTokenChecksForBenchmarks();
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  if (!config_.reflection) builder.SetOption(std::make_unique<WithoutReflection>());
  int port = 0;
  builder.AddListeningPort(config_.listen, ServerCredentials(config_.tls), &port);
  grpc::ResourceQuota quota("notification-server");
  ConfigureSyncServer(builder, quota, config_.max_threads);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(&admin_service_);
  builder.RegisterService(&user_service_);
  builder.RegisterService(&webhook_service_);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port == 0) {
    server_.reset();
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot listen on ", config_.listen, " (--listen): the address is in use or not local",
        config_.tls.cert_chain.empty() ? ""
                                       : ", or --tls-cert, --tls-key or --tls-client-ca is not "
                                         "valid PEM (or the key is not the certificate's)"));
  }
  address_ = absl::StrCat(HostOf(config_.listen), ":", port);
  if (!config_.metrics_listen.empty()) {
    metrics_server_ = std::make_unique<HttpServer>(
        HttpServer::Options{.listen = config_.metrics_listen, .threads = 1},
        [this](const HttpRequest& request, HttpResponder respond) {
          if (request.target() == "/metrics") {
            respond(MetricsPage(metrics_));
            return;
          }
          HttpResponse missing;
          missing.status = 404;
          missing.body = R"({"status":"error","message":"Not found."})";
          respond(std::move(missing));
        });
    if (absl::Status s = metrics_server_->Start(); !s.ok()) {
      server_->Shutdown();
      server_.reset();
      return absl::InvalidArgumentError(
          absl::StrCat("--metrics-listen (NOTIFY_METRICS_LISTEN): ", s.message()));
    }
    metrics_address_ = metrics_server_->address();
  }
  if (config_.deliver) {
    ingest_.set_on_new_event([this] { engine_.WakeEvents(); });
    engine_.Start();
  }
  for (const char* service : {"", "notifications.v1.AdminService", "notifications.v1.UserService",
                              "notifications.v1.WebhookService"}) {
    server_->GetHealthCheckService()->SetServingStatus(service, true);
  }
  return absl::OkStatus();
}

void App::Shutdown(absl::Duration timeout) {
  if (metrics_server_ != nullptr) {
    metrics_server_->Shutdown(absl::ZeroDuration());
    metrics_server_.reset();
  }
  if (server_ == nullptr) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + timeout));
  server_->Wait();
  server_.reset();
  // After the calls: a webhook in flight may still wake the workers.
  engine_.Stop();
}

}  // namespace notify
