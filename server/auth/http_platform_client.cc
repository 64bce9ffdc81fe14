#include "server/auth/http_platform_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "server/common/log.h"
#include "server/common/status.h"

namespace notify {
namespace {

constexpr absl::string_view kPlatformUnavailable = "PLATFORM_UNAVAILABLE";

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

size_t ReadRetryAfter(char* data, size_t size, size_t count, void* out) {
  absl::string_view line(data, size * count);
  if (absl::StartsWithIgnoreCase(line, "retry-after:")) {
    line.remove_prefix(12);
    int64_t seconds = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &seconds) && seconds >= 0) {
      *static_cast<std::optional<absl::Duration>*>(out) = absl::Seconds(seconds);
    }
  }
  return size * count;
}

bool Retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

std::string PlatformMessage(const std::string& body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.contains("message") && json["message"].is_string()) {
    return json["message"].get<std::string>();
  }
  return "";
}

std::string UrlEncode(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

// A string member of a JSON object, or "" for anything else (the platform's shapes are not
// trusted).
std::string Text(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

void InitCurlOnce() {
  static const bool initialized = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)initialized;
}

}  // namespace

absl::Status StatusFromPlatformAnswer(long http_status, const std::string& body,
                                      std::optional<absl::Duration> retry_after,
                                      absl::string_view what) {
  if (http_status >= 200 && http_status < 300) return absl::OkStatus();
  const std::string message = PlatformMessage(body);
  switch (http_status) {
    case 401:
      return WithReason(absl::UnauthenticatedError("The platform rejected the token."),
                        "TOKEN_INVALID");
    case 403:
      return WithReason(
          absl::PermissionDeniedError("The platform denied this token access to the company."),
          "ADMIN_REQUIRED");
    case 404:
      return absl::NotFoundError(absl::StrCat(what, ": not found on the platform"));
    case 429: {
      absl::Status status =
          WithReason(absl::ResourceExhaustedError(
                         "The platform is rate-limiting these calls; try again later."),
                     "PLATFORM_RATE_LIMITED");
      return WithRetryAfter(std::move(status), retry_after.value_or(absl::Seconds(1)));
    }
    default:
      return WithReason(absl::UnavailableError(
                            absl::StrCat("The platform could not be used (", what, " answered ",
                                         http_status, message.empty() ? "" : ": " + message, ").")),
                        kPlatformUnavailable);
  }
}

HttpPlatformClient::HttpPlatformClient(Options options) : options_(std::move(options)) {
  InitCurlOnce();
}

HttpPlatformClient::~HttpPlatformClient() {
  for (void* handle : idle_handles_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* HttpPlatformClient::AcquireHandle() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_handles_.empty()) {
      void* handle = idle_handles_.back();
      idle_handles_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void HttpPlatformClient::ReleaseHandle(void* handle) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_handles_.push_back(handle);
}

absl::StatusOr<HttpPlatformClient::Answer> HttpPlatformClient::Send(const std::string& method,
                                                                    const std::string& path,
                                                                    absl::string_view token,
                                                                    const std::string& body) {
  const std::string url = options_.base_url + path;
  const std::string what = absl::StrCat(method, " ", path.substr(0, path.find('?')));
  const absl::Time deadline = absl::Now() + options_.timeout;
  thread_local std::mt19937 random(std::random_device{}());
  std::string last_error;
  for (int attempt = 0;; ++attempt) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    CURL* curl = static_cast<CURL*>(AcquireHandle());
    curl_easy_reset(curl);  // Keeps the connection cache.
    Answer answer;
    const std::string authorization = absl::StrCat("Authorization: Token ", token);
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, authorization.c_str());
    headers = curl_slist_append(headers, "Accept: application/json");
    if (!body.empty()) headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (!body.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "rehive-notifications/" NOTIFY_VERSION);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(
        curl, CURLOPT_CONNECTTIMEOUT_MS,
        static_cast<long>(absl::ToInt64Milliseconds(std::min(options_.connect_timeout, left))));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     std::max(1L, static_cast<long>(absl::ToInt64Milliseconds(left))));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &ReadRetryAfter);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer.retry_after);
    const CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
    ReleaseHandle(curl);

    bool retry;
    if (code != CURLE_OK) {
      last_error = curl_easy_strerror(code);
      retry = Retryable(code);
    } else if (answer.status >= 500) {
      last_error = absl::StrCat("HTTP ", answer.status);
      retry = true;
    } else {
      return answer;
    }
    if (!retry || attempt >= options_.retries) break;
    // Full jitter: a random wait up to backoff * 2^attempt.
    const int64_t cap_ms = absl::ToInt64Milliseconds(options_.backoff) << attempt;
    const absl::Duration wait =
        absl::Milliseconds(std::uniform_int_distribution<int64_t>(0, cap_ms)(random));
    if (absl::Now() + wait >= deadline) break;
    log::Warn("platform call failed; retrying",
              {{"call", what}, {"attempt", attempt + 1}, {"error", last_error}});
    absl::SleepFor(wait);
  }
  log::Warn("platform unavailable", {{"call", what}, {"error", last_error}});
  return WithReason(absl::UnavailableError(absl::StrCat("The platform could not be reached (", what,
                                                        ": ", last_error, "); try again.")),
                    kPlatformUnavailable);
}

