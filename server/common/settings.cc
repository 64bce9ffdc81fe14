#include "server/common/settings.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace notify {

EnvLookup ProcessEnv() {
  return [](absl::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

const std::string& Settings::Get(absl::string_view flag) const {
  static const std::string* const kEmpty = new std::string();
  auto it = entries_.find(flag);
  return it == entries_.end() ? *kEmpty : it->second.value;
}

SettingSource Settings::Source(absl::string_view flag) const {
  auto it = entries_.find(flag);
  return it == entries_.end() ? SettingSource::kDefault : it->second.source;
}

std::string Settings::Describe(absl::string_view flag) const {
  auto it = entries_.find(flag);
  if (it == entries_.end() || it->second.spec.env.empty()) return absl::StrCat("--", flag);
  return absl::StrCat("--", flag, " (", it->second.spec.env, ")");
}

absl::Status Settings::Invalid(absl::string_view flag, absl::string_view expectation) const {
  auto it = entries_.find(flag);
  const bool secret = it != entries_.end() && it->second.spec.secret;
  return absl::InvalidArgumentError(
      secret ? absl::StrCat(Describe(flag), " ", expectation)
             : absl::StrCat(Describe(flag), " ", expectation, ", got \"", Get(flag), "\""));
}

absl::StatusOr<std::string> Settings::GetRequired(absl::string_view flag) const {
  const std::string& value = Get(flag);
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(Describe(flag), " is required"));
  }
  return value;
}

absl::StatusOr<int64_t> Settings::GetInt(absl::string_view flag, int64_t min, int64_t max) const {
  int64_t value = 0;
  if (!absl::SimpleAtoi(Get(flag), &value) || value < min || value > max) {
    return Invalid(flag, absl::StrFormat("must be a whole number from %d to %d", min, max));
  }
  return value;
}

absl::StatusOr<bool> Settings::GetBool(absl::string_view flag) const {
  const std::string value = absl::AsciiStrToLower(Get(flag));
  if (value == "true" || value == "1" || value == "yes" || value == "on") return true;
  if (value == "false" || value == "0" || value == "no" || value == "off") return false;
  return Invalid(flag, "must be true or false");
}

absl::StatusOr<std::string> Settings::GetFileContents(absl::string_view flag) const {
  const std::string& path = Get(flag);
  if (path.empty()) return std::string();
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open() || std::filesystem::is_directory(path)) {
    return Invalid(flag, absl::StrCat("names a file that cannot be read: \"", path, "\""));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().empty()) return Invalid(flag, absl::StrCat("names an empty file: \"", path, "\""));
  return text.str();
}

absl::StatusOr<std::string> Settings::GetPemContents(absl::string_view flag) const {
  absl::StatusOr<std::string> text = GetFileContents(flag);
  if (text.ok() && !text->empty() && !absl::StrContains(*text, "-----BEGIN ")) {
    return Invalid(flag, absl::StrCat("names a file that is not PEM (no \"-----BEGIN\" line): \"",
                                      Get(flag), "\""));
  }
  return text;
}

absl::StatusOr<absl::Duration> Settings::GetDuration(absl::string_view flag,
                                                     absl::Duration min) const {
  absl::Duration value;
  if (!absl::ParseDuration(Get(flag), &value) || value < min) {
    return Invalid(flag, absl::StrCat("must be a duration of at least ", absl::FormatDuration(min),
                                      " such as 10s, 500ms or 2m"));
  }
  return value;
}

absl::StatusOr<std::string> Settings::GetHostPort(absl::string_view flag) const {
  const std::string& value = Get(flag);
  const size_t colon = value.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(value).substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return Invalid(flag, "must be HOST:PORT with a port from 0 to 65535, such as 127.0.0.1:8080");
  }
  const absl::string_view host = absl::string_view(value).substr(0, colon);
  if (host.front() == '[' && host.back() != ']') {
    return Invalid(flag, "must put an IPv6 host in brackets, such as [::1]:8080");
  }
  return value;
}

