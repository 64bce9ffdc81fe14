#include "tests/fakes/fake_platform_client.h"

#include <algorithm>

#include "absl/strings/numbers.h"

namespace notify::testing {

void FakePlatformClient::AddCompany(const std::string& id, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  companies_[id] = PlatformCompany{id, name, "test"};
}

void FakePlatformClient::AddUser(const std::string& token, const std::string& id,
                                 const std::string& company, std::vector<std::string> groups) {
  std::lock_guard<std::mutex> lock(mu_);
  PlatformUser user;
  user.id = id;
  user.company = company;
  user.email = id + "@example.com";
  user.groups = std::move(groups);
  users_by_token_[token] = user;
}

void FakePlatformClient::FailAllWith(std::optional<absl::Status> status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_all_ = std::move(status);
}

void FakePlatformClient::FailSubscriptionTo(const std::string& event, absl::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  failing_events_[event] = std::move(status);
}

int FakePlatformClient::authenticate_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return authenticate_calls_;
}

std::vector<FakePlatformClient::Subscription> FakePlatformClient::subscriptions(
    const std::string& company) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Subscription> out;
  for (const auto& [id, s] : subscriptions_) {
    if (s.company == company) out.push_back(s);
  }
  return out;
}

absl::StatusOr<PlatformUser> FakePlatformClient::UserOf(absl::string_view token) {
  if (fail_all_.has_value()) return *fail_all_;
  auto it = users_by_token_.find(std::string(token));
  if (it == users_by_token_.end()) return absl::UnauthenticatedError("Invalid token.");
  return it->second;
}

absl::StatusOr<PlatformUser> FakePlatformClient::Authenticate(absl::string_view token) {
  std::lock_guard<std::mutex> lock(mu_);
  ++authenticate_calls_;
  return UserOf(token);
}

absl::StatusOr<PlatformCompany> FakePlatformClient::GetCompany(absl::string_view token) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<PlatformUser> user = UserOf(token);
  if (!user.ok()) return user.status();
  if (!user->IsAdmin()) return absl::PermissionDeniedError("not an admin");
  auto it = companies_.find(user->company);
  if (it == companies_.end()) return absl::NotFoundError("no company");
  return it->second;
}

absl::Status FakePlatformClient::CreateWebhook(absl::string_view token, absl::string_view url,
                                               absl::string_view event, absl::string_view secret) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<PlatformUser> user = UserOf(token);
  if (!user.ok()) return user.status();
  if (auto it = failing_events_.find(std::string(event)); it != failing_events_.end()) {
    return it->second;
  }
  for (const auto& [id, s] : subscriptions_) {
    if (s.company == user->company && s.url == url && s.event == event) return absl::OkStatus();
  }
  subscriptions_[next_subscription_++] =
      Subscription{user->company, std::string(url), std::string(event), std::string(secret)};
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PlatformWebhook>> FakePlatformClient::ListWebhooks(
    absl::string_view token, absl::string_view url) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<PlatformUser> user = UserOf(token);
  if (!user.ok()) return user.status();
  std::vector<PlatformWebhook> out;
  for (const auto& [id, s] : subscriptions_) {
    if (s.company == user->company && s.url == url) {
      out.push_back(PlatformWebhook{std::to_string(id), s.url, s.event});
    }
  }
  return out;
}

absl::Status FakePlatformClient::DeleteWebhook(absl::string_view token, absl::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<PlatformUser> user = UserOf(token);
  if (!user.ok()) return user.status();
  int number = 0;
  if (!absl::SimpleAtoi(id, &number)) return absl::NotFoundError("no webhook");
  auto it = subscriptions_.find(number);
  if (it == subscriptions_.end() || it->second.company != user->company) {
    return absl::NotFoundError("no webhook");
  }
  subscriptions_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<PlatformUser> FakePlatformClient::GetUser(absl::string_view token,
                                                         absl::string_view user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<PlatformUser> caller = UserOf(token);
  if (!caller.ok()) return caller.status();
  for (const auto& [t, user] : users_by_token_) {
    if (user.id == user_id && user.company == caller->company) return user;
  }
  return absl::NotFoundError("no user");
}

absl::StatusOr<std::vector<PlatformUser>> FakePlatformClient::ListGroupUsers(
    absl::string_view token, absl::string_view group, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<PlatformUser> caller = UserOf(token);
  if (!caller.ok()) return caller.status();
  std::vector<PlatformUser> users;
  for (const auto& [t, user] : users_by_token_) {
    if (user.company != caller->company) continue;
    for (const std::string& g : user.groups) {
      if (g == group) users.push_back(user);
    }
  }
  if (static_cast<int>(users.size()) > limit) return absl::InvalidArgumentError("too many users");
  return users;
}

}  // namespace notify::testing
