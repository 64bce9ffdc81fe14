#include "server/store/company_directory.h"

#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/common/status.h"

namespace notify {

CompanyDirectory::CompanyDirectory(CompanyStore* store, const SecretBox* box, const Clock* clock,
                                   absl::Duration ttl)
    : store_(store), box_(box), clock_(clock), ttl_(ttl) {}

absl::StatusOr<std::shared_ptr<const CompanyDirectory::Entry>> CompanyDirectory::Lookup(
    absl::string_view company) {
  const absl::Time now = clock_->Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = entries_.find(std::string(company));
        it != entries_.end() && it->second->expires > now) {
      return it->second;
    }
  }
  absl::StatusOr<CompanyRecord> record = store_->Get(company);
  auto made = std::make_shared<Entry>();
  Entry& entry = *made;
  if (record.ok()) {
    entry.active = record->active;
    entry.record = std::make_shared<const CompanyRecord>(*record);
    absl::StatusOr<std::string> secret =
        box_->Open(record->sealed_webhook_secret, WebhookSecretContext(company));
    if (secret.ok()) {
      entry.secret_hash = Sha256(*secret);
    } else {
      log::Error(
          "a company's webhook secret cannot be decrypted; is NOTIFY_SECRET_KEY the one it "
          "was stored with?",
          {{"company", std::string(company)}});
    }
  } else if (!absl::IsNotFound(record.status())) {
    return record.status();
  }
  entry.expires = clock_->Now() + ttl_;
  std::shared_ptr<const Entry> shared = std::move(made);
  std::lock_guard<std::mutex> lock(mu_);
  // A crude bound: a directory this large means many companies; start over rather than grow.
  if (entries_.size() > 100000) entries_.clear();
  entries_[std::string(company)] = shared;
  return shared;
}

absl::StatusOr<bool> CompanyDirectory::IsActive(absl::string_view company) {
  NOTIFY_ASSIGN_OR_RETURN(std::shared_ptr<const Entry> entry, Lookup(company));
  return entry->active;
}

absl::StatusOr<std::shared_ptr<const CompanyRecord>> CompanyDirectory::Find(
    absl::string_view company) {
  NOTIFY_ASSIGN_OR_RETURN(std::shared_ptr<const Entry> entry, Lookup(company));
  if (entry->record == nullptr) {
    return WithReason(absl::NotFoundError(absl::StrCat("Unknown company \"", company, "\".")),
                      "COMPANY_INACTIVE");
  }
  return entry->record;
}

absl::StatusOr<CompanyRecord> CompanyDirectory::Get(absl::string_view company) {
  NOTIFY_ASSIGN_OR_RETURN(std::shared_ptr<const CompanyRecord> record, Find(company));
  return *record;
}

absl::Status CompanyDirectory::CheckWebhookSecret(absl::string_view company,
                                                  absl::string_view secret) {
  NOTIFY_ASSIGN_OR_RETURN(std::shared_ptr<const Entry> entry, Lookup(company));
  // Hash first, so that the comparison's time depends on nothing the caller controls.
  const std::string given = Sha256(secret);
  const bool matches = !entry->secret_hash.empty() && ConstantTimeEquals(given, entry->secret_hash);
  if (!entry->active || !matches) {
    return WithReason(absl::UnauthenticatedError(
                          "The webhook secret is missing or wrong, or the company is not active."),
                      "WEBHOOK_SECRET_INVALID");
  }
  return absl::OkStatus();
}

void CompanyDirectory::Forget(absl::string_view company) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(std::string(company));
}

absl::StatusOr<std::string> CompanyDirectory::PlatformToken(const CompanyRecord& record) const {
  if (record.sealed_platform_token.empty()) return std::string();
  return box_->Open(record.sealed_platform_token, PlatformTokenContext(record.id));
}

}  // namespace notify