absl::StatusOr<std::string> Settings::GetHttpUrl(absl::string_view flag, bool optional) const {
  const std::string& value = Get(flag);
  if (value.empty() && optional) return value;
  const bool http = absl::StartsWith(value, "http://") && value.size() > 7;
  const bool https = absl::StartsWith(value, "https://") && value.size() > 8;
  if (!http && !https) return Invalid(flag, "must be an http:// or https:// URL");
  return value;
}

absl::StatusOr<log::Level> Settings::GetLogLevel(absl::string_view flag) const {
  absl::StatusOr<log::Level> level = log::ParseLevel(Get(flag));
  if (!level.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(Describe(flag), ": ", level.status().message()));
  }
  return level;
}

SettingsParser::SettingsParser(std::string program, std::string summary,
                               std::vector<SettingSpec> specs)
    : program_(std::move(program)), summary_(std::move(summary)), specs_(std::move(specs)) {}

const SettingSpec* SettingsParser::Find(absl::string_view flag) const {
  for (const SettingSpec& spec : specs_) {
    if (spec.flag == flag) return &spec;
  }
  return nullptr;
}

absl::StatusOr<Settings> SettingsParser::Parse(const std::vector<std::string>& args,
                                               const EnvLookup& env) const {
  Settings settings;
  for (const SettingSpec& spec : specs_) {
    Settings::Entry entry{spec, spec.default_value, SettingSource::kDefault};
    if (!spec.env.empty()) {
      if (std::optional<std::string> value = env(spec.env); value.has_value()) {
        entry.value = *value;
        entry.source = SettingSource::kEnvironment;
      }
    }
    settings.entries_.emplace(spec.flag, std::move(entry));
  }

  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      settings.help_requested_ = true;
      continue;
    }
    if (arg == "--version") {
      settings.version_requested_ = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--") || arg.size() == 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument \"", arg,
                       "\"; settings are flags such as --listen=HOST:PORT (see --help)"));
    }
    arg.remove_prefix(2);
    absl::string_view name = arg;
    std::optional<std::string> value;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    }
    const SettingSpec* spec = Find(name);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, "; run ", program_, " --help for the list"));
    }
    if (spec->env_only) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " cannot be a flag (other users can read flags with ps); set ",
                       spec->env, " in the environment"));
    }
    if (!value.has_value()) {
      if (spec->is_switch) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
    }
    Settings::Entry& entry = settings.entries_.find(name)->second;
    entry.value = std::move(*value);
    entry.source = SettingSource::kFlag;
  }
  return settings;
}

std::string SettingsParser::Usage() const {
  std::string out = absl::StrCat("Usage: ", program_, " [flags]\n\n", summary_, "\n\nFlags:\n");
  for (const SettingSpec& spec : specs_) {
    absl::StrAppend(
        &out, "  --", spec.flag, spec.is_switch ? "" : "=VALUE", "\n      ", spec.help,
        "\n      environment: ", spec.env.empty() ? "(none)" : spec.env,
        spec.default_value.empty() ? "" : absl::StrCat("; default: ", spec.default_value), "\n");
  }
  absl::StrAppend(&out, "  --help\n      Print this text and exit.\n");
  return out;
}

std::string RedactUrl(absl::string_view url) {
  std::string out(url);
  // scheme://user:password@host/... → scheme://user:***@host/...
  if (const size_t scheme = out.find("://"); scheme != std::string::npos) {
    const size_t start = scheme + 3;
    size_t end = out.find_first_of("/?#", start);
    if (end == std::string::npos) end = out.size();
    const size_t at = out.rfind('@', end);
    if (at != std::string::npos && at >= start) {
      const size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // Connection strings and query parameters may carry password=... as well.
  for (size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    const size_t value = pos + 9;
    size_t end = out.find_first_of("& ", value);
    if (end == std::string::npos) end = out.size();
    out.replace(value, end - value, "***");
  }
  return out;
}

std::vector<std::string> ArgsFromArgv(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return args;
}

}  // namespace notify
