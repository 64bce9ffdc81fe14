// Settings from command-line flags with environment-variable twins.
//
// Every setting is a flag (`--database-url=...` or `--database-url ...`) with a twin in the
// environment (`NOTIFY_DATABASE_URL`). A flag wins over its twin; the twin wins over the default.
// Parsing is a pure function of the arguments and an environment lookup, so it can be tested
// without touching the process.
//
// Why not absl flags (which the benchmarks' load generators use): their flags are process-wide
// globals, defined at link time, so the unit tests (which link the server's and the gateway's
// settings together and parse many sets of them, in parallel) could neither keep the two apart nor
// parse without touching the process; and the twins, the settings that must never be flags (the
// secret key, passwords: other users can read flags with ps), and errors that name the flag with
// its twin would be a layer as large as this one on top.
#ifndef NOTIFY_SERVER_COMMON_SETTINGS_H_
#define NOTIFY_SERVER_COMMON_SETTINGS_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/log.h"

namespace notify {

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(absl::string_view name)>;

// The process's real environment.
EnvLookup ProcessEnv();

// One setting a program accepts.
struct SettingSpec {
  std::string flag;           // Without the dashes: "database-url".
  std::string env;            // Its twin: "NOTIFY_DATABASE_URL".
  std::string default_value;  // Used when neither the flag nor the twin is given.
  std::string help;           // One line for --help and the README.
  bool is_switch = false;     // A boolean that may be given as a bare `--flag`.
  bool secret = false;        // Never printed back (its value is redacted in errors).
  bool env_only = false;      // Only from the environment: a flag would show the value in `ps`.
};

// Where a value came from.
enum class SettingSource { kDefault, kEnvironment, kFlag };

// The parsed values, with typed accessors that validate and name the setting in their errors.
class Settings {
 public:
  // The raw value of a known setting. Asking for an unknown flag is a programming error and returns
  // "".
  const std::string& Get(absl::string_view flag) const;
  SettingSource Source(absl::string_view flag) const;

  // A non-empty value, or an error that names the flag and its twin.
  absl::StatusOr<std::string> GetRequired(absl::string_view flag) const;
  // An integer in [min, max].
  absl::StatusOr<int64_t> GetInt(absl::string_view flag, int64_t min, int64_t max) const;
  // true/false, 1/0, yes/no, on/off (case-insensitive).
  absl::StatusOr<bool> GetBool(absl::string_view flag) const;
  // The contents of the file the setting names ("" when it names none); an error that names the
  // setting and the path when it cannot be read or is empty.
  absl::StatusOr<std::string> GetFileContents(absl::string_view flag) const;
  // The same for a PEM file (certificates, keys): also an error when it holds no PEM block.
  absl::StatusOr<std::string> GetPemContents(absl::string_view flag) const;
  // A duration such as "10s", "500ms" or "2m", at least `min`.
  absl::StatusOr<absl::Duration> GetDuration(absl::string_view flag, absl::Duration min) const;

  // A listen address or gRPC target, HOST:PORT with a port from 0 to 65535 (IPv6 hosts in
  // brackets).
  absl::StatusOr<std::string> GetHostPort(absl::string_view flag) const;
  // An http:// or https:// URL, or "" when `optional` and unset.
  absl::StatusOr<std::string> GetHttpUrl(absl::string_view flag, bool optional) const;

  // A log level name (see log::ParseLevel).
  absl::StatusOr<log::Level> GetLogLevel(absl::string_view flag) const;

  // "--flag (ENV)", for messages.
  std::string Describe(absl::string_view flag) const;

  bool help_requested() const { return help_requested_; }
  bool version_requested() const { return version_requested_; }

 private:
  friend class SettingsParser;
  struct Entry {
    SettingSpec spec;
    std::string value;
    SettingSource source;
  };
  absl::Status Invalid(absl::string_view flag, absl::string_view expectation) const;

  std::map<std::string, Entry, std::less<>> entries_;
  bool help_requested_ = false;
  bool version_requested_ = false;
};

// Parses a program's arguments against its settings.
class SettingsParser {
 public:
  SettingsParser(std::string program, std::string summary, std::vector<SettingSpec> specs);

  // `args` excludes the program name. Unknown flags, missing values and positional arguments are
  // InvalidArgument with a message that says what to do.
  absl::StatusOr<Settings> Parse(const std::vector<std::string>& args, const EnvLookup& env) const;

  // The --help text: a usage line, the summary, and one entry per setting with its twin and
  // default.
  std::string Usage() const;

  const std::vector<SettingSpec>& specs() const { return specs_; }
  const std::string& program() const { return program_; }

 private:
  const SettingSpec* Find(absl::string_view flag) const;

  std::string program_;
  std::string summary_;
  std::vector<SettingSpec> specs_;
};

// Returns `url` with any password replaced by "***", for logs and messages.
std::string RedactUrl(absl::string_view url);

// Converts argv into a vector, dropping the program name.
std::vector<std::string> ArgsFromArgv(int argc, char** argv);

// What main() does with its arguments: parses them and the environment with `parser`, then
// validates them with `validate`. Returns the config to run with, or the exit code to leave with: 0
// after printing
// --help or --version, 2 after logging what is wrong with the settings.
template <typename Config>
std::variant<Config, int> LoadConfig(const SettingsParser& parser, int argc, char** argv,
                                     absl::StatusOr<Config> (*validate)(const Settings&)) {
  absl::StatusOr<Settings> settings = parser.Parse(ArgsFromArgv(argc, argv), ProcessEnv());
  if (settings.ok() && settings->help_requested()) {
    std::fputs(parser.Usage().c_str(), stdout);
    return 0;
  }
  if (settings.ok() && settings->version_requested()) {
    std::printf("%s %s\n", parser.program().c_str(), NOTIFY_VERSION);
    return 0;
  }
  absl::StatusOr<Config> config = settings.ok() ? validate(*settings) : settings.status();
  if (!config.ok()) {
    log::Error("invalid configuration", {{"error", std::string(config.status().message())}});
    return 2;
  }
  return *std::move(config);
}

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_SETTINGS_H_
