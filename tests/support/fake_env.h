// An environment for settings tests: a fixed map instead of the process's variables.
#ifndef NOTIFY_TESTS_SUPPORT_FAKE_ENV_H_
#define NOTIFY_TESTS_SUPPORT_FAKE_ENV_H_

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "server/common/settings.h"

namespace notify::testing {

inline EnvLookup FakeEnv(std::map<std::string, std::string> values) {
  return [values = std::move(values)](absl::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_SUPPORT_FAKE_ENV_H_
