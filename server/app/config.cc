#include "server/app/config.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "server/common/crypto.h"
#include "server/common/status.h"
#include "server/core/lifecycle.h"

namespace notify {

SettingsParser ServerSettingsParser() {
  return SettingsParser(
      "notification-server",
      "The notification extension's gRPC server: AdminService, UserService and WebhookService.",
      {
          {"listen", "NOTIFY_LISTEN", "127.0.0.1:50051",
           "Where the gRPC server listens, HOST:PORT; port 0 picks a free port (logged). It "
           "carries "
           "admin tokens: listen beyond this host only with --tls-cert."},
          {"tls-cert", "NOTIFY_TLS_CERT", "",
           "PEM file of the gRPC server's certificate chain: with --tls-key, it speaks TLS only."},
          {"tls-key", "NOTIFY_TLS_KEY", "", "PEM file of the private key of --tls-cert."},
          {"tls-client-ca", "NOTIFY_TLS_CLIENT_CA", "",
           "PEM file of the CAs whose client certificates gRPC callers must show (mutual TLS); "
           "empty: no client certificate is asked for."},
          {"reflection", "NOTIFY_REFLECTION", "false",
           "Serve gRPC server reflection (for grpcurl and the like).", true},
          {"database-url", "NOTIFY_DATABASE_URL", "",
           "PostgreSQL connection URL (postgresql://user:pass@host:port/db). Required.", false,
           true},
          {"platform-url", "NOTIFY_PLATFORM_URL", "https://api.rehive.com",
           "Base URL of the Rehive platform API."},
          {"public-url", "NOTIFY_PUBLIC_URL", "",
           "Base URL under which the platform reaches the gateway, e.g. "
           "https://notify.example.com/api/."},
          {"db-pool-size", "NOTIFY_DB_POOL_SIZE", "16",
           "Most database connections held (1-200) in each of two pools: the API's and the "
           "queues'."},
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
           "Most tokens' users remembered, and as many rejected tokens apart from them; the least "
           "recently used go first (0-10000000)."},
          {"max-devices-per-user", "NOTIFY_MAX_DEVICES_PER_USER", "20",
           "Most push devices a user keeps; registering one more drops the least recently "
           "registered (1-1000)."},
          {"company-cache-ttl", "NOTIFY_COMPANY_CACHE_TTL", "5s",
           "How long a company's record (active state, settings) is remembered by other replicas."},
          {"webhook-rate-limit", "NOTIFY_WEBHOOK_RATE_LIMIT", "0",
           "Most webhook events a second per company, bursts up to as many; 0: no limit."},
          {"metrics-listen", "NOTIFY_METRICS_LISTEN", "0.0.0.0:9464",
           "Where GET /metrics serves Prometheus metrics, HOST:PORT; empty: nowhere."},
          {"events", "NOTIFY_EVENTS", "all",
           "Platform events to subscribe to on activation: \"all\" or a comma-separated list."},
          {"bench-no-auth", "NOTIFY_BENCH_NO_AUTH", "false",
           "For benchmarks only: skip the platform's token check (the token names the company, "
           "the caller is its admin). Never in production.",
           true},
          {"deliver", "NOTIFY_DELIVER", "true",
           "Run the delivery workers (events to messages, messages to providers) in this process.",
           true},
          {"email-from", "NOTIFY_EMAIL_FROM", "",
           "Sender of emails whose notification and company set none, e.g. "
           "\"Acme <no-reply@acme.example>\"."},
          {"smtp-url", "NOTIFY_SMTP_URL", "",
           "Default email provider: smtp://host:port (STARTTLS: required with a user, else when "
           "offered), smtps://host:port (TLS), or smtp+plaintext://host:port for a relay without "
           "TLS."},
          {"smtp-username", "NOTIFY_SMTP_USERNAME", "",
           "User name for --smtp-url, if it needs one."},
          {"smtp-password", "NOTIFY_SMTP_PASSWORD", "", "Password for --smtp-username.", false,
           true, true},
          {"sendgrid-url", "NOTIFY_SENDGRID_URL", "https://api.sendgrid.com",
           "SendGrid API base URL."},
          {"sendgrid-api-key", "NOTIFY_SENDGRID_API_KEY", "",
           "Default email provider through SendGrid (used before --smtp-url when set).", false,
           true},
          {"twilio-url", "NOTIFY_TWILIO_URL", "https://api.twilio.com", "Twilio API base URL."},
          {"twilio-account-sid", "NOTIFY_TWILIO_ACCOUNT_SID", "",
           "Default SMS provider: the Twilio account SID (AC...)."},
          {"twilio-auth-token", "NOTIFY_TWILIO_AUTH_TOKEN", "", "The Twilio account's auth token.",
           false, true},
          {"twilio-from", "NOTIFY_TWILIO_FROM", "",
           "Sender of SMS: an E.164 number or a messaging service SID (MG...)."},
          {"fcm-url", "NOTIFY_FCM_URL", "https://fcm.googleapis.com",
           "Firebase Cloud Messaging API base URL."},
          {"allow-private-provider-hosts", "NOTIFY_ALLOW_PRIVATE_PROVIDER_HOSTS", "false",
           "Let companies' own SMTP servers be at loopback, private or link-local addresses "
           "(tests, private deployments); otherwise only public addresses are connected to.",
           true},
          {"fcm-token-url", "NOTIFY_FCM_TOKEN_URL", "https://oauth2.googleapis.com/token",
           "OAuth2 token URL for FCM, for every service account (theirs, token_uri, is not "
           "used)."},
          {"fcm-credentials-file", "NOTIFY_FCM_CREDENTIALS_FILE", "",
           "Default push provider: a Firebase service account key file (JSON)."},
          {"event-workers", "NOTIFY_EVENT_WORKERS", "2",
           "Threads turning events into messages (0-64)."},
          {"event-batch", "NOTIFY_EVENT_BATCH", "100",
           "Events an event worker claims at once (1-1000)."},
          {"email-senders", "NOTIFY_EMAIL_SENDERS", "4", "Threads sending email (0-256)."},
          {"sms-senders", "NOTIFY_SMS_SENDERS", "2", "Threads sending SMS (0-256)."},
          {"push-senders", "NOTIFY_PUSH_SENDERS", "2", "Threads sending push messages (0-256)."},
          {"send-queue", "NOTIFY_SEND_QUEUE", "1000",
           "New messages per channel held in memory for this process's senders (1-100000); past "
           "it they wait in the database, and when every channel's queue is full no event is "
           "taken until the senders catch up."},
          {"max-daily-emails", "NOTIFY_MAX_DAILY_EMAILS", "0",
           "Most emails a company sends in a UTC day, whatever its admin sets (they can only set "
           "less); 0: no ceiling."},
          {"max-daily-sms", "NOTIFY_MAX_DAILY_SMS", "0",
           "Most SMS a company sends in a UTC day, likewise; 0: no ceiling."},
          {"max-daily-pushes", "NOTIFY_MAX_DAILY_PUSHES", "0",
           "Most push messages a company sends in a UTC day, likewise; 0: no ceiling."},
          {"delivery-max-attempts", "NOTIFY_DELIVERY_MAX_ATTEMPTS", "8",
           "Attempts at one message before it is dead (1-100)."},
          {"retry-base", "NOTIFY_RETRY_BASE", "60s",
           "Wait after a message's first failed attempt; each next wait is three times longer "
           "(with +-20% jitter)."},
          {"retry-max", "NOTIFY_RETRY_MAX", "12h", "Longest wait between two attempts."},
          {"send-timeout", "NOTIFY_SEND_TIMEOUT", "30s", "Time limit of one provider call."},
          {"lease", "NOTIFY_LEASE", "2m",
           "How long a worker holds the events and messages it claimed; what a process that died "
           "held is taken up again after this. Must exceed --send-timeout."},
          {"poll-interval", "NOTIFY_POLL_INTERVAL", "500ms",
           "How often idle workers look for work queued by other processes."},
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
    NOTIFY_ASSIGN_OR_RETURN(const std::string text, settings.GetFileContents("secret-key-file"));
    key = std::string(absl::StripAsciiWhitespace(text));
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

absl::StatusOr<int> Count(const Settings& settings, absl::string_view flag, int max) {
  NOTIFY_ASSIGN_OR_RETURN(int64_t value, settings.GetInt(flag, 0, max));
  return static_cast<int>(value);
}

absl::Status DeliveryFromSettings(const Settings& settings, ServerConfig& config) {
  NOTIFY_ASSIGN_OR_RETURN(config.deliver, settings.GetBool("deliver"));
  NOTIFY_ASSIGN_OR_RETURN(config.bench_no_auth, settings.GetBool("bench-no-auth"));
  delivery::ChannelDefaults& c = config.channels;
  c.email_from = settings.Get("email-from");
  c.smtp.url = settings.Get("smtp-url");
  if (!c.smtp.url.empty() && !delivery::ParseSmtpUrl(c.smtp.url).has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        settings.Describe("smtp-url"), " must be ", delivery::kSmtpUrlForms,
        " (give the user as --smtp-username and the password as NOTIFY_SMTP_PASSWORD)"));
  }
  c.smtp.username = settings.Get("smtp-username");
  c.smtp.password = settings.Get("smtp-password");
  NOTIFY_ASSIGN_OR_RETURN(c.sendgrid.url, settings.GetHttpUrl("sendgrid-url", false));
  c.sendgrid.api_key = settings.Get("sendgrid-api-key");
  NOTIFY_ASSIGN_OR_RETURN(c.twilio.url, settings.GetHttpUrl("twilio-url", false));
  c.twilio.account_sid = settings.Get("twilio-account-sid");
  c.twilio.auth_token = settings.Get("twilio-auth-token");
  c.twilio.from = settings.Get("twilio-from");
  if (!c.twilio.account_sid.empty() && (c.twilio.auth_token.empty() || c.twilio.from.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat(settings.Describe("twilio-account-sid"),
                     " needs --twilio-auth-token (NOTIFY_TWILIO_AUTH_TOKEN) and --twilio-from"));
  }
  NOTIFY_ASSIGN_OR_RETURN(c.fcm.url, settings.GetHttpUrl("fcm-url", false));
  NOTIFY_ASSIGN_OR_RETURN(c.fcm.token_url, settings.GetHttpUrl("fcm-token-url", false));
  NOTIFY_ASSIGN_OR_RETURN(c.allow_private_provider_hosts,
                          settings.GetBool("allow-private-provider-hosts"));
  NOTIFY_ASSIGN_OR_RETURN(const std::string account_text,
                          settings.GetFileContents("fcm-credentials-file"));
  if (!account_text.empty()) {
    const nlohmann::json account = nlohmann::json::parse(account_text, nullptr, false);
    if (!account.is_object() || !account.contains("client_email") ||
        !account.contains("private_key")) {
      return absl::InvalidArgumentError(absl::StrCat(
          settings.Describe("fcm-credentials-file"), " (\"", settings.Get("fcm-credentials-file"),
          "\") must be a service account key file (JSON with client_email and "
          "private_key)"));
    }
    c.fcm.service_account_json = account_text;
  }
  while (absl::EndsWith(c.sendgrid.url, "/")) c.sendgrid.url.pop_back();
  while (absl::EndsWith(c.twilio.url, "/")) c.twilio.url.pop_back();
  while (absl::EndsWith(c.fcm.url, "/")) c.fcm.url.pop_back();

  delivery::EngineOptions& e = config.engine;
  NOTIFY_ASSIGN_OR_RETURN(e.event_workers, Count(settings, "event-workers", 64));
  NOTIFY_ASSIGN_OR_RETURN(int64_t event_batch, settings.GetInt("event-batch", 1, 1000));
  e.event_batch = static_cast<int>(event_batch);
  NOTIFY_ASSIGN_OR_RETURN(e.senders[notifications::v1::NOTIFICATION_TYPE_EMAIL],
                          Count(settings, "email-senders", 256));
  NOTIFY_ASSIGN_OR_RETURN(e.senders[notifications::v1::NOTIFICATION_TYPE_SMS],
                          Count(settings, "sms-senders", 256));
  NOTIFY_ASSIGN_OR_RETURN(e.senders[notifications::v1::NOTIFICATION_TYPE_PUSH],
                          Count(settings, "push-senders", 256));
  NOTIFY_ASSIGN_OR_RETURN(int64_t send_queue, settings.GetInt("send-queue", 1, 100000));
  e.handoff_limit = static_cast<int>(send_queue);
  for (auto [flag, ceiling] :
       {std::pair<const char*, int*>{"max-daily-emails", &e.quota_ceilings.email},
        {"max-daily-sms", &e.quota_ceilings.sms},
        {"max-daily-pushes", &e.quota_ceilings.push}}) {
    NOTIFY_ASSIGN_OR_RETURN(int64_t value, settings.GetInt(flag, 0, 100000000));
    *ceiling = static_cast<int>(value);
  }
  NOTIFY_ASSIGN_OR_RETURN(int64_t attempts, settings.GetInt("delivery-max-attempts", 1, 100));
  e.retry.max_attempts = static_cast<int>(attempts);
  NOTIFY_ASSIGN_OR_RETURN(e.retry.base, settings.GetDuration("retry-base", absl::Milliseconds(10)));
  NOTIFY_ASSIGN_OR_RETURN(e.retry.max, settings.GetDuration("retry-max", absl::Milliseconds(10)));
  NOTIFY_ASSIGN_OR_RETURN(e.poll_interval,
                          settings.GetDuration("poll-interval", absl::Milliseconds(10)));
  NOTIFY_ASSIGN_OR_RETURN(config.sender.timeout,
                          settings.GetDuration("send-timeout", absl::Milliseconds(100)));
  config.sender.connect_timeout = std::min(config.sender.timeout, absl::Seconds(10));
  NOTIFY_ASSIGN_OR_RETURN(absl::Duration lease, settings.GetDuration("lease", absl::Seconds(1)));
  // A lease outlives the calls made under it, so that a slow provider is not sent to twice.
  if (lease <= config.sender.timeout) {
    return absl::InvalidArgumentError(absl::StrCat(
        settings.Describe("lease"), " must be longer than --send-timeout (NOTIFY_SEND_TIMEOUT)"));
  }
  e.send_lease = lease;
  e.event_lease = lease;
  e.send_timeout = config.sender.timeout;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServerConfig> ServerConfigFromSettings(const Settings& settings) {
  ServerConfig config;
  NOTIFY_ASSIGN_OR_RETURN(config.listen, settings.GetHostPort("listen"));
  NOTIFY_ASSIGN_OR_RETURN(config.tls.cert_chain, settings.GetPemContents("tls-cert"));
  NOTIFY_ASSIGN_OR_RETURN(config.tls.private_key, settings.GetPemContents("tls-key"));
  NOTIFY_ASSIGN_OR_RETURN(config.tls.client_ca, settings.GetPemContents("tls-client-ca"));
  if (config.tls.cert_chain.empty() != config.tls.private_key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(settings.Describe("tls-cert"), " and ",
                                                   settings.Describe("tls-key"),
                                                   " go together: give both or neither"));
  }
  if (!config.tls.client_ca.empty() && config.tls.cert_chain.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(settings.Describe("tls-client-ca"), " needs ",
                                                   settings.Describe("tls-cert"),
                                                   " and --tls-key"));
  }
  NOTIFY_ASSIGN_OR_RETURN(config.reflection, settings.GetBool("reflection"));
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
  NOTIFY_ASSIGN_OR_RETURN(int64_t devices, settings.GetInt("max-devices-per-user", 1, 1000));
  config.max_devices_per_user = static_cast<int>(devices);
  NOTIFY_ASSIGN_OR_RETURN(config.company_cache_ttl,
                          settings.GetDuration("company-cache-ttl", absl::ZeroDuration()));
  NOTIFY_ASSIGN_OR_RETURN(config.events, Events(settings));
  NOTIFY_ASSIGN_OR_RETURN(int64_t rate, settings.GetInt("webhook-rate-limit", 0, 1000000));
  config.webhook_rate_limit = static_cast<double>(rate);
  if (!settings.Get("metrics-listen").empty()) {
    NOTIFY_ASSIGN_OR_RETURN(config.metrics_listen, settings.GetHostPort("metrics-listen"));
  }
  NOTIFY_RETURN_IF_ERROR(DeliveryFromSettings(settings, config));
  return config;
}

}  // namespace notify
