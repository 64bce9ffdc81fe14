#include "server/common/log.h"

#include <grpc/support/log.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace notify::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

struct Output {
  std::mutex mu;
  Sink sink ABSL_GUARDED_BY(mu);
  std::string service ABSL_GUARDED_BY(mu);
};

Output& GetOutput() {
  static Output* output = new Output();  // Never destroyed: threads may log during exit.
  return *output;
}

void WriteToStderr(absl::string_view line) {
  std::string buffer(line);
  buffer.push_back('\n');
  std::fwrite(buffer.data(), 1, buffer.size(), stderr);
  std::fflush(stderr);
}

void GrpcLogFunction(gpr_log_func_args* args) {
  Level level = Level::kInfo;
  if (args->severity == GPR_LOG_SEVERITY_ERROR) level = Level::kError;
  if (args->severity == GPR_LOG_SEVERITY_DEBUG) level = Level::kDebug;
  if (!Enabled(level)) return;
  Write(level, args->message != nullptr ? args->message : "",
        {{"component", "grpc"},
         {"source", absl::StrCat(args->file != nullptr ? args->file : "", ":", args->line)}});
}

// `text` as a JSON string: plain printable ASCII as it is, anything else through the JSON library
// (escapes, invalid UTF-8 replaced).
void AppendString(std::string& out, absl::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (plain) {
    out.push_back('"');
    out.append(text.data(), text.size());
    out.push_back('"');
    return;
  }
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// `time` as 2026-11-28T13:35:07.123Z. The part up to the seconds is formatted once a second per
// thread.
void AppendTime(std::string& out, absl::Time time) {
  thread_local int64_t cached_second = -1;
  thread_local std::string cached;
  const int64_t millis = absl::ToUnixMillis(time);
  const int64_t second = millis >= 0 ? millis / 1000 : (millis - 999) / 1000;
  if (second != cached_second) {
    cached =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second), absl::UTCTimeZone());
    cached_second = second;
  }
  const int64_t ms = millis - second * 1000;
  absl::StrAppend(&out, cached, ".", absl::Dec(ms, absl::kZeroPad3), "Z");
}

}  // namespace

absl::StatusOr<Level> ParseLevel(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "debug") return Level::kDebug;
  if (lower == "info") return Level::kInfo;
  if (lower == "warn" || lower == "warning") return Level::kWarn;
  if (lower == "error") return Level::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level \"", text, "\"; use debug, info, warn or error"));
}

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }
Level GetLevel() { return static_cast<Level>(g_level.load()); }
bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

void SetSink(Sink sink) {
  Output& output = GetOutput();
  std::lock_guard<std::mutex> lock(output.mu);
  output.sink = std::move(sink);
}

void SetService(std::string service) {
  Output& output = GetOutput();
  std::lock_guard<std::mutex> lock(output.mu);
  output.service = std::move(service);
}

void Write(Level level, absl::string_view msg, const nlohmann::json& fields) {
  if (!Enabled(level)) return;
  // The line is written out directly (no intermediate object) and outside the lock: a delivery
  // logs a line per attempt. Invalid UTF-8 is replaced instead of throwing: a log line must never
  // take the process down.
  auto append = [](std::string& out, const nlohmann::json& value) {
    if (value.is_string()) {
      AppendString(out, value.get_ref<const std::string&>());
    } else if (value.is_number_unsigned()) {
      absl::StrAppend(&out, value.get<uint64_t>());
    } else if (value.is_number_integer()) {
      absl::StrAppend(&out, value.get<int64_t>());
    } else {
      out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  };
  std::string head;
  head.reserve(96 + msg.size());
  absl::StrAppend(&head, R"({"time":")");
  AppendTime(head, absl::Now());
  absl::StrAppend(&head, R"(","level":")", LevelName(level), R"(","msg":)");
  AppendString(head, msg);
  std::string tail;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      // A field never overwrites (nor repeats) the line's own keys.
      if (key == "time" || key == "level" || key == "msg" || key == "service") continue;
      tail.push_back(',');
      append(tail, key);
      tail.push_back(':');
      append(tail, value);
    }
  }
  tail.push_back('}');
  Output& output = GetOutput();
  std::lock_guard<std::mutex> lock(output.mu);
  std::string text = std::move(head);
  if (!output.service.empty()) {
    text += R"(,"service":)";
    AppendString(text, output.service);
  }
  text += tail;
  if (output.sink) {
    output.sink(text);
  } else {
    WriteToStderr(text);
  }
}

void CaptureGrpcLogs() { gpr_set_log_function(&GrpcLogFunction); }

}  // namespace notify::log
