// notification-server's settings: the flags, their environment twins and their validation.
#ifndef NOTIFY_SERVER_APP_CONFIG_H_
#define NOTIFY_SERVER_APP_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/log.h"
#include "server/common/settings.h"

namespace notify {

struct ServerConfig {
  // Where the gRPC server listens, HOST:PORT; port 0 picks a free one (logged at start).
  std::string listen;
  // The PostgreSQL connection URL or key=value string. Contains a password: log RedactUrl() of it.
  std::string database_url;
  // The platform's API base URL, without a trailing slash.
  std::string platform_url;
  // The base URL under which the platform reaches the gateway, with a trailing slash; may be empty.
  std::string public_url;
  // Most database connections this process holds.
  int db_pool_size = 8;
  // How long a call waits for a free database connection before failing UNAVAILABLE.
  absl::Duration db_acquire_timeout = absl::Seconds(5);
  // The longest wait between attempts to reach the database at start-up.
  absl::Duration db_retry_max_delay = absl::Seconds(30);
  // How long in-flight calls may take to finish after SIGTERM before they are cancelled.
  absl::Duration shutdown_timeout = absl::Seconds(10);
  // Most gRPC threads serving calls.
  int max_threads = 64;
  log::Level log_level = log::Level::kInfo;
  // Apply the migrations and exit.
  bool migrate_only = false;
};

// The parser of the server's flags (also the source of --help and the README's table).
SettingsParser ServerSettingsParser();

// Validates parsed settings into a config; errors name the setting at fault.
absl::StatusOr<ServerConfig> ServerConfigFromSettings(const Settings& settings);

}  // namespace notify

#endif  // NOTIFY_SERVER_APP_CONFIG_H_
