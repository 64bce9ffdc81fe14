// Provider credentials: AdminService CRUD. Secret fields are write-only: stored sealed, answered
// masked.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/api/convert.h"
#include "server/api/field_mask.h"
#include "server/api/grpc_status.h"
#include "server/api/services.h"
#include "server/common/json.h"
#include "server/common/status.h"
#include "server/core/notification_rules.h"
#include "server/delivery/senders.h"

namespace notify::api {
namespace {

namespace v1 = notifications::v1;

// What answers show instead of a secret that is set. Sent back in an update, it keeps the secret.
constexpr char kMasked[] = "********";

std::string TypeName(v1::Credential::SettingsCase settings) {
  switch (settings) {
    case v1::Credential::kSmtp:
      return "smtp";
    case v1::Credential::kSendgrid:
      return "sendgrid";
    case v1::Credential::kTwilio:
      return "twilio";
    case v1::Credential::kFcm:
      return "fcm";
    default:
      return "";
  }
}

v1::CredentialType TypeEnum(absl::string_view name) {
  if (name == "smtp") return v1::CREDENTIAL_TYPE_SMTP;
  if (name == "sendgrid") return v1::CREDENTIAL_TYPE_SENDGRID;
  if (name == "twilio") return v1::CREDENTIAL_TYPE_TWILIO;
  if (name == "fcm") return v1::CREDENTIAL_TYPE_FCM;
  return v1::CREDENTIAL_TYPE_UNSPECIFIED;
}

std::string TypeNameOf(v1::CredentialType type) {
  switch (type) {
    case v1::CREDENTIAL_TYPE_SMTP:
      return "smtp";
    case v1::CREDENTIAL_TYPE_SENDGRID:
      return "sendgrid";
    case v1::CREDENTIAL_TYPE_TWILIO:
      return "twilio";
    case v1::CREDENTIAL_TYPE_FCM:
      return "fcm";
    default:
      return "";
  }
}

// The secret fields of a credential, by name; pointers into `c`.
std::vector<std::pair<std::string, std::string*>> Secrets(v1::Credential& c) {
  switch (c.settings_case()) {
    case v1::Credential::kSmtp:
      return {{"password", c.mutable_smtp()->mutable_password()}};
    case v1::Credential::kSendgrid:
      return {{"api_key", c.mutable_sendgrid()->mutable_api_key()}};
    case v1::Credential::kTwilio:
      return {{"auth_token", c.mutable_twilio()->mutable_auth_token()}};
    case v1::Credential::kFcm:
      return {{"service_account_json", c.mutable_fcm()->mutable_service_account_json()}};
    default:
      return {};
  }
}

absl::Status Validate(const v1::Credential& c) {
  switch (c.settings_case()) {
    case v1::Credential::kSmtp:
      if (!delivery::ParseSmtpUrl(c.smtp().url()).has_value()) {
        return InvalidField("smtp.url",
                            absl::StrCat("must be ", delivery::kSmtpUrlForms,
                                         " (give the user and password as username and password)"));
      }
      if (!c.smtp().username().empty() && c.smtp().password().empty()) {
        return InvalidField("smtp.password", "a username needs a password");
      }
      return absl::OkStatus();
    case v1::Credential::kSendgrid:
      if (c.sendgrid().api_key().empty()) return InvalidField("sendgrid.api_key", "is required");
      if (!c.sendgrid().from_email().empty() && !IsEmailAddress(c.sendgrid().from_email())) {
        return InvalidField("sendgrid.from_email", "not an email address");
      }
      return absl::OkStatus();
    case v1::Credential::kTwilio:
      if (!absl::StartsWith(c.twilio().account_sid(), "AC")) {
        return InvalidField("twilio.account_sid", "must be an account SID (AC...)");
      }
      if (c.twilio().auth_token().empty()) return InvalidField("twilio.auth_token", "is required");
      if (!IsE164Number(c.twilio().from_number()) &&
          !absl::StartsWith(c.twilio().from_number(), "MG")) {
        return InvalidField("twilio.from_number",
                            "must be a number in E.164 form or a messaging service SID (MG...)");
      }
      return absl::OkStatus();
    case v1::Credential::kFcm: {
      if (c.fcm().project_id().empty()) return InvalidField("fcm.project_id", "is required");
      const nlohmann::json account =
          nlohmann::json::parse(c.fcm().service_account_json(), nullptr, false);
      if (!account.is_object() || !account.contains("client_email") ||
          !account.contains("private_key")) {
        return InvalidField("fcm.service_account_json",
                            "must be a service account key file's JSON, with client_email and "
                            "private_key");
      }
      return absl::OkStatus();
    }
    default:
      return InvalidField("credential", "give exactly one of smtp, sendgrid, twilio or fcm");
  }
}

std::string Context(absl::string_view company, absl::string_view type) {
  return CredentialSecretsContext(company, type);
}

// The record's settings and (opened) secrets as a Credential.
absl::StatusOr<v1::Credential> ToCredential(const CredentialRecord& record,
                                            absl::string_view company, const SecretBox& box) {
  v1::Credential c;
  c.set_id(record.id);
  c.set_type(TypeEnum(record.type));
  c.set_name(record.name);
  c.set_enabled(record.enabled);
  const nlohmann::json settings = nlohmann::json::parse(record.settings_json, nullptr, false);
  nlohmann::json secrets = nlohmann::json::object();
  if (!record.sealed_secrets.empty()) {
    NOTIFY_ASSIGN_OR_RETURN(std::string opened,
                            box.Open(record.sealed_secrets, Context(company, record.type)));
    secrets = nlohmann::json::parse(opened, nullptr, false);
  }
  if (record.type == "smtp") {
    c.mutable_smtp()->set_url(StringField(settings, "url"));
    c.mutable_smtp()->set_username(StringField(settings, "username"));
  } else if (record.type == "sendgrid") {
    c.mutable_sendgrid()->set_from_email(StringField(settings, "from_email"));
  } else if (record.type == "twilio") {
    c.mutable_twilio()->set_account_sid(StringField(settings, "account_sid"));
    c.mutable_twilio()->set_from_number(StringField(settings, "from_number"));
  } else if (record.type == "fcm") {
    c.mutable_fcm()->set_project_id(StringField(settings, "project_id"));
  }
  for (auto& [name, value] : Secrets(c)) *value = StringField(secrets, name);
  ToTimestamp(record.created, c.mutable_created());
  ToTimestamp(record.updated, c.mutable_updated());
  return c;
}

// The Credential's settings and secrets into `record` (secrets sealed).
void ToRecord(v1::Credential c, absl::string_view company, const SecretBox& box,
              CredentialRecord* record) {
  record->type = TypeName(c.settings_case());
  record->name = c.name();
  record->enabled = c.enabled();
  nlohmann::json secrets = nlohmann::json::object();
  for (auto& [name, value] : Secrets(c)) {
    secrets[name] = *value;
    value->clear();
  }
  nlohmann::json settings = nlohmann::json::object();
  if (c.has_smtp()) settings = {{"url", c.smtp().url()}, {"username", c.smtp().username()}};
  if (c.has_twilio()) {
    settings = {{"account_sid", c.twilio().account_sid()},
                {"from_number", c.twilio().from_number()}};
  }
  if (c.has_fcm()) settings = {{"project_id", c.fcm().project_id()}};
  if (c.has_sendgrid()) settings = {{"from_email", c.sendgrid().from_email()}};
  record->settings_json = settings.dump();
  record->sealed_secrets = box.Seal(secrets.dump(), Context(company, record->type));
}

void Mask(v1::Credential* c) {
  for (auto& [name, value] : Secrets(*c)) {
    if (!value->empty()) *value = kMasked;
  }
}

}  // namespace

grpc::Status AdminServiceImpl::CreateCredential(grpc::ServerContext* context,
                                                const v1::CreateCredentialRequest* request,
                                                v1::CreateCredentialResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_RETURN_IF_ERROR(Validate(request->credential()));
    CredentialRecord record;
    ToRecord(request->credential(), caller.company, *deps_.box, &record);
    NOTIFY_ASSIGN_OR_RETURN(CredentialRecord created,
                            deps_.credentials->Create(caller.company, record));
    NOTIFY_ASSIGN_OR_RETURN(*response->mutable_credential(),
                            ToCredential(created, caller.company, *deps_.box));
    Mask(response->mutable_credential());
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetCredential(grpc::ServerContext* context,
                                             const v1::GetCredentialRequest* request,
                                             v1::GetCredentialResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(CredentialRecord record,
                            deps_.credentials->Get(caller.company, request->id()));
    NOTIFY_ASSIGN_OR_RETURN(*response->mutable_credential(),
                            ToCredential(record, caller.company, *deps_.box));
    Mask(response->mutable_credential());
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListCredentials(grpc::ServerContext* context,
                                               const v1::ListCredentialsRequest* request,
                                               v1::ListCredentialsResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(const PageRequest page,
                            ReadPage(*page_tokens_, "credentials", caller.company, *request));
    const std::string type = TypeNameOf(request->type());
    NOTIFY_ASSIGN_OR_RETURN(
        std::vector<CredentialRecord> records,
        deps_.credentials->List(caller.company, type, page.after_id(), page.size + 1, page.skip));
    response->set_next_page_token(FinishPage(*page_tokens_, "credentials", caller.company, *request,
                                             page, &records,
                                             [](const CredentialRecord& r) { return r.id; }));
    for (const CredentialRecord& record : records) {
      NOTIFY_ASSIGN_OR_RETURN(*response->add_credentials(),
                              ToCredential(record, caller.company, *deps_.box));
      Mask(&*response->mutable_credentials()->rbegin());
    }
    NOTIFY_ASSIGN_OR_RETURN(const int total, deps_.credentials->Count(caller.company, type));
    response->set_total_size(total);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::UpdateCredential(grpc::ServerContext* context,
                                                const v1::UpdateCredentialRequest* request,
                                                v1::UpdateCredentialResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    static const std::set<std::string>* const kOutputOnly =
        new std::set<std::string>{"id", "type", "created", "updated"};
    NOTIFY_ASSIGN_OR_RETURN(
        CredentialRecord updated,
        deps_.credentials->Update(
            caller.company, request->credential().id(), [&](CredentialRecord& record) {
              NOTIFY_ASSIGN_OR_RETURN(v1::Credential stored,
                                      ToCredential(record, caller.company, *deps_.box));
              const v1::Credential before = stored;
              NOTIFY_RETURN_IF_ERROR(ApplyUpdateMask(request->credential(), request->update_mask(),
                                                     *kOutputOnly, &stored));
              if (stored.settings_case() != before.settings_case()) {
                return InvalidField("credential", "a credential's provider cannot change");
              }
              // Write-only secrets: left empty or masked, they keep their stored value, unless the
              // endpoint they unlock changed: a stored secret never follows a new server.
              const bool endpoint_changed =
                  stored.smtp().url() != before.smtp().url() ||
                  stored.smtp().username() != before.smtp().username() ||
                  stored.twilio().account_sid() != before.twilio().account_sid() ||
                  stored.fcm().project_id() != before.fcm().project_id();
              v1::Credential previous = before;
              auto old_secrets = Secrets(previous);
              auto new_secrets = Secrets(stored);
              for (size_t i = 0; i < new_secrets.size(); ++i) {
                if (new_secrets[i].second->empty() || *new_secrets[i].second == kMasked) {
                  if (endpoint_changed && !old_secrets[i].second->empty()) {
                    return InvalidField(
                        absl::StrCat(TypeName(stored.settings_case()), ".", new_secrets[i].first),
                        "send the secret again when the server or account changes");
                  }
                  *new_secrets[i].second = *old_secrets[i].second;
                }
              }
              NOTIFY_RETURN_IF_ERROR(Validate(stored));
              ToRecord(stored, caller.company, *deps_.box, &record);
              return absl::OkStatus();
            }));
    NOTIFY_ASSIGN_OR_RETURN(*response->mutable_credential(),
                            ToCredential(updated, caller.company, *deps_.box));
    Mask(response->mutable_credential());
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::DeleteCredential(grpc::ServerContext* context,
                                                const v1::DeleteCredentialRequest* request,
                                                v1::DeleteCredentialResponse*) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    return deps_.credentials->Delete(caller.company, request->id());
  });
}

}  // namespace notify::api
