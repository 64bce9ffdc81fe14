// Firebase Cloud Messaging HTTP v1, authorized by a service account: a JWT signed with its key is
// exchanged for an OAuth2 access token (cached), which authorizes messages:send.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "server/common/crypto.h"
#include "server/common/http_client.h"
#include "server/common/json.h"
#include "server/delivery/sender_internal.h"
#include "server/delivery/senders.h"

namespace notify::delivery {

// Access tokens per (service account, key, token URL). One entry per configured account, so it
// stays small; an entry's mutex is held across its exchange, so senders that need the same token
// at the same time wait for one exchange instead of each making their own.
struct FcmPushSender::TokenCache {
  struct Entry {
    std::mutex mu;
    std::string access_token ABSL_GUARDED_BY(mu);  // Empty: none (yet, or dropped after a 401).
    absl::Time refresh_at ABSL_GUARDED_BY(mu);     // 60 s before the token expires.
  };

  std::shared_ptr<Entry> Get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu);
    std::shared_ptr<Entry>& entry = entries[key];
    if (entry == nullptr) entry = std::make_shared<Entry>();
    return entry;
  }

  std::mutex mu;
  std::map<std::string, std::shared_ptr<Entry>> entries ABSL_GUARDED_BY(mu);
};

namespace {

constexpr absl::string_view kScope = "https://www.googleapis.com/auth/firebase.messaging";
constexpr absl::Duration kTokenLifetime = absl::Hours(1);
constexpr absl::Duration kRefreshMargin = absl::Seconds(60);

struct ServiceAccount {
  std::string client_email;
  std::string private_key;  // PEM.
  std::string project_id;
  std::string token_uri;
};

struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

SendResult Fail(SendOutcome outcome, absl::string_view detail,
                const std::vector<absl::string_view>& secrets = {}) {
  SendResult result;
  result.outcome = outcome;
  result.detail = internal::SafeDetail(detail, secrets);
  return result;
}

// The service account fields we need, or a detail saying what is wrong (never quoting the key).
std::optional<ServiceAccount> ParseServiceAccount(absl::string_view text, std::string* error) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) {
    *error = "the FCM service account is not a JSON object";
    return std::nullopt;
  }
  ServiceAccount account;
  account.client_email = StringField(json, "client_email");
  account.private_key = StringField(json, "private_key");
  account.project_id = StringField(json, "project_id");
  account.token_uri = StringField(json, "token_uri");
  std::vector<absl::string_view> missing;
  if (account.client_email.empty()) missing.push_back("client_email");
  if (account.private_key.empty()) missing.push_back("private_key");
  if (!missing.empty()) {
    *error = absl::StrCat("the FCM service account lacks ", missing.front());
    return std::nullopt;
  }
  return account;
}

std::unique_ptr<EVP_PKEY, EvpPkeyFree> LoadRsaKey(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return nullptr;
  // A refusing passphrase callback: an encrypted key fails instead of prompting on a terminal.
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  std::unique_ptr<EVP_PKEY, EvpPkeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  ERR_clear_error();  // Leave nothing of this on the thread's error queue.
  if (key == nullptr || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return nullptr;
  return key;
}

std::optional<std::string> SignRs256(EVP_PKEY* key, absl::string_view data) {
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx(EVP_MD_CTX_new());
  const auto* input = reinterpret_cast<const unsigned char*>(data.data());
  size_t length = 0;
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, input, data.size()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, input,
                     data.size()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  signature.resize(length);
  return signature;
}

// OAuth2 errors: {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}.
std::string OAuthError(const std::string& body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  std::string error = StringField(json, "error");
  const std::string description = StringField(json, "error_description");
  if (!description.empty()) error = error.empty() ? description : error + ": " + description;
  return error;
}

// Google API errors: {"error": {"code": 404, "message": ..., "status": "NOT_FOUND",
// "details": [{"@type": "...FcmError", "errorCode": "UNREGISTERED"}]}}.
struct GoogleError {
  std::string message;
  std::string status;
  std::string error_code;  // FCM's own, from details.

  std::string Describe() const {
    std::string out = status.empty() ? message : absl::StrCat(status, ": ", message);
    if (!error_code.empty() && error_code != status) absl::StrAppend(&out, " (", error_code, ")");
    return out;
  }
};

GoogleError ParseGoogleError(const std::string& body) {
  GoogleError error;
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("error") || !json["error"].is_object()) return error;
  const nlohmann::json& e = json["error"];
  error.message = StringField(e, "message");
  error.status = StringField(e, "status");
  if (e.contains("details") && e["details"].is_array()) {
    for (const auto& detail : e["details"]) {
      const std::string code = StringField(detail, "errorCode");
      if (!code.empty()) error.error_code = code;
    }
  }
  return error;
}

