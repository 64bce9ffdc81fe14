#include "server/auth/platform_client.h"

#include <algorithm>

namespace notify {
namespace {

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

}  // namespace

bool PlatformUser::IsAdmin() const {
  return std::any_of(groups.begin(), groups.end(),
                     [](const std::string& g) { return g == "admin" || g == "service"; });
}

absl::StatusOr<PlatformUser> ParsePlatformUser(const nlohmann::json& data) {
  if (!data.is_object() || StringField(data, "id").empty()) {
    return absl::InvalidArgumentError("the platform's user has no id");
  }
  PlatformUser user;
  user.id = StringField(data, "id");
  user.company = StringField(data, "company");
  // Some platform answers nest the company as an object.
  if (auto it = data.find("company"); it != data.end() && it->is_object()) {
    user.company = StringField(*it, "id");
  }
  user.email = StringField(data, "email");
  user.mobile = StringField(data, "mobile");
  user.first_name = StringField(data, "first_name");
  user.last_name = StringField(data, "last_name");
  user.username = StringField(data, "username");
  if (auto it = data.find("groups"); it != data.end() && it->is_array()) {
    for (const auto& group : *it) {
      if (group.is_string()) {
        user.groups.push_back(group.get<std::string>());
      } else if (group.is_object()) {
        user.groups.push_back(StringField(group, "name"));
      }
    }
  }
  user.raw = data;
  return user;
}

nlohmann::json PlatformUserJson(const PlatformUser& user) {
  nlohmann::json record = user.raw.is_object() ? user.raw : nlohmann::json::object();
  record["id"] = user.id;
  record["email"] = user.email;
  record["mobile"] = user.mobile;
  return record;
}

}  // namespace notify
