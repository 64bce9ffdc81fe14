// PlatformClient over HTTP, through the server's HTTP client (server/common/http_client.h).
#ifndef NOTIFY_SERVER_AUTH_HTTP_PLATFORM_CLIENT_H_
#define NOTIFY_SERVER_AUTH_HTTP_PLATFORM_CLIENT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "server/auth/platform_client.h"

namespace notify {

// Talks to the platform at `base_url`. Each operation has a time budget (`timeout`) that covers its
// attempts: connection errors, timeouts and 5xx answers are retried up to `retries` times with
// exponential backoff and jitter while the budget lasts. Connections are kept alive and reused.
// Tokens travel only in the Authorization header and are never logged. Thread-safe.
class HttpPlatformClient final : public PlatformClient {
 public:
  struct Options {
    std::string base_url;  // Without a trailing slash, e.g. https://api.rehive.com
    absl::Duration connect_timeout = absl::Seconds(2);
    absl::Duration timeout = absl::Seconds(5);
    int retries = 2;
    absl::Duration backoff = absl::Milliseconds(100);
  };

  explicit HttpPlatformClient(Options options);
  HttpPlatformClient(const HttpPlatformClient&) = delete;
  HttpPlatformClient& operator=(const HttpPlatformClient&) = delete;

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
  struct Answer {
    long status = 0;
    std::string body;
    std::optional<absl::Duration> retry_after;
  };

  // Sends one request with retries. Unavailable when no answer came within the budget.
  absl::StatusOr<Answer> Send(const std::string& method, const std::string& path,
                              absl::string_view token, const std::string& body);
  // Send, then the answer's `data` on 2xx, or the error its status means.
  absl::StatusOr<nlohmann::json> Call(const std::string& method, const std::string& path,
                                      absl::string_view token, const std::string& body = "");

  const Options options_;
};

// The status a platform answer means (see PlatformClient). `what` names the call in messages.
absl::Status StatusFromPlatformAnswer(long http_status, const std::string& body,
                                      std::optional<absl::Duration> retry_after,
                                      absl::string_view what);

}  // namespace notify

#endif  // NOTIFY_SERVER_AUTH_HTTP_PLATFORM_CLIENT_H_
