// The companies as this replica knows them: a cache in front of CompanyStore for the checks every
// call and every webhook makes.
#ifndef NOTIFY_SERVER_STORE_COMPANY_DIRECTORY_H_
#define NOTIFY_SERVER_STORE_COMPANY_DIRECTORY_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/common/crypto.h"
#include "server/common/lru_map.h"
#include "server/store/company_store.h"

namespace notify {

// Answers "is this company activated here?" and "is this its webhook secret?", remembering what it
// read for `ttl` so that a busy company costs one query per ttl and the webhook path none. It keeps
// only a hash of each secret. Known companies and names that are none are kept apart, each bounded
// and least recently used first out: strangers naming made-up companies push out only other
// made-up names, and a name asked again within ttl costs no query. Forget() makes a change take
// effect at once on this replica. Thread-safe.
class CompanyDirectory {
 public:
  struct Limits {
    size_t known = 100000;
    size_t unknown = 10000;
  };
  CompanyDirectory(CompanyStore* store, const SecretBox* box, const Clock* clock,
                   absl::Duration ttl, Limits limits);
  CompanyDirectory(CompanyStore* store, const SecretBox* box, const Clock* clock,
                   absl::Duration ttl)
      : CompanyDirectory(store, box, clock, ttl, Limits()) {}

  // How many known companies and unknown names are kept.
  size_t known_size();
  size_t unknown_size();

  // Unavailable when the database is down.
  absl::StatusOr<bool> IsActive(absl::string_view company);

  // The company as stored, as of at most `ttl` ago (at once after Forget() on this replica).
  // NotFound for an unknown company, Unavailable when the database is down.
  absl::StatusOr<CompanyRecord> Get(absl::string_view company);
  // The same, shared rather than copied (the record never changes; a newer one replaces it).
  absl::StatusOr<std::shared_ptr<const CompanyRecord>> Find(absl::string_view company);

  // OK when `company` is active and `secret` is its webhook secret (compared in constant time);
  // Unauthenticated (reason WEBHOOK_SECRET_INVALID) otherwise, whatever the cause; Unavailable when
  // the database is down.
  absl::Status CheckWebhookSecret(absl::string_view company, absl::string_view secret);

  void Forget(absl::string_view company);

  // The platform token `record` holds, opened; "" when it holds none. Internal when it cannot be
  // opened (NOTIFY_SECRET_KEY is not the key it was sealed with).
  absl::StatusOr<std::string> PlatformToken(const CompanyRecord& record) const;

 private:
  struct Entry {
    bool active = false;
    std::string secret_hash;  // SHA-256 of the webhook secret; empty for an unknown company.
    std::shared_ptr<const CompanyRecord> record;  // Null for an unknown company.
    absl::Time expires;
  };
  // Shared, so that a lookup copies no string: the calls on every request look up twice.
  absl::StatusOr<std::shared_ptr<const Entry>> Lookup(absl::string_view company);

  CompanyStore* const store_;
  const SecretBox* const box_;
  const Clock* const clock_;
  const absl::Duration ttl_;
  std::mutex mu_;
  LruMap<std::shared_ptr<const Entry>> known_ ABSL_GUARDED_BY(mu_);
  LruMap<std::shared_ptr<const Entry>> unknown_ ABSL_GUARDED_BY(mu_);
};

}  // namespace notify

#endif  // NOTIFY_SERVER_STORE_COMPANY_DIRECTORY_H_
