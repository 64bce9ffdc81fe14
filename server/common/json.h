// Reading JSON that comes from outside (providers, the platform, stored settings) whose shape is
// not trusted.
#ifndef NOTIFY_SERVER_COMMON_JSON_H_
#define NOTIFY_SERVER_COMMON_JSON_H_

#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace notify {

// The string member `key` of `object`; "" when `object` is not an object, or the member is absent
// or not a string (a number is not turned into text).
inline std::string StringField(const nlohmann::json& object, absl::string_view key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_JSON_H_
