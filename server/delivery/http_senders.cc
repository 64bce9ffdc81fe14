// The HTTP providers (SendGrid, Twilio) and the HTTP plumbing every HTTP sender shares.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "server/common/http_client.h"
#include "server/common/json.h"
#include "server/delivery/sender_internal.h"
#include "server/delivery/senders.h"

namespace notify::delivery {
namespace {

// Bodies past this are not kept: only error messages and ids are read from them.
constexpr size_t kMaxBody = 1 << 20;

std::string BaseUrl(absl::string_view url) {
  return std::string(absl::StripSuffix(absl::StripAsciiWhitespace(url), "/"));
}

SendResult Refuse(absl::string_view detail) {
  SendResult result;
  result.outcome = SendOutcome::kPermanent;
  result.detail = internal::SafeDetail(detail, {});
  return result;
}

// SendGrid: {"errors": [{"message": ..., "field": ...}, ...]}.
std::string SendGridError(const std::string& body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("errors") || !json["errors"].is_array()) return "";
  std::vector<std::string> messages;
  for (const auto& error : json["errors"]) {
    std::string message = StringField(error, "message");
    const std::string field = StringField(error, "field");
    if (!field.empty()) message = absl::StrCat(field, ": ", message);
    if (!message.empty()) messages.push_back(std::move(message));
  }
  return absl::StrJoin(messages, "; ");
}

// Twilio: {"code": 21211, "message": ..., "more_info": ..., "status": 400}.
std::string TwilioError(const std::string& body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  std::string message = StringField(json, "message");
  if (!message.empty() && json.contains("code") && json["code"].is_number_integer()) {
    absl::StrAppend(&message, " (code ", json["code"].get<int64_t>(), ")");
  }
  return message;
}

}  // namespace