// A signed JWT for the token exchange, or nullopt when the key does not load or sign.
std::optional<std::string> MakeAssertion(const ServiceAccount& account,
                                         const std::string& token_url) {
  std::unique_ptr<EVP_PKEY, EvpPkeyFree> key = LoadRsaKey(account.private_key);
  if (key == nullptr) return std::nullopt;
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  const nlohmann::json claims = {{"iss", account.client_email},
                                 {"scope", kScope},
                                 {"aud", token_url},
                                 {"iat", now},
                                 {"exp", now + absl::ToInt64Seconds(kTokenLifetime)}};
  const std::string signing_input = absl::StrCat(absl::WebSafeBase64Escape(header.dump()), ".",
                                                 absl::WebSafeBase64Escape(claims.dump()));
  std::optional<std::string> signature = SignRs256(key.get(), signing_input);
  if (!signature.has_value()) return std::nullopt;
  return absl::StrCat(signing_input, ".", absl::WebSafeBase64Escape(*signature));
}

}  // namespace

FcmPushSender::FcmPushSender(SenderOptions options)
    : options_(std::move(options)), tokens_(std::make_unique<TokenCache>()) {}

FcmPushSender::~FcmPushSender() = default;

SendResult FcmPushSender::Send(const FcmSettings& settings, const PushMessage& message) const {
  if (settings.url.empty()) return Fail(SendOutcome::kPermanent, "FCM is not configured: no URL");
  if (message.device_token.empty()) return Fail(SendOutcome::kPermanent, "no device token");
  std::string error;
  const std::optional<ServiceAccount> account =
      ParseServiceAccount(settings.service_account_json, &error);
  if (!account.has_value()) return Fail(SendOutcome::kPermanent, error);
  const std::string project_id =
      settings.project_id.empty() ? account->project_id : settings.project_id;
  // Never the account's own token_uri: a company's service account could point it anywhere,
  // internal hosts included, and read the answers back in its log.
  const std::string& token_url = settings.token_url;
  if (project_id.empty()) {
    return Fail(SendOutcome::kPermanent, "no FCM project: the service account lacks project_id");
  }
  if (token_url.empty())
    return Fail(SendOutcome::kPermanent, "FCM is not configured: no token URL");

  // Keyed by a digest of the key too, so that a service account JSON naming someone else's
  // client_email never gets their cached token.
  const std::shared_ptr<TokenCache::Entry> entry = tokens_->Get(
      Sha256(absl::StrCat(account->client_email, "\n", token_url, "\n", account->private_key)));
  std::string access_token;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    if (entry->access_token.empty() || absl::Now() >= entry->refresh_at) {
      entry->access_token.clear();
      const std::optional<std::string> assertion = MakeAssertion(*account, token_url);
      if (!assertion.has_value()) {
        return Fail(SendOutcome::kPermanent,
                    "the FCM service account's private_key is not an RSA private key in PEM form");
      }
      const HttpCall exchange = internal::ProviderPost(
          options_, token_url, "application/x-www-form-urlencoded",
          absl::StrCat("grant_type=", UrlEscape("urn:ietf:params:oauth:grant-type:jwt-bearer"),
                       "&assertion=", UrlEscape(*assertion)));
      const absl::Time asked = absl::Now();
      const HttpReply answer = PerformHttp(exchange);
      const std::vector<absl::string_view> secrets = {*assertion};
      if (answer.status == 400 || answer.status == 401) {
        SendResult result =
            Fail(SendOutcome::kPermanent,
                 absl::StrCat("the token endpoint refused the FCM service account (HTTP ",
                              answer.status, ": ", OAuthError(answer.body), ")"),
                 secrets);
        result.provider_status = answer.status;
        return result;
      }
      if (answer.status < 200 || answer.status >= 300) {
        return internal::ClassifyHttp("the FCM token endpoint", answer, OAuthError(answer.body),
                                      secrets);
      }
      const nlohmann::json json = nlohmann::json::parse(answer.body, nullptr, false);
      entry->access_token = StringField(json, "access_token");
      if (entry->access_token.empty()) {
        SendResult result = Fail(SendOutcome::kTemporary,
                                 "the FCM token endpoint answered without an access_token");
        result.provider_status = answer.status;
        return result;
      }
      absl::Duration lifetime = kTokenLifetime;
      if (json.contains("expires_in") && json["expires_in"].is_number()) {
        lifetime = absl::Seconds(json["expires_in"].get<double>());
      }
      entry->refresh_at = asked + lifetime - kRefreshMargin;
    }
    access_token = entry->access_token;
  }

  nlohmann::json notification = {{"body", message.body}};
  if (!message.title.empty()) notification["title"] = message.title;
  nlohmann::json fcm_message = {{"token", message.device_token}, {"notification", notification}};
  if (!message.data.empty()) fcm_message["data"] = message.data;
  const HttpReply answer = PerformHttp(internal::ProviderPost(
      options_,
      absl::StrCat(absl::StripSuffix(absl::StripAsciiWhitespace(settings.url), "/"),
                   "/v1/projects/", UrlEscape(project_id), "/messages:send"),
      "application/json",
      nlohmann::json{{"message", fcm_message}}.dump(-1, ' ', false,
                                                    nlohmann::json::error_handler_t::replace),
      {absl::StrCat("Authorization: Bearer ", access_token)}));
  const std::vector<absl::string_view> secrets = {access_token};
  const GoogleError google = ParseGoogleError(answer.body);

  if (answer.status == 401) {
    // The token was revoked or expired early: drop it (unless another sender already replaced it)
    // so that the retry exchanges a new one.
    std::lock_guard<std::mutex> lock(entry->mu);
    if (entry->access_token == access_token) entry->access_token.clear();
    SendResult result =
        Fail(SendOutcome::kTemporary,
             absl::StrCat("FCM refused the access token (HTTP 401: ", google.Describe(),
                          "); a new one will be fetched"),
             secrets);
    result.provider_status = answer.status;
    return result;
  }
  const bool invalid_token =
      answer.status == 400 &&
      (google.error_code == "INVALID_ARGUMENT" || google.status == "INVALID_ARGUMENT") &&
      absl::StrContains(absl::AsciiStrToLower(google.message), "registration token");
  if (answer.status == 404 || google.error_code == "UNREGISTERED" || invalid_token) {
    SendResult result = Fail(SendOutcome::kUnregistered,
                             absl::StrCat("FCM says the device token is not registered (HTTP ",
                                          answer.status, ": ", google.Describe(), ")"),
                             secrets);
    result.provider_status = answer.status;
    return result;
  }
  SendResult result = internal::ClassifyHttp("FCM", answer, google.Describe(), secrets);
  if (result.outcome == SendOutcome::kSent) {
    result.provider_id = StringField(nlohmann::json::parse(answer.body, nullptr, false), "name");
  }
  return result;
}

}  // namespace notify::delivery