absl::StatusOr<nlohmann::json> HttpPlatformClient::Call(const std::string& method,
                                                        const std::string& path,
                                                        absl::string_view token,
                                                        const std::string& body) {
  NOTIFY_ASSIGN_OR_RETURN(Answer answer, Send(method, path, token, body));
  const std::string what = absl::StrCat(method, " ", path.substr(0, path.find('?')));
  NOTIFY_RETURN_IF_ERROR(
      StatusFromPlatformAnswer(answer.status, answer.body, answer.retry_after, what));
  if (answer.body.empty()) return nlohmann::json::object();
  nlohmann::json json = nlohmann::json::parse(answer.body, nullptr, false);
  if (!json.is_object()) {
    return WithReason(absl::UnavailableError(absl::StrCat("The platform answered ", what,
                                                          " with something that is not JSON.")),
                      kPlatformUnavailable);
  }
  auto data = json.find("data");
  return data == json.end() ? nlohmann::json::object() : *data;
}

absl::StatusOr<PlatformUser> HttpPlatformClient::Authenticate(absl::string_view token) {
  NOTIFY_ASSIGN_OR_RETURN(nlohmann::json data, Call("GET", "/3/auth/", token));
  absl::StatusOr<PlatformUser> user = ParsePlatformUser(data);
  if (!user.ok()) {
    return WithReason(absl::UnavailableError("The platform's /3/auth/ answer has no user id."),
                      kPlatformUnavailable);
  }
  return user;
}

absl::StatusOr<PlatformCompany> HttpPlatformClient::GetCompany(absl::string_view token) {
  NOTIFY_ASSIGN_OR_RETURN(nlohmann::json data, Call("GET", "/3/admin/company/", token));
  PlatformCompany company;
  company.id = data.value("id", "");
  company.name =
      data.contains("name") && data["name"].is_string() ? data["name"].get<std::string>() : "";
  company.mode =
      data.contains("mode") && data["mode"].is_string() ? data["mode"].get<std::string>() : "";
  if (company.id.empty()) {
    return WithReason(absl::UnavailableError("The platform's company answer has no id."),
                      kPlatformUnavailable);
  }
  return company;
}

absl::Status HttpPlatformClient::CreateWebhook(absl::string_view token, absl::string_view url,
                                               absl::string_view event, absl::string_view secret) {
  const std::string body =
      nlohmann::json{{"url", url}, {"event", event}, {"secret", secret}}.dump();
  NOTIFY_ASSIGN_OR_RETURN(Answer answer, Send("POST", "/3/admin/webhooks/", token, body));
  if (answer.status == 400 &&
      absl::StrContains(answer.body, "A webhook with the url and event already exists")) {
    return absl::OkStatus();
  }
  return StatusFromPlatformAnswer(answer.status, answer.body, answer.retry_after,
                                  "POST /3/admin/webhooks/");
}

absl::StatusOr<std::vector<PlatformWebhook>> HttpPlatformClient::ListWebhooks(
    absl::string_view token, absl::string_view url) {
  std::vector<PlatformWebhook> webhooks;
  // The list is paged; follow pages until the end (at most a few for one URL).
  for (int page = 1; page <= 20; ++page) {
    NOTIFY_ASSIGN_OR_RETURN(
        nlohmann::json data,
        Call("GET",
             absl::StrCat("/3/admin/webhooks/?url=", UrlEncode(url), "&page_size=250&page=", page),
             token));
    if (!data.is_object()) break;
    auto results = data.find("results");
    if (results == data.end() || !results->is_array()) break;
    for (const auto& item : *results) {
      if (!item.is_object() || !item.contains("id")) continue;
      PlatformWebhook webhook;
      webhook.id = item["id"].is_string() ? item["id"].get<std::string>() : item["id"].dump();
      webhook.url = Text(item, "url");
      webhook.event = Text(item, "event");
      if (webhook.url == url) webhooks.push_back(std::move(webhook));
    }
    if (!data.is_object() || !data.contains("next") || data["next"].is_null()) break;
  }
  return webhooks;
}

absl::Status HttpPlatformClient::DeleteWebhook(absl::string_view token, absl::string_view id) {
  return Call("DELETE", absl::StrCat("/3/admin/webhooks/", UrlEncode(id), "/"), token).status();
}

absl::StatusOr<PlatformUser> HttpPlatformClient::GetUser(absl::string_view token,
                                                         absl::string_view user_id) {
  NOTIFY_ASSIGN_OR_RETURN(
      nlohmann::json data,
      Call("GET", absl::StrCat("/3/admin/users/", UrlEncode(user_id), "/"), token));
  absl::StatusOr<PlatformUser> user = ParsePlatformUser(data);
  if (!user.ok()) return absl::NotFoundError("The platform's user answer has no id.");
  return user;
}

absl::StatusOr<std::vector<PlatformUser>> HttpPlatformClient::ListGroupUsers(
    absl::string_view token, absl::string_view group, int limit) {
  std::vector<PlatformUser> users;
  constexpr int kPageSize = 250;
  for (int page = 1;; ++page) {
    NOTIFY_ASSIGN_OR_RETURN(nlohmann::json data,
                            Call("GET",
                                 absl::StrCat("/3/admin/users/?group=", UrlEncode(group),
                                              "&page_size=", kPageSize, "&page=", page),
                                 token));
    if (!data.is_object()) break;
    auto results = data.find("results");
    if (results == data.end() || !results->is_array()) break;
    for (const auto& item : *results) {
      absl::StatusOr<PlatformUser> user = ParsePlatformUser(item);
      if (!user.ok()) continue;
      if (static_cast<int>(users.size()) >= limit) {
        return absl::InvalidArgumentError(
            absl::StrCat("the group \"", group, "\" has more than ", limit, " users"));
      }
      users.push_back(*std::move(user));
    }
    if (!data.contains("next") || data["next"].is_null()) break;
  }
  return users;
}

}  // namespace notify
