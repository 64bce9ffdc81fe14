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
#include "server/store/company_store.h"

namespace notify {

// Answers "is this company activated here?" and "is this its webhook secret?", remembering what it
// read for `ttl` so that a busy company costs one query per ttl and the webhook path none. It keeps
// only a hash of each secret. Forget() makes a change take effect at once on this replica.
// Thread-safe.
class CompanyDirectory {
 public:
  CompanyDirectory(CompanyStore* store, const SecretBox* box, const Clock* clock,
                   absl::Duration ttl);

  // Unavailable when the database is down.
  absl::StatusOr<bool> IsActive(absl::string_view company);

  // The company as stored, as of at most `ttl` ago (at once after Forget() on this replica).
  // NotFound for an unknown company, Unavailable when the database is down.
  absl::StatusOr<CompanyRecord> Get(absl::string_view company);

  // OK when `company` is active and `secret` is its webhook secret (compared in constant time);
  // Unauthenticated (reason WEBHOOK_SECRET_INVALID) otherwise, whatever the cause; Unavailable when
  // the database is down.
  absl::Status CheckWebhookSecret(absl::string_view company, absl::string_view secret);

  void Forget(absl::string_view company);

 private:
  struct Entry {
    bool active = false;
    std::string secret_hash;  // SHA-256 of the webhook secret; empty for an unknown company.
    std::shared_ptr<const CompanyRecord> record;  // Null for an unknown company.
    absl::Time expires;
  };
  absl::StatusOr<Entry> Lookup(absl::string_view company);

  CompanyStore* const store_;
  const SecretBox* const box_;
  const Clock* const clock_;
  const absl::Duration ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

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

// The token of an "authorization" metadata value "Token <token>" (scheme case-insensitive).
// Unauthenticated when it is missing or malformed.
absl::StatusOr<std::string> TokenFromAuthorization(absl::string_view authorization);

}  // namespace notify

#endif  // NOTIFY_SERVER_AUTH_AUTHORIZER_H_
