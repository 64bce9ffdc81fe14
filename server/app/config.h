// notification-server's settings: the flags, their environment twins and their validation.
#ifndef NOTIFY_SERVER_APP_CONFIG_H_
#define NOTIFY_SERVER_APP_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/log.h"
#include "server/common/settings.h"
#include "server/delivery/channels.h"
#include "server/delivery/engine.h"
#include "server/delivery/senders.h"

namespace notify {

// The gRPC server's TLS, as PEM texts: no certificate chain means no TLS (plaintext).
struct ServerTls {
  std::string cert_chain;
  std::string private_key;
  // CAs whose client certificates callers must show; empty: none is asked for.
  std::string client_ca;
};

struct ServerConfig {
  // Where the gRPC server listens, HOST:PORT; port 0 picks a free one (logged at start).
  std::string listen;
  ServerTls tls;
  // Whether gRPC server reflection is served.
  bool reflection = false;
  // The PostgreSQL connection URL or key=value string. Contains a password: log RedactUrl() of it.
  std::string database_url;
  // The platform's API base URL, without a trailing slash.
  std::string platform_url;
  // The base URL under which the platform reaches the gateway, with a trailing slash; may be empty.
  std::string public_url;
  // Most database connections this process holds.
  int db_pool_size = 16;
  // How long a call waits for a free database connection before failing UNAVAILABLE.
  absl::Duration db_acquire_timeout = absl::Seconds(5);
  // The longest wait between attempts to reach the database at start-up.
  absl::Duration db_retry_max_delay = absl::Seconds(30);
  // How long in-flight calls may take to finish after SIGTERM before they are cancelled.
  absl::Duration shutdown_timeout = absl::Seconds(10);
  // Most gRPC threads serving calls.
  int max_threads = 64;
  log::Level log_level = log::Level::kInfo;
  // The key (64 hex characters) that encrypts companies' tokens and secrets at rest. Never logged.
  std::string secret_key_hex;
  // Each platform call's time budget across its attempts, its connect timeout, and its retries.
  absl::Duration platform_timeout = absl::Seconds(5);
  absl::Duration platform_connect_timeout = absl::Seconds(2);
  int platform_retries = 2;
  // How long a token's user, and a token's rejection, are remembered; how many tokens are kept.
  absl::Duration auth_cache_ttl = absl::Seconds(60);
  absl::Duration auth_failure_ttl = absl::Seconds(5);
  int auth_cache_size = 10000;
  // How many push devices a user keeps (the least recently registered go first).
  int max_devices_per_user = 20;
  // How long "is this company active?" is remembered (a deactivation on this replica is immediate).
  absl::Duration company_cache_ttl = absl::Seconds(5);
  // The platform events the extension subscribes to on activation.
  std::vector<std::string> events;
  // Most webhook events a second per company (bursts up to as many); 0 means no limit.
  double webhook_rate_limit = 0;
  // Where Prometheus scrapes the server's metrics (GET /metrics), HOST:PORT; empty means nowhere.
  std::string metrics_listen;
  // The server's own providers (a company's credentials take precedence) and delivery tuning.
  delivery::ChannelDefaults channels;
  delivery::SenderOptions sender;
  delivery::EngineOptions engine;
  // Benchmarks only: authorization without the platform (see Authorizer).
  bool bench_no_auth = false;
  // Run the delivery workers in this process (false: serve the APIs only).
  bool deliver = true;
  // Apply the migrations and exit.
  bool migrate_only = false;
};

// The parser of the server's flags (also the source of --help and the README's table).
SettingsParser ServerSettingsParser();

// Validates parsed settings into a config; errors name the setting at fault.
absl::StatusOr<ServerConfig> ServerConfigFromSettings(const Settings& settings);

}  // namespace notify

#endif  // NOTIFY_SERVER_APP_CONFIG_H_
