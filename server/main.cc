// notification-server: flags → config → wire everything → serve until SIGTERM or SIGINT.
#include <cstdio>
#include <string>

#include "absl/time/time.h"
#include "server/app/app.h"
#include "server/app/config.h"
#include "server/common/log.h"
#include "server/common/settings.h"
#include "server/common/signals.h"

int main(int argc, char** argv) {
  notify::BlockTerminationSignals();
  notify::log::SetService("notification-server");
  notify::log::CaptureGrpcLogs();

  const notify::SettingsParser parser = notify::ServerSettingsParser();
  absl::StatusOr<notify::Settings> settings =
      parser.Parse(notify::ArgsFromArgv(argc, argv), notify::ProcessEnv());
  if (settings.ok() && settings->help_requested()) {
    std::fputs(parser.Usage().c_str(), stdout);
    return 0;
  }
  if (settings.ok() && settings->version_requested()) {
    std::puts("notification-server " NOTIFY_VERSION);
    return 0;
  }
  absl::StatusOr<notify::ServerConfig> config =
      settings.ok() ? notify::ServerConfigFromSettings(*settings)
                    : absl::StatusOr<notify::ServerConfig>(settings.status());
  if (!config.ok()) {
    notify::log::Error("invalid configuration",
                       {{"error", std::string(config.status().message())}});
    return 2;
  }
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
  notify::log::Info("listening", {{"address", app.address()}, {"protocol", "grpc"}});

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
