// The HTTP providers (SendGrid, Twilio) and the HTTP plumbing every HTTP sender shares.
#include <curl/curl.h>

#include <algorithm>
#include <ctime>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "server/delivery/sender_internal.h"
#include "server/delivery/senders.h"

namespace notify::delivery {
namespace {

// Bodies past this are not kept: only error messages and ids are read from them.
constexpr size_t kMaxBody = 1 << 20;

void InitCurlOnce() {
  static const bool initialized = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)initialized;
}

// One easy handle per thread, reset before each call: calls stay independent while connections to
// the same provider are reused.
CURL* ThreadHandle() {
  struct Handle {
    Handle() : curl(curl_easy_init()) {}
    ~Handle() { curl_easy_cleanup(curl); }
    CURL* curl;
  };
  thread_local Handle handle;
  if (handle.curl != nullptr) curl_easy_reset(handle.curl);
  return handle.curl;
}

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  body->append(data, std::min(size * count, kMaxBody - std::min(kMaxBody, body->size())));
  return size * count;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* out) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(out);
  const absl::string_view line(data, size * count);
  if (absl::StartsWith(line, "HTTP/")) {
    headers->clear();  // A new response (after a 100 Continue, say).
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    (*headers)[absl::AsciiStrToLower(line.substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return size * count;
}

long Milliseconds(absl::Duration duration) {
  return std::max(1L, static_cast<long>(absl::ToInt64Milliseconds(duration)));
}

// Retry-After as delta-seconds or an HTTP-date.
std::optional<absl::Duration> ParseRetryAfter(const std::string& value) {
  int64_t seconds = 0;
  if (absl::SimpleAtoi(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(std::min<int64_t>(seconds, 24 * 3600));
  }
  const time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return std::max(absl::ZeroDuration(), absl::FromTimeT(when) - absl::Now());
}

std::string BaseUrl(absl::string_view url) {
  return std::string(absl::StripSuffix(absl::StripAsciiWhitespace(url), "/"));
}

std::string Escape(absl::string_view text) {
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return out;
}

SendResult Refuse(absl::string_view detail) {
  SendResult result;
  result.outcome = SendOutcome::kPermanent;
  result.detail = internal::SafeDetail(detail, {});
  return result;
}

std::string StringField(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
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

HttpAnswer Perform(const SenderOptions& options, const HttpPost& post) {
  InitCurlOnce();
  HttpAnswer answer;
  CURL* curl = ThreadHandle();
  if (curl == nullptr) {
    answer.error = "could not create a curl handle";
    return answer;
  }
  curl_slist* headers = nullptr;
  for (const std::string& header : post.headers)
    headers = curl_slist_append(headers, header.c_str());
  const std::string content_type = absl::StrCat("Content-Type: ", post.content_type);
  headers = curl_slist_append(headers, content_type.c_str());
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, "Expect:");  // No 100-continue round trip.
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, post.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!post.basic_user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(curl, CURLOPT_USERNAME, post.basic_user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, post.basic_password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "rehive-notifications/" NOTIFY_VERSION);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   Milliseconds(std::min(options.connect_timeout, options.timeout)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, Milliseconds(options.timeout));
  if (!options.verify_tls) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer.headers);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  // The handle outlives this call: leave it pointing at nothing of ours.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    answer.status = static_cast<int>(status);
  }
  if (answer.status == 0) {
    answer.error = error[0] != '\0' ? std::string(error) : curl_easy_strerror(code);
    answer.body.clear();
    answer.headers.clear();
  }
  return answer;
}

SendResult ClassifyHttp(absl::string_view provider, const HttpAnswer& answer,
                        absl::string_view provider_message,
                        const std::vector<absl::string_view>& secrets) {
  SendResult result;
  result.provider_status = answer.status;
  const int status = answer.status;
  std::string detail;
  if (status == 0) {
    result.outcome = SendOutcome::kTemporary;
    detail = absl::StrCat(provider, " could not be reached: ", answer.error);
  } else if (status >= 200 && status < 300) {
    result.outcome = SendOutcome::kSent;
    detail = absl::StrCat(provider, " accepted it (HTTP ", status, ")");
  } else {
    const bool temporary = status == 408 || status == 429 || status >= 500;
    result.outcome = temporary ? SendOutcome::kTemporary : SendOutcome::kPermanent;
    detail = absl::StrCat(provider, " answered HTTP ", status);
    if (!provider_message.empty()) absl::StrAppend(&detail, ": ", provider_message);
    if (status == 429 || status == 503) {
      auto it = answer.headers.find("retry-after");
      if (it != answer.headers.end()) result.retry_after = ParseRetryAfter(it->second);
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

  internal::HttpPost post;
  post.url = BaseUrl(settings.url) + "/v3/mail/send";
  post.content_type = "application/json";
  // Invalid UTF-8 is replaced rather than thrown on.
  post.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  post.headers.push_back(absl::StrCat("Authorization: Bearer ", settings.api_key));
  const internal::HttpAnswer answer = internal::Perform(options_, post);
  SendResult result =
      internal::ClassifyHttp("SendGrid", answer, SendGridError(answer.body), {settings.api_key});
  if (result.outcome == SendOutcome::kSent) {
    auto it = answer.headers.find("x-message-id");
    if (it != answer.headers.end()) result.provider_id = it->second;
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

  internal::HttpPost post;
  post.url = absl::StrCat(BaseUrl(settings.url), "/2010-04-01/Accounts/",
                          Escape(settings.account_sid), "/Messages.json");
  post.content_type = "application/x-www-form-urlencoded";
  // A messaging service picks the sender itself.
  const bool service = absl::StartsWith(settings.from, "MG");
  post.body = absl::StrCat("To=", Escape(message.to), "&", service ? "MessagingServiceSid" : "From",
                           "=", Escape(settings.from), "&Body=", Escape(message.body));
  post.basic_user = settings.account_sid;
  post.basic_password = settings.auth_token;
  const internal::HttpAnswer answer = internal::Perform(options_, post);
  SendResult result =
      internal::ClassifyHttp("Twilio", answer, TwilioError(answer.body), {settings.auth_token});
  if (result.outcome == SendOutcome::kSent) {
    const nlohmann::json json = nlohmann::json::parse(answer.body, nullptr, false);
    result.provider_id = StringField(json, "sid");
  }
  return result;
}

}  // namespace notify::delivery
