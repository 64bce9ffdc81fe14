#include "server/app/config.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/status.h"

namespace notify {

SettingsParser ServerSettingsParser() {
  return SettingsParser(
      "notification-server",
      "The notification extension's gRPC server: AdminService, UserService and WebhookService.",
      {
          {"listen", "NOTIFY_LISTEN", "0.0.0.0:50051",
           "Where the gRPC server listens, HOST:PORT; port 0 picks a free port (logged)."},
          {"database-url", "NOTIFY_DATABASE_URL", "",
           "PostgreSQL connection URL (postgresql://user:pass@host:port/db). Required.", false,
           true},
          {"platform-url", "NOTIFY_PLATFORM_URL", "https://api.rehive.com",
           "Base URL of the Rehive platform API."},
          {"public-url", "NOTIFY_PUBLIC_URL", "",
           "Base URL under which the platform reaches the gateway, e.g. "
           "https://notify.example.com/api/."},
          {"db-pool-size", "NOTIFY_DB_POOL_SIZE", "8", "Most database connections held (1-200)."},
          {"db-acquire-timeout", "NOTIFY_DB_ACQUIRE_TIMEOUT", "5s",
           "How long a call waits for a free database connection before failing UNAVAILABLE."},
          {"db-retry-max-delay", "NOTIFY_DB_RETRY_MAX_DELAY", "30s",
           "Longest wait between attempts to reach the database at start-up."},
          {"max-threads", "NOTIFY_MAX_THREADS", "64", "Most threads serving gRPC calls (2-1024)."},
          {"shutdown-timeout", "NOTIFY_SHUTDOWN_TIMEOUT", "10s",
           "On SIGTERM or SIGINT, how long in-flight calls may take to finish."},
          {"log-level", "NOTIFY_LOG_LEVEL", "info",
           "Least severe log level written: debug, info, warn, error."},
          {"migrate-only", "NOTIFY_MIGRATE_ONLY", "false",
           "Apply the database migrations, then exit.", true},
      });
}

absl::StatusOr<ServerConfig> ServerConfigFromSettings(const Settings& settings) {
  ServerConfig config;
  NOTIFY_ASSIGN_OR_RETURN(config.listen, settings.GetHostPort("listen"));
  NOTIFY_ASSIGN_OR_RETURN(config.database_url, settings.GetRequired("database-url"));
  if (!absl::StartsWith(config.database_url, "postgresql://") &&
      !absl::StartsWith(config.database_url, "postgres://") &&
      !absl::StrContains(config.database_url, "=")) {
    return absl::InvalidArgumentError(
        absl::StrCat(settings.Describe("database-url"),
                     " must be a postgresql:// URL or a key=value connection string"));
  }
  NOTIFY_ASSIGN_OR_RETURN(config.platform_url, settings.GetHttpUrl("platform-url", false));
  while (absl::EndsWith(config.platform_url, "/")) config.platform_url.pop_back();
  NOTIFY_ASSIGN_OR_RETURN(config.public_url, settings.GetHttpUrl("public-url", true));
  if (!config.public_url.empty() && !absl::EndsWith(config.public_url, "/")) {
    config.public_url.push_back('/');
  }
  NOTIFY_ASSIGN_OR_RETURN(int64_t pool_size, settings.GetInt("db-pool-size", 1, 200));
  config.db_pool_size = static_cast<int>(pool_size);
  NOTIFY_ASSIGN_OR_RETURN(config.db_acquire_timeout,
                          settings.GetDuration("db-acquire-timeout", absl::Milliseconds(10)));
  NOTIFY_ASSIGN_OR_RETURN(config.db_retry_max_delay,
                          settings.GetDuration("db-retry-max-delay", absl::Milliseconds(100)));
  NOTIFY_ASSIGN_OR_RETURN(int64_t max_threads, settings.GetInt("max-threads", 2, 1024));
  config.max_threads = static_cast<int>(max_threads);
  NOTIFY_ASSIGN_OR_RETURN(config.shutdown_timeout,
                          settings.GetDuration("shutdown-timeout", absl::ZeroDuration()));
  NOTIFY_ASSIGN_OR_RETURN(config.log_level, settings.GetLogLevel("log-level"));
  NOTIFY_ASSIGN_OR_RETURN(config.migrate_only, settings.GetBool("migrate-only"));
  return config;
}

}  // namespace notify
