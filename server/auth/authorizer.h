// Who is calling, and may they: the checks in front of every AdminService and UserService call.
#ifndef NOTIFY_SERVER_AUTH_AUTHORIZER_H_
#define NOTIFY_SERVER_AUTH_AUTHORIZER_H_

#include <memory>

#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/auth/platform_client.h"
#include "server/auth/token_cache.h"
#include "server/common/clock.h"
#include "server/common/crypto.h"
#include "server/store/company_directory.h"

namespace notify {

// The caller of an authorized call. Every read and write is scoped to `company`.
struct Caller {
  PlatformUser user;
  std::string company;
  bool admin = false;
};

// Checks the `authorization` metadata ("Token <token>") against the platform (through the cache)
// and the company against the directory. Errors: Unauthenticated (no or a malformed header, reason
// UNAUTHENTICATED; a token the platform rejects, TOKEN_INVALID), PermissionDenied (an admin call by
// a user outside the admin and service groups, ADMIN_REQUIRED), FailedPrecondition ("Inactive
// company.", COMPANY_INACTIVE), ResourceExhausted (the platform's 429, with its Retry-After),
// Unavailable (the platform or the database cannot be reached). Thread-safe.
class Authorizer {
 public:
  Authorizer(PlatformClient* platform, TokenCache* cache, CompanyDirectory* directory);

  // For benchmarks only (--bench-no-auth): no platform and no token cache; the token names the
  // company and the caller is its admin. The company must still be active.
  void DisableTokenChecksForBenchmarks() { bench_no_auth_ = true; }

  absl::StatusOr<Caller> Admin(absl::string_view authorization);
  absl::StatusOr<Caller> User(absl::string_view authorization);

 private:
  absl::StatusOr<Caller> Check(absl::string_view authorization, bool admin);

  PlatformClient* const platform_;
  TokenCache* const cache_;
  CompanyDirectory* const directory_;
  bool bench_no_auth_ = false;
};

// Whether `token` can be a platform token: 1 to 512 printable ASCII characters, none a space.
// Anything else is refused without asking the platform.
bool IsTokenSyntax(absl::string_view token);

// The token of an "authorization" metadata value "Token <token>" (scheme case-insensitive).
// Unauthenticated when it is missing or malformed.
absl::StatusOr<std::string> TokenFromAuthorization(absl::string_view authorization);

}  // namespace notify

#endif  // NOTIFY_SERVER_AUTH_AUTHORIZER_H_
