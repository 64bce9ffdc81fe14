// notification-gateway's settings: the flags, their environment twins and their validation.
#ifndef NOTIFY_GATEWAY_CONFIG_H_
#define NOTIFY_GATEWAY_CONFIG_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/log.h"
#include "server/common/settings.h"

namespace notify::gateway {

struct GatewayConfig {
  // Where the HTTP server listens, HOST:PORT; port 0 picks a free one (logged at start).
  std::string listen;
  // The gRPC target of notification-server.
  std::string server;
  // TLS to the server, as PEM texts: no CA means plaintext.
  struct ServerTls {
    std::string ca;           // Roots the server's certificate must chain to.
    std::string cert_chain;   // The gateway's client certificate, for mutual TLS; may be empty.
    std::string private_key;  // Its key.
    std::string name;         // The name the server's certificate carries, if not the host's.
  } server_tls;
  // Threads serving HTTP.
  int threads = 2;
  // Webhooks (and their bytes) that may wait for a call to the server.
  size_t webhook_queue = 10000;
  size_t webhook_queue_bytes = 64 << 20;
  // Largest request body accepted; larger ones get 413.
  size_t body_limit = 1024 * 1024;
  // An idle keep-alive connection is closed after this long.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Deadline of each gRPC call to the server.
  absl::Duration call_timeout = absl::Seconds(4);
  // Deadline of the lifecycle calls (activate, deactivate, rotate).
  absl::Duration lifecycle_timeout = absl::Seconds(9);
  // Where the platform's calls arrive: {api_prefix}activate/, {api_prefix}webhook/, ...
  std::string api_prefix = "/api/";
  // Scheme and host for the absolute URLs of REST answers; empty: the request's own.
  std::string public_url;
  // Browser origins allowed to call the REST face; "*" is any.
  std::vector<std::string> cors_origins;
  // How long requests in flight may take to finish after SIGTERM.
  absl::Duration shutdown_timeout = absl::Seconds(10);
  log::Level log_level = log::Level::kInfo;
};

SettingsParser GatewaySettingsParser();

// Validates parsed settings into a config; errors name the setting at fault.
absl::StatusOr<GatewayConfig> GatewayConfigFromSettings(const Settings& settings);

}  // namespace notify::gateway

#endif  // NOTIFY_GATEWAY_CONFIG_H_
