#include "server/auth/authorizer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/common/status.h"

namespace notify {

CompanyDirectory::CompanyDirectory(CompanyStore* store, const SecretBox* box, const Clock* clock,
                                   absl::Duration ttl)
    : store_(store), box_(box), clock_(clock), ttl_(ttl) {}

absl::StatusOr<CompanyDirectory::Entry> CompanyDirectory::Lookup(absl::string_view company) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = entries_.find(std::string(company));
        it != entries_.end() && it->second.expires > clock_->Now()) {
      return it->second;
    }
  }
  absl::StatusOr<CompanyRecord> record = store_->Get(company);
  Entry entry;
  if (record.ok()) {
    entry.active = record->active;
    entry.record = std::make_shared<const CompanyRecord>(*record);
    absl::StatusOr<std::string> secret = box_->Open(
        record->sealed_webhook_secret, absl::StrCat("companies.webhook_secret:", company));
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
  std::lock_guard<std::mutex> lock(mu_);
  // A crude bound: a directory this large means many companies; start over rather than grow.
  if (entries_.size() > 100000) entries_.clear();
  entries_[std::string(company)] = entry;
  return entry;
}

absl::StatusOr<bool> CompanyDirectory::IsActive(absl::string_view company) {
  NOTIFY_ASSIGN_OR_RETURN(Entry entry, Lookup(company));
  return entry.active;
}

absl::StatusOr<CompanyRecord> CompanyDirectory::Get(absl::string_view company) {
  NOTIFY_ASSIGN_OR_RETURN(Entry entry, Lookup(company));
  if (entry.record == nullptr) {
    return WithReason(absl::NotFoundError(absl::StrCat("Unknown company \"", company, "\".")),
                      "COMPANY_INACTIVE");
  }
  return *entry.record;
}

absl::Status CompanyDirectory::CheckWebhookSecret(absl::string_view company,
                                                  absl::string_view secret) {
  NOTIFY_ASSIGN_OR_RETURN(Entry entry, Lookup(company));
  // Hash first, so that the comparison's time depends on nothing the caller controls.
  const std::string given = Sha256(secret);
  const bool matches = !entry.secret_hash.empty() && ConstantTimeEquals(given, entry.secret_hash);
  if (!entry.active || !matches) {
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

absl::StatusOr<std::string> TokenFromAuthorization(absl::string_view authorization) {
  absl::string_view value = absl::StripAsciiWhitespace(authorization);
  constexpr absl::string_view kScheme = "token ";
  if (value.size() <= kScheme.size() || !absl::StartsWithIgnoreCase(value, kScheme)) {
    return WithReason(absl::UnauthenticatedError(
                          "Send the platform token as `authorization: Token <token>` metadata."),
                      "UNAUTHENTICATED");
  }
  value.remove_prefix(kScheme.size());
  value = absl::StripLeadingAsciiWhitespace(value);
  if (value.empty() || value.find_first_of(" \t") != absl::string_view::npos) {
    return WithReason(absl::UnauthenticatedError(
                          "Send the platform token as `authorization: Token <token>` metadata."),
                      "UNAUTHENTICATED");
  }
  return std::string(value);
}

Authorizer::Authorizer(PlatformClient* platform, TokenCache* cache, CompanyDirectory* directory)
    : platform_(platform), cache_(cache), directory_(directory) {}

absl::StatusOr<Caller> Authorizer::Admin(absl::string_view authorization) {
  return Check(authorization, /*admin=*/true);
}

absl::StatusOr<Caller> Authorizer::User(absl::string_view authorization) {
  return Check(authorization, /*admin=*/false);
}

absl::StatusOr<Caller> Authorizer::Check(absl::string_view authorization, bool admin) {
  NOTIFY_ASSIGN_OR_RETURN(const std::string token, TokenFromAuthorization(authorization));
  absl::StatusOr<PlatformUser> authenticated;
  if (bench_no_auth_) {
    PlatformUser bench;
    bench.id = "bench-admin";
    bench.company = token;
    bench.groups = {"admin"};
    authenticated = std::move(bench);
  } else {
    authenticated = cache_->Get(token, [this, &token] {
      absl::StatusOr<PlatformUser> user = platform_->Authenticate(token);
      // Nothing reads the rest of the platform's answer about a caller; every cache hit copies
      // what is kept.
      if (user.ok()) user->raw = nullptr;
      return user;
    });
  }
  if (absl::IsUnauthenticated(authenticated.status())) {
    return WithReason(absl::UnauthenticatedError("The platform rejected the token."),
                      "TOKEN_INVALID");
  }
  if (!authenticated.ok()) return authenticated.status();
  PlatformUser user = *std::move(authenticated);
  if (admin && !user.IsAdmin()) {
    return WithReason(
        absl::PermissionDeniedError("Admin calls need a user in the admin or service group."),
        "ADMIN_REQUIRED");
  }
  if (user.id.empty()) {
    return WithReason(absl::UnauthenticatedError("The platform rejected the token."),
                      "TOKEN_INVALID");
  }
  if (user.company.empty()) {
    return WithReason(absl::FailedPreconditionError("Inactive company."), "COMPANY_INACTIVE");
  }
  NOTIFY_ASSIGN_OR_RETURN(const bool active, directory_->IsActive(user.company));
  if (!active) {
    return WithReason(absl::FailedPreconditionError("Inactive company."), "COMPANY_INACTIVE");
  }
  Caller caller;
  caller.company = user.company;
  caller.admin = user.IsAdmin();
  caller.user = std::move(user);
  return caller;
}

}  // namespace notify
