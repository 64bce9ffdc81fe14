// Structured logging: one JSON object a line on stderr, with time, level, message and fields.
//
// Thread-safe. Never pass tokens, secrets, message bodies or phone numbers as fields at info level.
#ifndef NOTIFY_SERVER_COMMON_LOG_H_
#define NOTIFY_SERVER_COMMON_LOG_H_

#include <functional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace notify::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn" (or "warning") and "error"; anything else is InvalidArgument.
absl::StatusOr<Level> ParseLevel(absl::string_view text);
absl::string_view LevelName(Level level);

// Lines below this level are dropped. Default: info.
void SetLevel(Level level);
Level GetLevel();
bool Enabled(Level level);

// Where finished lines go (without the newline). Default: stderr. Tests install their own.
using Sink = std::function<void(absl::string_view line)>;
void SetSink(Sink sink);

// The process's name, written into every line as "service" (e.g. "notification-server").
void SetService(std::string service);

// Writes one line. `fields` must be a JSON object (or null); its keys follow time, level and msg.
void Write(Level level, absl::string_view msg, const nlohmann::json& fields = nullptr);

inline void Debug(absl::string_view msg, const nlohmann::json& fields = nullptr) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, msg, fields);
}
inline void Info(absl::string_view msg, const nlohmann::json& fields = nullptr) {
  Write(Level::kInfo, msg, fields);
}
inline void Warn(absl::string_view msg, const nlohmann::json& fields = nullptr) {
  Write(Level::kWarn, msg, fields);
}
inline void Error(absl::string_view msg, const nlohmann::json& fields = nullptr) {
  Write(Level::kError, msg, fields);
}

// Sends gRPC's own log lines through Write, so that every line the process writes is JSON.
void CaptureGrpcLogs();

}  // namespace notify::log

#endif  // NOTIFY_SERVER_COMMON_LOG_H_