namespace internal {

std::string SafeDetail(absl::string_view text, const std::vector<absl::string_view>& secrets,
                       size_t max_bytes) {
  std::string out = OneLine(text);
  for (absl::string_view secret : secrets) {
    if (!secret.empty()) absl::StrReplaceAll({{secret, "[redacted]"}}, &out);
  }
  if (out.size() > max_bytes) {
    size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

HttpCall ProviderPost(const SenderOptions& options, std::string url, absl::string_view content_type,
                      std::string body, std::vector<std::string> headers) {
  HttpCall call;
  call.method = "POST";
  call.url = std::move(url);
  call.headers = std::move(headers);
  call.headers.push_back(absl::StrCat("Content-Type: ", content_type));
  call.headers.push_back("Accept: application/json");
  call.body = std::move(body);
  call.connect_timeout = options.connect_timeout;
  call.timeout = options.timeout;
  call.verify_tls = options.verify_tls;
  call.max_body = kMaxBody;
  return call;
}

SendResult ClassifyHttp(absl::string_view provider, const HttpReply& reply,
                        absl::string_view provider_message,
                        const std::vector<absl::string_view>& secrets) {
  SendResult result;
  result.provider_status = reply.status;
  const int status = reply.status;
  std::string detail;
  if (status == 0) {
    result.outcome = SendOutcome::kTemporary;
    detail = absl::StrCat(provider, " could not be reached: ", reply.error);
  } else if (status >= 200 && status < 300) {
    result.outcome = SendOutcome::kSent;
    detail = absl::StrCat(provider, " accepted it (HTTP ", status, ")");
  } else {
    const bool temporary = status == 408 || status == 429 || status >= 500;
    result.outcome = temporary ? SendOutcome::kTemporary : SendOutcome::kPermanent;
    detail = absl::StrCat(provider, " answered HTTP ", status);
    if (!provider_message.empty()) absl::StrAppend(&detail, ": ", provider_message);
    if (status == 429 || status == 503) {
      auto it = reply.headers.find("retry-after");
      if (it != reply.headers.end()) result.retry_after = ParseRetryAfter(it->second, absl::Now());
    }
  }
  result.detail = SafeDetail(detail, secrets);
  return result;
}

}  // namespace internal

SendGridMailer::SendGridMailer(SenderOptions options) : options_(std::move(options)) {}

SendResult SendGridMailer::Send(const SendGridSettings& settings,
                                const EmailMessage& message) const {
  if (settings.url.empty() || settings.api_key.empty()) {
    return Refuse("SendGrid is not configured: its URL or API key is missing");
  }
  const std::optional<internal::MailAddress> from = internal::ParseMailAddress(message.from);
  if (!from.has_value()) return Refuse(absl::StrCat("invalid sender address: ", message.from));
  const std::optional<internal::MailAddress> to = internal::ParseMailAddress(message.to);
  if (!to.has_value()) return Refuse(absl::StrCat("invalid recipient address: ", message.to));

  nlohmann::json recipient = {{"email", to->address}};
  if (!to->name.empty()) recipient["name"] = to->name;
  nlohmann::json sender = {{"email", from->address}};
  if (!from->name.empty()) sender["name"] = from->name;
  // SendGrid wants text/plain before text/html, and no empty value: an email with neither gets a
  // blank text part, as SmtpMailer sends it.
  nlohmann::json content = nlohmann::json::array();
  if (!message.text.empty() || message.html.empty()) {
    content.push_back(
        {{"type", "text/plain"}, {"value", message.text.empty() ? " " : message.text}});
  }
  if (!message.html.empty()) content.push_back({{"type", "text/html"}, {"value", message.html}});
  nlohmann::json body = {
      {"personalizations", {{{"to", {recipient}}}}},
      {"from", sender},
      {"subject", internal::OneLine(message.subject)},
      {"content", content},
  };
  if (!message.reference.empty()) body["custom_args"] = {{"reference", message.reference}};

  // Invalid UTF-8 is replaced rather than thrown on.
  const HttpReply reply = PerformHttp(
      internal::ProviderPost(options_, BaseUrl(settings.url) + "/v3/mail/send", "application/json",
                             body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                             {absl::StrCat("Authorization: Bearer ", settings.api_key)}));
  SendResult result =
      internal::ClassifyHttp("SendGrid", reply, SendGridError(reply.body), {settings.api_key});
  if (result.outcome == SendOutcome::kSent) {
    auto it = reply.headers.find("x-message-id");
    if (it != reply.headers.end()) result.provider_id = it->second;
  }
  return result;
}

TwilioSmsSender::TwilioSmsSender(SenderOptions options) : options_(std::move(options)) {}

SendResult TwilioSmsSender::Send(const TwilioSettings& settings, const SmsMessage& message) const {
  if (settings.url.empty() || settings.account_sid.empty() || settings.auth_token.empty() ||
      settings.from.empty()) {
    return Refuse(
        "Twilio is not configured: its URL, account SID, auth token or sender is missing");
  }
  if (message.to.empty()) return Refuse("no recipient phone number");

  // A messaging service picks the sender itself.
  const bool service = absl::StartsWith(settings.from, "MG");
  HttpCall call = internal::ProviderPost(
      options_,
      absl::StrCat(BaseUrl(settings.url), "/2010-04-01/Accounts/", UrlEscape(settings.account_sid),
                   "/Messages.json"),
      "application/x-www-form-urlencoded",
      absl::StrCat("To=", UrlEscape(message.to), "&", service ? "MessagingServiceSid" : "From", "=",
                   UrlEscape(settings.from), "&Body=", UrlEscape(message.body)));
  call.basic_user = settings.account_sid;
  call.basic_password = settings.auth_token;
  const HttpReply reply = PerformHttp(call);
  SendResult result =
      internal::ClassifyHttp("Twilio", reply, TwilioError(reply.body), {settings.auth_token});
  if (result.outcome == SendOutcome::kSent) {
    const nlohmann::json json = nlohmann::json::parse(reply.body, nullptr, false);
    result.provider_id = StringField(json, "sid");
  }
  return result;
}

}  // namespace notify::delivery
