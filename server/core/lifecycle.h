// The extension's lifecycle on the platform: activate, deactivate, rotate (the platform's calls to
// activate/, deactivate/ and rotate/).
#ifndef NOTIFY_SERVER_CORE_LIFECYCLE_H_
#define NOTIFY_SERVER_CORE_LIFECYCLE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/auth/platform_client.h"
#include "server/auth/token_cache.h"
#include "server/common/crypto.h"
#include "server/store/company_directory.h"
#include "server/store/company_store.h"

namespace notify {

// Every event name the platform sends; the extension subscribes to these by default.
const std::vector<std::string>& PlatformEventNames();

// Errors of every method: InvalidArgument with field "token" (reason TOKEN_INVALID: the platform
// rejects the token; ADMIN_REQUIRED: its user is neither admin nor service), ResourceExhausted (the
// platform's 429), Unavailable (the platform or the database cannot be reached). Thread-safe.
class Lifecycle {
 public:
  struct Options {
    // The base URL under which the platform reaches the gateway; events go to public_url +
    // "webhook/".
    std::string public_url;
    // The events to subscribe to.
    std::vector<std::string> events = PlatformEventNames();
    // Subscriptions made at once.
    int concurrency = 8;
  };

  Lifecycle(Options options, PlatformClient* platform, CompanyStore* store, const SecretBox* box,
            TokenCache* tokens, CompanyDirectory* directory);

  // Checks the token, reads the company from the platform, stores it (a new company gets a fresh
  // webhook secret; a known one keeps its secret and data), subscribes to every event with that
  // secret, and only then marks it active with the token. Idempotent. A failed subscription fails
  // the activation and leaves the company as it was. FailedPrecondition when the server has no
  // public URL.
  absl::StatusOr<CompanyRecord> Activate(absl::string_view token);

  // Checks the token, removes the extension's subscriptions (best effort), and marks the company
  // inactive and forgets its token, or with `purge` deletes every row of it. InvalidArgument (field
  // "token") for a company never activated here.
  absl::Status Deactivate(absl::string_view token, bool purge);

  // Checks the new token and replaces the stored one. InvalidArgument for an unknown company.
  absl::Status Rotate(absl::string_view token);

  // Where the platform sends this extension's events.
  std::string WebhookUrl() const { return options_.public_url + "webhook/"; }

 private:
  // The token's admin user. Errors as described above.
  absl::StatusOr<PlatformUser> CheckAdminToken(absl::string_view token);
  absl::Status SubscribeAll(absl::string_view token, absl::string_view secret);

  const Options options_;
  PlatformClient* const platform_;
  CompanyStore* const store_;
  const SecretBox* const box_;
  TokenCache* const tokens_;
  CompanyDirectory* const directory_;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_CORE_LIFECYCLE_H_
