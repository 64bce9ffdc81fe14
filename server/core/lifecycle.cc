#include "server/core/lifecycle.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "server/auth/authorizer.h"
#include "server/common/log.h"
#include "server/common/status.h"

namespace notify {
namespace {

// The length of a new company's webhook secret (random letters and digits).
constexpr size_t kWebhookSecretLength = 48;

absl::Status BadToken(absl::string_view message, absl::string_view reason) {
  return WithField(WithReason(absl::InvalidArgumentError(message), reason), "token");
}

}  // namespace

const std::vector<std::string>& PlatformEventNames() {
  static const std::vector<std::string>* const kEvents = new std::vector<std::string>{
      "company.link.create",
      "company.link.update",
      "company.update",
      "currency.create",
      "currency.update",
      "user.create",
      "user.update",
      "user.password.reset",
      "user.password.set",
      "user.deactivate.verify",
      "user.request_delete.verify",
      "user.email.verify",
      "user.mobile.verify",
      "email.create",
      "email.update",
      "mobile.create",
      "mobile.update",
      "address.create",
      "address.update",
      "document.create",
      "document.update",
      "bank_account.create",
      "bank_account.update",
      "bank_account.delete",
      "crypto_account.create",
      "crypto_account.update",
      "account.create",
      "account.update",
      "account.currency.create",
      "transaction.create",
      "transaction.update",
      "transaction.initiate",
      "transaction.execute",
      "transaction.transition.create",
      "transaction.transition.update",
      "mfa.sms.verify",
      "alert.create",
      "alert.update",
  };
  return *kEvents;
}

Lifecycle::Lifecycle(Options options, PlatformClient* platform, CompanyStore* store,
                     const SecretBox* box, TokenCache* tokens, CompanyDirectory* directory)
    : options_(std::move(options)),
      platform_(platform),
      store_(store),
      box_(box),
      tokens_(tokens),
      directory_(directory) {}

absl::StatusOr<PlatformUser> Lifecycle::CheckAdminToken(absl::string_view token) {
  if (token.empty()) return BadToken("This field is required.", "INVALID_FIELD");
  if (!IsTokenSyntax(token)) return BadToken("The token is invalid or expired.", "TOKEN_INVALID");
  // Lifecycle calls are rare and decisive: always ask the platform, never the cache.
  absl::StatusOr<PlatformUser> user = platform_->Authenticate(token);
  if (absl::IsUnauthenticated(user.status())) {
    return BadToken("The token is invalid or expired.", "TOKEN_INVALID");
  }
  if (absl::IsPermissionDenied(user.status())) {
    return BadToken("The token's user is not an admin or service user.", "ADMIN_REQUIRED");
  }
  if (!user.ok()) return user.status();
  if (!user->IsAdmin()) {
    return BadToken("The token's user is not an admin or service user.", "ADMIN_REQUIRED");
  }
  return user;
}

absl::Status Lifecycle::SubscribeAll(absl::string_view token, absl::string_view secret) {
  const std::string url = WebhookUrl();
  std::atomic<size_t> next{0};
  std::mutex mu;
  absl::Status first_error;
  auto work = [&] {
    for (size_t i = next++; i < options_.events.size(); i = next++) {
      absl::Status s = platform_->CreateWebhook(token, url, options_.events[i], secret);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = s;
        next = options_.events.size();  // Stop the others early.
      }
    }
  };
  const int workers =
      std::max(1, std::min<int>(options_.concurrency, static_cast<int>(options_.events.size())));
  std::vector<std::thread> threads;
  for (int i = 1; i < workers; ++i) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  return first_error;
}

absl::StatusOr<CompanyRecord> Lifecycle::Activate(absl::string_view token) {
  NOTIFY_ASSIGN_OR_RETURN(PlatformUser user, CheckAdminToken(token));
  absl::StatusOr<PlatformCompany> company = platform_->GetCompany(token);
  if (absl::IsUnauthenticated(company.status()) || absl::IsPermissionDenied(company.status())) {
    return BadToken("The token cannot read its company.", "ADMIN_REQUIRED");
  }
  if (!company.ok()) return company.status();
  if (options_.public_url.empty()) {
    return absl::FailedPreconditionError(
        "The server has no --public-url, so the platform cannot be told where to send events.");
  }
  NOTIFY_ASSIGN_OR_RETURN(CompanyRecord stored,
                          store_->Ensure(company->id, company->name, company->mode,
                                         box_->Seal(RandomToken(kWebhookSecretLength),
                                                    WebhookSecretContext(company->id))));
  NOTIFY_ASSIGN_OR_RETURN(std::string secret, box_->Open(stored.sealed_webhook_secret,
                                                         WebhookSecretContext(company->id)));
  if (absl::Status s = SubscribeAll(token, secret); !s.ok()) {
    log::Warn("activation failed: the platform did not take the subscriptions",
              {{"company", company->id}, {"error", std::string(s.message())}});
    return s;
  }
  NOTIFY_ASSIGN_OR_RETURN(CompanyRecord activated,
                          store_->Activate(company->id, company->name, company->mode,
                                           box_->Seal(token, PlatformTokenContext(company->id))));
  directory_->Forget(company->id);
  log::Info("company activated",
            {{"company", company->id}, {"user", user.id}, {"events", options_.events.size()}});
  return activated;
}

absl::Status Lifecycle::Deactivate(absl::string_view token, bool purge) {
  NOTIFY_ASSIGN_OR_RETURN(PlatformUser user, CheckAdminToken(token));
  absl::StatusOr<CompanyRecord> record = store_->Get(user.company);
  if (absl::IsNotFound(record.status())) {
    return WithField(WithReason(absl::InvalidArgumentError("Unknown company."), "COMPANY_INACTIVE"),
                     "token");
  }
  if (!record.ok()) return record.status();

  // Best effort: the company is deactivated here whatever the platform says.
  if (!options_.public_url.empty()) {
    absl::StatusOr<std::vector<PlatformWebhook>> webhooks =
        platform_->ListWebhooks(token, WebhookUrl());
    int removed = 0;
    if (webhooks.ok()) {
      for (const PlatformWebhook& webhook : *webhooks) {
        if (platform_->DeleteWebhook(token, webhook.id).ok()) ++removed;
      }
    }
    log::Info("subscriptions removed",
              {{"company", user.company},
               {"removed", removed},
               {"error", webhooks.ok() ? "" : std::string(webhooks.status().message())}});
  }
  NOTIFY_RETURN_IF_ERROR(purge ? store_->Purge(user.company) : store_->Deactivate(user.company));
  directory_->Forget(user.company);
  tokens_->ForgetCompany(user.company);
  log::Info(purge ? "company purged" : "company deactivated",
            {{"company", user.company}, {"user", user.id}});
  return absl::OkStatus();
}

absl::Status Lifecycle::Rotate(absl::string_view token) {
  NOTIFY_ASSIGN_OR_RETURN(PlatformUser user, CheckAdminToken(token));
  absl::Status status =
      store_->ReplaceToken(user.company, box_->Seal(token, PlatformTokenContext(user.company)));
  if (absl::IsNotFound(status)) {
    return WithField(WithReason(absl::InvalidArgumentError("Unknown company."), "COMPANY_INACTIVE"),
                     "token");
  }
  NOTIFY_RETURN_IF_ERROR(status);
  log::Info("company token rotated", {{"company", user.company}, {"user", user.id}});
  return absl::OkStatus();
}

}  // namespace notify
