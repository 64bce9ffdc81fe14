#include "server/delivery/channels.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "server/common/enum_names.h"
#include "server/common/json.h"
#include "server/common/log.h"

namespace notify::delivery {
namespace {

using json = nlohmann::json;

SendResult Fail(SendOutcome outcome, std::string detail) {
  SendResult r;
  r.outcome = outcome;
  r.detail = std::move(detail);
  return r;
}

}  // namespace

Channels::Channels(ChannelDefaults defaults, SenderOptions options, CredentialStore* credentials,
                   const SecretBox* box, const Clock* clock, absl::Duration cache_ttl)
    : defaults_(std::move(defaults)),
      credentials_(credentials),
      box_(box),
      clock_(clock),
      cache_ttl_(cache_ttl),
      smtp_(options),
      sendgrid_(options),
      twilio_(options),
      fcm_(options) {}

absl::StatusOr<std::shared_ptr<const Channels::Providers>> Channels::CompanyProviders(
    const std::string& company) {
  const absl::Time now = clock_->Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(company);
    if (it != cache_.end() && now - it->second->loaded < cache_ttl_) return it->second;
  }
  absl::StatusOr<std::vector<CredentialRecord>> records =
      credentials_->List(company, "", "", 10, 0);
  if (!records.ok()) return records.status();
  auto providers = std::make_shared<Providers>();
  providers->loaded = now;
  for (const CredentialRecord& record : *records) {
    if (!record.enabled) continue;
    json settings = json::parse(record.settings_json, nullptr, false);
    json secrets = json::object();
    if (!record.sealed_secrets.empty()) {
      absl::StatusOr<std::string> opened =
          box_->Open(record.sealed_secrets, CredentialSecretsContext(company, record.type));
      if (!opened.ok()) {
        log::Error("a company credential does not open with this server's key; ignoring it",
                   {{"company", company}, {"type", record.type}});
        continue;
      }
      secrets = json::parse(*opened, nullptr, false);
    }
    if (record.type == "smtp") {
      providers->smtp =
          SmtpSettings{StringField(settings, "url"), StringField(settings, "username"),
                       StringField(secrets, "password"), !defaults_.allow_private_provider_hosts};
    } else if (record.type == "sendgrid") {
      providers->sendgrid =
          SendGridSettings{defaults_.sendgrid.url, StringField(secrets, "api_key"),
                           StringField(settings, "from_email")};
    } else if (record.type == "twilio") {
      providers->twilio =
          TwilioSettings{defaults_.twilio.url, StringField(settings, "account_sid"),
                         StringField(secrets, "auth_token"), StringField(settings, "from_number")};
    } else if (record.type == "fcm") {
      providers->fcm = FcmSettings{defaults_.fcm.url, defaults_.fcm.token_url,
                                   StringField(settings, "project_id"),
                                   StringField(secrets, "service_account_json")};
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  cache_[company] = providers;
  return std::shared_ptr<const Providers>(providers);
}

SendResult Channels::Send(const DeliveryJob& job) {
  absl::StatusOr<std::shared_ptr<const Providers>> providers = CompanyProviders(job.company);
  if (!providers.ok()) {
    return Fail(SendOutcome::kTemporary,
                absl::StrCat("the company's credentials could not be read: ",
                             providers.status().message()));
  }
  switch (job.type) {
    case notifications::v1::NOTIFICATION_TYPE_EMAIL:
      return SendEmail(**providers, job);
    case notifications::v1::NOTIFICATION_TYPE_SMS:
      return SendSms(**providers, job);
    case notifications::v1::NOTIFICATION_TYPE_PUSH:
      return SendPush(**providers, job);
    default:
      return Fail(SendOutcome::kPermanent,
                  absl::StrCat("no channel sends \"", ShortName(job.type), "\""));
  }
}

SendResult Channels::SendEmail(const Providers& providers, const DeliveryJob& job) const {
  // The sender: the notification's or the company's, else the company's SendGrid credential's,
  // else the server's default.
  std::string from = job.from_email;
  if (from.empty() && providers.sendgrid.has_value()) from = providers.sendgrid->from_email;
  if (from.empty()) from = defaults_.email_from;
  EmailMessage message{from,  job.recipient, job.subject, job.text_message, job.html_message,
                       job.id};
  if (message.from.empty()) {
    return Fail(SendOutcome::kPermanent,
                "no sender address: set the notification's from_email, the company's "
                "system_email or the server's --email-from");
  }
  if (providers.sendgrid.has_value()) return sendgrid_.Send(*providers.sendgrid, message);
  if (providers.smtp.has_value()) return smtp_.Send(*providers.smtp, message);
  if (!defaults_.sendgrid.api_key.empty()) return sendgrid_.Send(defaults_.sendgrid, message);
  if (!defaults_.smtp.url.empty()) return smtp_.Send(defaults_.smtp, message);
  return Fail(SendOutcome::kPermanent,
              "no email provider: add an smtp or sendgrid credential, or start the server with "
              "--smtp-url or --sendgrid-api-key");
}

SendResult Channels::SendSms(const Providers& providers, const DeliveryJob& job) const {
  const TwilioSettings* twilio = providers.twilio.has_value()            ? &*providers.twilio
                                 : !defaults_.twilio.account_sid.empty() ? &defaults_.twilio
                                                                         : nullptr;
  if (twilio == nullptr) {
    return Fail(SendOutcome::kPermanent,
                "no SMS provider: add a twilio credential, or start the server with "
                "--twilio-account-sid");
  }
  if (job.sms_message.empty()) return Fail(SendOutcome::kPermanent, "the SMS body is empty");
  return twilio_.Send(*twilio, SmsMessage{job.recipient, job.sms_message, job.id});
}

SendResult Channels::SendPush(const Providers& providers, const DeliveryJob& job) const {
  const FcmSettings* fcm = providers.fcm.has_value()                     ? &*providers.fcm
                           : !defaults_.fcm.service_account_json.empty() ? &defaults_.fcm
                                                                         : nullptr;
  if (fcm == nullptr) {
    return Fail(SendOutcome::kPermanent,
                "no push provider: add an fcm credential, or start the server with "
                "--fcm-credentials-file");
  }
  PushMessage message;
  message.device_token = job.device_token;
  message.title = job.subject;
  message.body = job.push_message;
  message.data = {{"log_id", job.id}, {"event", job.event}};
  message.reference = job.id;
  return fcm_.Send(*fcm, message);
}

}  // namespace notify::delivery
