// A PlatformClient for service tests: users, companies and tokens in memory, failures on demand,
// and a count of every call.
#ifndef NOTIFY_TESTS_FAKES_FAKE_PLATFORM_CLIENT_H_
#define NOTIFY_TESTS_FAKES_FAKE_PLATFORM_CLIENT_H_

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "server/auth/platform_client.h"

namespace notify::testing {

class FakePlatformClient final : public PlatformClient {
 public:
  struct Subscription {
    std::string company;
    std::string url;
    std::string event;
    std::string secret;
  };

  // Adds a company and a user of it with the given token and groups.
  void AddCompany(const std::string& id, const std::string& name);
  void AddUser(const std::string& token, const std::string& id, const std::string& company,
               std::vector<std::string> groups);

  // Every call fails with `status` while it is set (e.g. Unavailable, ResourceExhausted).
  void FailAllWith(std::optional<absl::Status> status);
  // CreateWebhook fails with `status` for `event`.
  void FailSubscriptionTo(const std::string& event, absl::Status status);

  int authenticate_calls() const;
  std::vector<Subscription> subscriptions(const std::string& company) const;

  absl::StatusOr<PlatformUser> Authenticate(absl::string_view token) override;
  absl::StatusOr<PlatformCompany> GetCompany(absl::string_view token) override;
  absl::Status CreateWebhook(absl::string_view token, absl::string_view url,
                             absl::string_view event, absl::string_view secret) override;
  absl::StatusOr<std::vector<PlatformWebhook>> ListWebhooks(absl::string_view token,
                                                            absl::string_view url) override;
  absl::Status DeleteWebhook(absl::string_view token, absl::string_view id) override;
  absl::StatusOr<PlatformUser> GetUser(absl::string_view token, absl::string_view user_id) override;
  absl::StatusOr<std::vector<PlatformUser>> ListGroupUsers(absl::string_view token,
                                                           absl::string_view group,
                                                           int limit) override;

 private:
  absl::StatusOr<PlatformUser> UserOf(absl::string_view token);  // Called with mu_ held.

  mutable std::mutex mu_;
  std::map<std::string, PlatformCompany> companies_;
  std::map<std::string, PlatformUser> users_by_token_;
  std::optional<absl::Status> fail_all_;
  std::map<std::string, absl::Status> failing_events_;
  std::map<int, Subscription> subscriptions_;
  int next_subscription_ = 1;
  int authenticate_calls_ = 0;
};

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_FAKES_FAKE_PLATFORM_CLIENT_H_
