// notification-server: flags → config → wire everything → serve until SIGTERM or SIGINT.
#include <cstdio>
#include <string>
#include <variant>

#include "absl/time/time.h"
#include "server/app/app.h"
#include "server/app/config.h"
#include "server/common/log.h"
#include "server/common/runtime.h"
#include "server/common/settings.h"
#include "server/common/signals.h"

int main(int argc, char** argv) {
  notify::TuneProcess();
  notify::BlockTerminationSignals();
  notify::log::SetService("notification-server");
  notify::log::CaptureGrpcLogs();

  std::variant<notify::ServerConfig, int> loaded = notify::LoadConfig(
      notify::ServerSettingsParser(), argc, argv, &notify::ServerConfigFromSettings);
  if (const int* exit_code = std::get_if<int>(&loaded)) return *exit_code;
  const notify::ServerConfig* config = &std::get<notify::ServerConfig>(loaded);
  notify::log::SetLevel(config->log_level);
  notify::log::Info("starting", {{"version", NOTIFY_VERSION},
                                 {"database", notify::RedactUrl(config->database_url)},
                                 {"platform_url", config->platform_url},
                                 {"public_url", config->public_url}});

  notify::App app(*config);
  const auto sleep = [](absl::Duration d) {
    return !notify::WaitForTerminationSignal(d).has_value();
  };
  if (absl::Status s = notify::MigrateWithRetry(app.pool(), config->db_retry_max_delay, sleep);
      !s.ok()) {
    if (absl::IsCancelled(s)) {
      notify::log::Info("stopped before the database became available");
      return 0;
    }
    notify::log::Error("cannot prepare the database", {{"error", std::string(s.message())}});
    return 1;
  }
  if (config->migrate_only) return 0;

  if (absl::Status s = app.Start(); !s.ok()) {
    notify::log::Error("cannot start", {{"error", std::string(s.message())}});
    return 1;
  }
  notify::log::Info("listening", {{"address", app.address()},
                                  {"protocol", "grpc"},
                                  {"tls", config->tls.cert_chain.empty()  ? "off"
                                          : config->tls.client_ca.empty() ? "on"
                                                                          : "mutual"},
                                  {"reflection", config->reflection},
                                  {"metrics", app.metrics_address()}});

  std::optional<int> signal;
  while (!(signal = notify::WaitForTerminationSignal(absl::Hours(24))).has_value()) {
  }
  notify::log::Info(
      "shutting down",
      {{"signal", *signal}, {"timeout_ms", absl::ToInt64Milliseconds(config->shutdown_timeout)}});
  app.Shutdown(config->shutdown_timeout);
  notify::log::Info("stopped");
  return 0;
}
