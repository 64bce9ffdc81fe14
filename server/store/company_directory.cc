#include "server/store/company_directory.h"

#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/common/status.h"

namespace notify {

CompanyDirectory::CompanyDirectory(CompanyStore* store, const SecretBox* box, const Clock* clock,
                                   absl::Duration ttl, Limits limits)
    : store_(store),
      box_(box),
      clock_(clock),
      ttl_(ttl),
      known_(limits.known),
      unknown_(limits.unknown) {}

size_t CompanyDirectory::known_size() {
  std::lock_guard<std::mutex> lock(mu_);
  return known_.size();
}

size_t CompanyDirectory::unknown_size() {
  std::lock_guard<std::mutex> lock(mu_);
  return unknown_.size();
}

absl::StatusOr<std::shared_ptr<const CompanyDirectory::Entry>> CompanyDirectory::Lookup(
    absl::string_view company) {
  const absl::Time now = clock_->Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto* lru : {&known_, &unknown_}) {
      if (std::shared_ptr<const Entry>* found = lru->Find(company);
          found != nullptr && (*found)->expires > now) {
        return *found;
      }
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
  // A name is in one of the two at most.
  (shared->record != nullptr ? unknown_ : known_).Erase(company);
  (shared->record != nullptr ? known_ : unknown_).Put(std::string(company), shared);
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
  known_.Erase(company);
  unknown_.Erase(company);
}

absl::StatusOr<std::string> CompanyDirectory::PlatformToken(const CompanyRecord& record) const {
  if (record.sealed_platform_token.empty()) return std::string();
  return box_->Open(record.sealed_platform_token, PlatformTokenContext(record.id));
}

}  // namespace notify
