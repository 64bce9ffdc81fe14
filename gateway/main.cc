// notification-gateway: flags → config → HTTP server → routes → gRPC channel; serves until SIGTERM.
#include <cstdio>
#include <memory>
#include <string>
#include <variant>

#include "gateway/config.h"
#include "gateway/routes.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "server/common/http_server.h"
#include "server/common/log.h"
#include "server/common/runtime.h"
#include "server/common/settings.h"
#include "server/common/signals.h"

int main(int argc, char** argv) {
  notify::TuneProcess();
  notify::BlockTerminationSignals();
  notify::log::SetService("notification-gateway");
  notify::log::CaptureGrpcLogs();

  std::variant<notify::gateway::GatewayConfig, int> loaded =
      notify::LoadConfig(notify::gateway::GatewaySettingsParser(), argc, argv,
                         &notify::gateway::GatewayConfigFromSettings);
  if (const int* exit_code = std::get_if<int>(&loaded)) return *exit_code;
  const auto* config = &std::get<notify::gateway::GatewayConfig>(loaded);
  notify::log::SetLevel(config->log_level);

  // No transparent retries: every call the gateway makes answers a platform request that the
  // platform retries itself, and gRPC's retry bookkeeping costs each call.
  grpc::ChannelArguments channel_args;
  channel_args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (const auto& tls = config->server_tls; !tls.ca.empty()) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = tls.ca;
    options.pem_cert_chain = tls.cert_chain;
    options.pem_private_key = tls.private_key;
    credentials = grpc::SslCredentials(options);
    if (!tls.name.empty()) channel_args.SetSslTargetNameOverride(tls.name);
  }
  auto channel = grpc::CreateCustomChannel(config->server, credentials, channel_args);
  prometheus::Registry registry;
  notify::gateway::Routes routes(channel,
                                 {.call_timeout = config->call_timeout,
                                  .lifecycle_timeout = config->lifecycle_timeout,
                                  .api_prefix = config->api_prefix,
                                  .webhook_queue = config->webhook_queue,
                                  .webhook_queue_bytes = config->webhook_queue_bytes,
                                  .public_url = config->public_url,
                                  .cors_origins = config->cors_origins},
                                 &registry);
  notify::HttpServer server(
      {.listen = config->listen,
       .threads = config->threads,
       .body_limit = config->body_limit,
       .idle_timeout = config->idle_timeout},
      [&routes](const notify::HttpRequest& request, notify::HttpResponder respond) {
        routes.Handle(request, std::move(respond));
      });
  if (absl::Status s = server.Start(); !s.ok()) {
    notify::log::Error("cannot start", {{"error", std::string(s.message())}});
    return 1;
  }
  notify::log::Info("listening", {{"address", server.address()},
                                  {"protocol", "http"},
                                  {"server", config->server},
                                  {"server_tls", !config->server_tls.ca.empty()},
                                  {"version", NOTIFY_VERSION}});

  std::optional<int> signal;
  while (!(signal = notify::WaitForTerminationSignal(absl::Hours(24))).has_value()) {
  }
  notify::log::Info("shutting down", {{"signal", *signal}});
  server.Shutdown(config->shutdown_timeout);
  notify::log::Info("stopped");
  return 0;
}
