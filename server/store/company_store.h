// Where companies (tenants) are kept.
#ifndef NOTIFY_SERVER_STORE_COMPANY_STORE_H_
#define NOTIFY_SERVER_STORE_COMPANY_STORE_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace notify {

// A company as stored. The token and the secret are sealed (see SecretBox); the store never sees
// them in clear.
struct CompanyRecord {
  std::string id;
  std::string name;
  std::string mode;
  bool active = false;
  std::string sealed_platform_token;  // Empty when the company has no token (deactivated).
  std::string sealed_webhook_secret;
  std::string system_email;
  std::string support_email;
  std::string logo_url;
  bool push_enabled = false;
  int email_daily_quota = 0;
  int sms_daily_quota = 0;
  int push_daily_quota = 0;
  std::string website;
  std::string contact_email;
  std::string icon_url;
  std::string bimi_selector_header;
  std::optional<absl::Time> activated;
  std::optional<absl::Time> deactivated;
  absl::Time created;
  absl::Time updated;
};

// The contexts a company's sealed columns are sealed under (SecretBox): each opens only for its
// company and column.
inline std::string PlatformTokenContext(absl::string_view company) {
  return absl::StrCat("companies.platform_token:", company);
}
inline std::string WebhookSecretContext(absl::string_view company) {
  return absl::StrCat("companies.webhook_secret:", company);
}

// Errors: NotFound for an unknown company, Unavailable when the database is down. Thread-safe.
class CompanyStore {
 public:
  virtual ~CompanyStore() = default;

  virtual absl::StatusOr<CompanyRecord> Get(absl::string_view id) = 0;

  // Adds the company, inactive, with this sealed webhook secret, unless it exists; either way
  // returns the stored company (whose secret is the one first stored).
  virtual absl::StatusOr<CompanyRecord> Ensure(absl::string_view id, absl::string_view name,
                                               absl::string_view mode,
                                               absl::string_view sealed_webhook_secret) = 0;

  // Marks the company active with this sealed token, name and mode. NotFound if it does not exist.
  virtual absl::StatusOr<CompanyRecord> Activate(absl::string_view id, absl::string_view name,
                                                 absl::string_view mode,
                                                 absl::string_view sealed_platform_token) = 0;

  // Marks the company inactive and forgets its token; its data stays. Its messages still waiting
  // (pending, retrying, deferred) become CANCELLED in the same transaction; one in flight keeps
  // its outcome only if it was sent.
  virtual absl::Status Deactivate(absl::string_view id) = 0;

  // Deletes the company and every row that belongs to it.
  virtual absl::Status Purge(absl::string_view id) = 0;

  // Reads the company locked, lets `change` edit its settings (name, emails, logo, icon, website,
  // BIMI selector, push, quotas),
  // and writes them back, in one transaction. An error from `change` writes nothing.
  virtual absl::StatusOr<CompanyRecord> UpdateSettings(
      absl::string_view id, const std::function<absl::Status(CompanyRecord&)>& change) = 0;

  // Replaces the sealed token of an active company (NotFound when it is not active: a deactivated
  // company keeps no token).
  virtual absl::Status ReplaceToken(absl::string_view id,
                                    absl::string_view sealed_platform_token) = 0;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_STORE_COMPANY_STORE_H_
