#include "server/app/config.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/common/crypto.h"
#include "server/common/status.h"
#include "server/core/lifecycle.h"

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
          {"secret-key", "NOTIFY_SECRET_KEY", "",
           "Key that encrypts companies' tokens and secrets at rest: 64 hex characters "
           "(openssl rand -hex 32). This or --secret-key-file is required.",
           false, true, true},
          {"secret-key-file", "NOTIFY_SECRET_KEY_FILE", "",
           "File holding the secret key (64 hex characters), instead of NOTIFY_SECRET_KEY."},
          {"platform-timeout", "NOTIFY_PLATFORM_TIMEOUT", "5s",
           "Time budget of each platform call, retries included."},
          {"platform-connect-timeout", "NOTIFY_PLATFORM_CONNECT_TIMEOUT", "2s",
           "Connect timeout of each attempt at a platform call."},
          {"platform-retries", "NOTIFY_PLATFORM_RETRIES", "2",
           "Retries of a platform call after a connection error or a 5xx answer (0-10)."},
          {"auth-cache-ttl", "NOTIFY_AUTH_CACHE_TTL", "60s",
           "How long a token's user is remembered (0s: ask the platform on every call)."},
          {"auth-failure-ttl", "NOTIFY_AUTH_FAILURE_TTL", "5s",
           "How long a token the platform rejected is remembered as rejected."},
          {"auth-cache-size", "NOTIFY_AUTH_CACHE_SIZE", "10000",
           "Most tokens remembered; the least recently used go first (0-10000000)."},
          {"company-cache-ttl", "NOTIFY_COMPANY_CACHE_TTL", "5s",
           "How long a company's active state is remembered by other replicas."},
          {"webhook-rate-limit", "NOTIFY_WEBHOOK_RATE_LIMIT", "0",
           "Most webhook events a second per company, bursts up to as many; 0: no limit."},
          {"metrics-listen", "NOTIFY_METRICS_LISTEN", "0.0.0.0:9464",
           "Where GET /metrics serves Prometheus metrics, HOST:PORT; empty: nowhere."},
          {"events", "NOTIFY_EVENTS", "all",
           "Platform events to subscribe to on activation: \"all\" or a comma-separated list."},
      });
}

namespace {

// NOTIFY_SECRET_KEY, or the contents of --secret-key-file; exactly one, and a valid key.
absl::StatusOr<std::string> SecretKey(const Settings& settings) {
  std::string key = settings.Get("secret-key");
  const std::string& file = settings.Get("secret-key-file");
  if (!key.empty() && !file.empty()) {
    return absl::InvalidArgumentError(
        "set either NOTIFY_SECRET_KEY or --secret-key-file (NOTIFY_SECRET_KEY_FILE), not both");
  }
  if (key.empty() && file.empty()) {
    return absl::InvalidArgumentError(
        "no secret key: set NOTIFY_SECRET_KEY to 64 hex characters (openssl rand -hex 32) or "
        "point --secret-key-file (NOTIFY_SECRET_KEY_FILE) at a file holding them; it encrypts "
        "companies' platform tokens and webhook secrets");
  }
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat(settings.Describe("secret-key-file"), " cannot be read: \"", file, "\""));
    }
    std::stringstream text;
    text << in.rdbuf();
    key = std::string(absl::StripAsciiWhitespace(text.str()));
  }
  if (absl::Status s = SecretBox::FromHex(key).status(); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.empty() ? "NOTIFY_SECRET_KEY" : settings.Describe("secret-key-file"),
                     ": ", s.message()));
  }
  return key;
}

absl::StatusOr<std::vector<std::string>> Events(const Settings& settings) {
  const std::string& value = settings.Get("events");
  if (value == "all") return PlatformEventNames();
  std::vector<std::string> events;
  for (absl::string_view event : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
    event = absl::StripAsciiWhitespace(event);
    if (event.find_first_of(" /") != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(settings.Describe("events"), " has a malformed event name \"", event, "\""));
    }
    events.emplace_back(event);
  }
  if (events.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(settings.Describe("events"), " must be \"all\" or name at least one event"));
  }
  return events;
}

}  // namespace

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
  // Migrating needs no key; serving does.
  if (!config.migrate_only || !settings.Get("secret-key").empty() ||
      !settings.Get("secret-key-file").empty()) {
    NOTIFY_ASSIGN_OR_RETURN(config.secret_key_hex, SecretKey(settings));
  }
  NOTIFY_ASSIGN_OR_RETURN(config.platform_timeout,
                          settings.GetDuration("platform-timeout", absl::Milliseconds(100)));
  NOTIFY_ASSIGN_OR_RETURN(config.platform_connect_timeout,
                          settings.GetDuration("platform-connect-timeout", absl::Milliseconds(10)));
  NOTIFY_ASSIGN_OR_RETURN(int64_t retries, settings.GetInt("platform-retries", 0, 10));
  config.platform_retries = static_cast<int>(retries);
  NOTIFY_ASSIGN_OR_RETURN(config.auth_cache_ttl,
                          settings.GetDuration("auth-cache-ttl", absl::ZeroDuration()));
  NOTIFY_ASSIGN_OR_RETURN(config.auth_failure_ttl,
                          settings.GetDuration("auth-failure-ttl", absl::ZeroDuration()));
  NOTIFY_ASSIGN_OR_RETURN(int64_t cache_size, settings.GetInt("auth-cache-size", 0, 10000000));
  config.auth_cache_size = static_cast<int>(cache_size);
  NOTIFY_ASSIGN_OR_RETURN(config.company_cache_ttl,
                          settings.GetDuration("company-cache-ttl", absl::ZeroDuration()));
  NOTIFY_ASSIGN_OR_RETURN(config.events, Events(settings));
  NOTIFY_ASSIGN_OR_RETURN(int64_t rate, settings.GetInt("webhook-rate-limit", 0, 1000000));
  config.webhook_rate_limit = static_cast<double>(rate);
  if (!settings.Get("metrics-listen").empty()) {
    NOTIFY_ASSIGN_OR_RETURN(config.metrics_listen, settings.GetHostPort("metrics-listen"));
  }
  return config;
}

}  // namespace notify
