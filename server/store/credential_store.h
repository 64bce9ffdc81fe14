// Where companies' provider credentials are kept. Secret fields are sealed by the caller.
#ifndef NOTIFY_SERVER_STORE_CREDENTIAL_STORE_H_
#define NOTIFY_SERVER_STORE_CREDENTIAL_STORE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace notify {

struct CredentialRecord {
  std::string id;
  std::string type;  // smtp, sendgrid, twilio, fcm
  std::string name;
  bool enabled = true;
  std::string settings_json;   // The non-secret settings, a JSON object.
  std::string sealed_secrets;  // The secret settings as a JSON object, sealed.
  absl::Time created;
  absl::Time updated;
};

// The context a credential's secrets are sealed under: they open only for that company and type.
inline std::string CredentialSecretsContext(absl::string_view company, absl::string_view type) {
  return absl::StrCat("credentials.secrets:", company, ":", type);
}

// Errors: NotFound (CREDENTIAL_NOT_FOUND), AlreadyExists (CREDENTIAL_EXISTS: the company has one of
// that type), Unavailable. Thread-safe.
class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  virtual absl::StatusOr<CredentialRecord> Create(absl::string_view company,
                                                  const CredentialRecord& record) = 0;
  virtual absl::StatusOr<CredentialRecord> Get(absl::string_view company, absl::string_view id) = 0;
  // Up to `limit` in id order after `after_id`, of `type` when not empty.
  virtual absl::StatusOr<std::vector<CredentialRecord>> List(absl::string_view company,
                                                             absl::string_view type,
                                                             absl::string_view after_id, int limit,
                                                             int skip) = 0;
  virtual absl::StatusOr<int> Count(absl::string_view company, absl::string_view type) = 0;
  // Reads the credential locked, lets `change` edit it, writes it back, in one transaction.
  virtual absl::StatusOr<CredentialRecord> Update(
      absl::string_view company, absl::string_view id,
      const std::function<absl::Status(CredentialRecord&)>& change) = 0;
  virtual absl::Status Delete(absl::string_view company, absl::string_view id) = 0;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_STORE_CREDENTIAL_STORE_H_
