#include "gateway/config.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/common/status.h"

namespace notify::gateway {

SettingsParser GatewaySettingsParser() {
  return SettingsParser(
      "notification-gateway",
      "The notification extension's HTTP face: turns the platform's JSON calls into gRPC calls to "
      "notification-server.",
      {
          {"listen", "NOTIFY_GATEWAY_LISTEN", "0.0.0.0:8080",
           "Where the HTTP server listens, HOST:PORT; port 0 picks a free port (logged)."},
          {"server", "NOTIFY_GATEWAY_SERVER", "127.0.0.1:50051",
           "gRPC target of notification-server, HOST:PORT."},
          {"server-tls-ca", "NOTIFY_GATEWAY_SERVER_TLS_CA", "",
           "PEM file of the CAs that signed the server's certificate: given, the gateway speaks "
           "TLS to --server and checks its certificate; empty: plaintext."},
          {"server-tls-cert", "NOTIFY_GATEWAY_SERVER_TLS_CERT", "",
           "PEM file of the client certificate the gateway shows the server (mutual TLS)."},
          {"server-tls-key", "NOTIFY_GATEWAY_SERVER_TLS_KEY", "",
           "PEM file of the private key of --server-tls-cert."},
          {"server-tls-name", "NOTIFY_GATEWAY_SERVER_TLS_NAME", "",
           "The name the server's certificate must carry, when not --server's host."},
          {"threads", "NOTIFY_GATEWAY_THREADS", "2", "Threads serving HTTP (1-256)."},
          {"webhook-queue", "NOTIFY_GATEWAY_WEBHOOK_QUEUE", "10000",
           "Most webhooks waiting for a call to the server; more are answered 503 with "
           "Retry-After (1-1000000)."},
          {"webhook-queue-bytes", "NOTIFY_GATEWAY_WEBHOOK_QUEUE_BYTES", "67108864",
           "Most bytes of webhooks waiting for a call to the server; past them, 503 (1 MiB-4 "
           "GiB)."},
          {"body-limit", "NOTIFY_GATEWAY_BODY_LIMIT", "1048576",
           "Largest request body in bytes; larger ones get 413."},
          {"idle-timeout", "NOTIFY_GATEWAY_IDLE_TIMEOUT", "60s",
           "An idle keep-alive connection is closed after this long."},
          {"call-timeout", "NOTIFY_GATEWAY_CALL_TIMEOUT", "4s",
           "Deadline of each gRPC call to the server (the platform waits 5 s for webhooks)."},
          {"lifecycle-timeout", "NOTIFY_GATEWAY_LIFECYCLE_TIMEOUT", "9s",
           "Deadline of activate, deactivate and rotate (the platform gives up after 10 s)."},
          {"api-prefix", "NOTIFY_GATEWAY_API_PREFIX", "/api/",
           "Path under which the platform's calls arrive (activate/, webhook/, ...)."},
          {"public-url", "NOTIFY_GATEWAY_PUBLIC_URL", "",
           "Scheme and host of the gateway as clients reach it, such as "
           "https://notify.example.com, "
           "for the absolute URLs of list pages; empty: the request's Host (and "
           "X-Forwarded-Proto/-Host)."},
          {"cors-origins", "NOTIFY_GATEWAY_CORS_ORIGINS", "",
           "Browser origins allowed to call the REST face, comma-separated "
           "(https://dashboard.example.com); * allows any; empty: none."},
          {"shutdown-timeout", "NOTIFY_GATEWAY_SHUTDOWN_TIMEOUT", "10s",
           "On SIGTERM or SIGINT, how long requests in flight may take to finish."},
          {"log-level", "NOTIFY_LOG_LEVEL", "info",
           "Least severe log level written: debug, info, warn, error."},
      });
}

absl::StatusOr<GatewayConfig> GatewayConfigFromSettings(const Settings& settings) {
  GatewayConfig config;
  NOTIFY_ASSIGN_OR_RETURN(config.listen, settings.GetHostPort("listen"));
  NOTIFY_ASSIGN_OR_RETURN(config.server, settings.GetHostPort("server"));
  NOTIFY_ASSIGN_OR_RETURN(config.server_tls.ca, settings.GetPemContents("server-tls-ca"));
  NOTIFY_ASSIGN_OR_RETURN(config.server_tls.cert_chain, settings.GetPemContents("server-tls-cert"));
  NOTIFY_ASSIGN_OR_RETURN(config.server_tls.private_key, settings.GetPemContents("server-tls-key"));
  config.server_tls.name = settings.Get("server-tls-name");
  if (config.server_tls.cert_chain.empty() != config.server_tls.private_key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(settings.Describe("server-tls-cert"), " and ",
                                                   settings.Describe("server-tls-key"),
                                                   " go together: give both or neither"));
  }
  if (config.server_tls.ca.empty() &&
      (!config.server_tls.cert_chain.empty() || !config.server_tls.name.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat(settings.Describe("server-tls-ca"),
                     " is needed to speak TLS to the server (--server-tls-cert and "
                     "--server-tls-name go with it)"));
  }
  NOTIFY_ASSIGN_OR_RETURN(int64_t threads, settings.GetInt("threads", 1, 256));
  config.threads = static_cast<int>(threads);
  NOTIFY_ASSIGN_OR_RETURN(int64_t queue, settings.GetInt("webhook-queue", 1, 1000000));
  config.webhook_queue = static_cast<size_t>(queue);
  NOTIFY_ASSIGN_OR_RETURN(int64_t queue_bytes,
                          settings.GetInt("webhook-queue-bytes", 1 << 20, int64_t{4} << 30));
  config.webhook_queue_bytes = static_cast<size_t>(queue_bytes);
  NOTIFY_ASSIGN_OR_RETURN(int64_t body_limit, settings.GetInt("body-limit", 1024, 64 << 20));
  config.body_limit = static_cast<size_t>(body_limit);
  NOTIFY_ASSIGN_OR_RETURN(config.idle_timeout,
                          settings.GetDuration("idle-timeout", absl::Seconds(1)));
  NOTIFY_ASSIGN_OR_RETURN(config.call_timeout,
                          settings.GetDuration("call-timeout", absl::Milliseconds(10)));
  NOTIFY_ASSIGN_OR_RETURN(config.lifecycle_timeout,
                          settings.GetDuration("lifecycle-timeout", absl::Milliseconds(10)));
  config.api_prefix = settings.Get("api-prefix");
  if (!absl::StartsWith(config.api_prefix, "/") || !absl::EndsWith(config.api_prefix, "/")) {
    return absl::InvalidArgumentError(absl::StrCat(
        settings.Describe("api-prefix"), " must start and end with a slash, such as /api/"));
  }
  config.public_url = settings.Get("public-url");
  if (!config.public_url.empty() && !absl::StartsWith(config.public_url, "http://") &&
      !absl::StartsWith(config.public_url, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat(settings.Describe("public-url"), " must be an http:// or https:// URL"));
  }
  for (absl::string_view origin :
       absl::StrSplit(settings.Get("cors-origins"), ',', absl::SkipWhitespace())) {
    origin = absl::StripAsciiWhitespace(origin);
    if (origin != "*" && !absl::StartsWith(origin, "http://") &&
        !absl::StartsWith(origin, "https://")) {
      return absl::InvalidArgumentError(
          absl::StrCat(settings.Describe("cors-origins"), ": \"", origin,
                       "\" is not an origin such as https://dashboard.example.com (or *)"));
    }
    config.cors_origins.emplace_back(origin);
  }
  NOTIFY_ASSIGN_OR_RETURN(config.shutdown_timeout,
                          settings.GetDuration("shutdown-timeout", absl::ZeroDuration()));
  NOTIFY_ASSIGN_OR_RETURN(config.log_level, settings.GetLogLevel("log-level"));
  return config;
}

}  // namespace notify::gateway
