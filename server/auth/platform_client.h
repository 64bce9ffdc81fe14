// What the server asks of the Rehive platform (CONTRACT section 2 of the platform's extension API).
#ifndef NOTIFY_SERVER_AUTH_PLATFORM_CLIENT_H_
#define NOTIFY_SERVER_AUTH_PLATFORM_CLIENT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "server/common/status.h"

namespace notify {

// A platform user, as /3/auth/ or /3/admin/users/{id}/ describe them.
struct PlatformUser {
  std::string id;
  std::string company;  // The company's slug.
  std::string email;
  std::string mobile;
  std::string first_name;
  std::string last_name;
  std::string username;
  std::vector<std::string> groups;  // Group names, such as "admin", "service", "user".
  nlohmann::json raw;               // Everything the platform said, for templates.

  // Whether the user may make admin calls: in the `admin` or `service` group.
  bool IsAdmin() const;
};

struct PlatformCompany {
  std::string id;  // The slug, such as "acme".
  std::string name;
  std::string mode;  // "test" or "production".
};

struct PlatformWebhook {
  std::string id;
  std::string url;
  std::string event;
};

// The platform's API. Errors: Unauthenticated (401: the token is invalid or expired),
// PermissionDenied (403), ResourceExhausted (429; RetryAfterOf() gives the wait), NotFound (404),
// Unavailable (no answer, a timeout, 5xx or anything unexpected). Implementations are thread-safe.
class PlatformClient {
 public:
  virtual ~PlatformClient() = default;

  // GET /3/auth/: who the token belongs to.
  virtual absl::StatusOr<PlatformUser> Authenticate(absl::string_view token) = 0;
  // GET /3/admin/company/: the token's company (admin or service token).
  virtual absl::StatusOr<PlatformCompany> GetCompany(absl::string_view token) = 0;
  // POST /3/admin/webhooks/: subscribes `url` to `event` with `secret`. A subscription that already
  // exists is a success.
  virtual absl::Status CreateWebhook(absl::string_view token, absl::string_view url,
                                     absl::string_view event, absl::string_view secret) = 0;
  // GET /3/admin/webhooks/?url=: the token company's subscriptions to `url`.
  virtual absl::StatusOr<std::vector<PlatformWebhook>> ListWebhooks(absl::string_view token,
                                                                    absl::string_view url) = 0;
  // DELETE /3/admin/webhooks/{id}/.
  virtual absl::Status DeleteWebhook(absl::string_view token, absl::string_view id) = 0;
  // GET /3/admin/users/{id}/: a user of the token's company.
  virtual absl::StatusOr<PlatformUser> GetUser(absl::string_view token,
                                               absl::string_view user_id) = 0;
  // GET /3/admin/users/?group=: the token company's users in `group`, at most `limit` (more is
  // an error: InvalidArgument).
  virtual absl::StatusOr<std::vector<PlatformUser>> ListGroupUsers(absl::string_view token,
                                                                   absl::string_view group,
                                                                   int limit) = 0;
};

// The user as templates see it: everything the platform said, with id, email and mobile as parsed.
nlohmann::json PlatformUserJson(const PlatformUser& user);

// Reads a PlatformUser from the `data` of a platform answer. InvalidArgument when `id` is missing.
absl::StatusOr<PlatformUser> ParsePlatformUser(const nlohmann::json& data);

}  // namespace notify

#endif  // NOTIFY_SERVER_AUTH_PLATFORM_CLIENT_H_
