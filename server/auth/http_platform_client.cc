#include "server/auth/http_platform_client.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/http_client.h"
#include "server/common/json.h"
#include "server/common/log.h"
#include "server/common/status.h"

namespace notify {
namespace {

constexpr absl::string_view kPlatformUnavailable = "PLATFORM_UNAVAILABLE";

// The wait the platform's Retry-After asks for, read as every HTTP peer's is (ParseRetryAfter).
std::optional<absl::Duration> RetryAfter(const std::map<std::string, std::string>& headers) {
  auto it = headers.find("retry-after");
  if (it == headers.end()) return std::nullopt;
  return ParseRetryAfter(it->second, absl::Now());
}

// One attempt's request, without its timeouts. The token travels in the Authorization header only.
HttpCall PlatformCall(const std::string& method, const std::string& url, absl::string_view token,
                      const std::string& body) {
  HttpCall call;
  call.method = method;
  call.url = url;
  call.headers = {absl::StrCat("Authorization: Token ", token), "Accept: application/json"};
  if (!body.empty()) call.headers.push_back("Content-Type: application/json");
  call.body = body;
  return call;
}

std::string PlatformMessage(const std::string& body) {
  return StringField(nlohmann::json::parse(body, nullptr, false), "message");
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
    HttpCall call = PlatformCall(method, url, token, body);
    call.connect_timeout = std::min(options_.connect_timeout, left);
    call.timeout = left;  // The attempt gets what is left of the budget.
    HttpReply reply = PerformHttp(call);

    bool retry;
    if (reply.status == 0) {
      last_error = reply.error_class;  // Names no host: this goes into the caller's status.
      retry = reply.retryable;
    } else if (reply.status >= 500) {
      last_error = absl::StrCat("HTTP ", reply.status);
      retry = true;
    } else {
      return Answer{reply.status, std::move(reply.body), RetryAfter(reply.headers)};
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
  company.name = StringField(data, "name");
  company.mode = StringField(data, "mode");
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
             absl::StrCat("/3/admin/webhooks/?url=", UrlEscape(url), "&page_size=250&page=", page),
             token));
    if (!data.is_object()) break;
    auto results = data.find("results");
    if (results == data.end() || !results->is_array()) break;
    for (const auto& item : *results) {
      if (!item.is_object() || !item.contains("id")) continue;
      PlatformWebhook webhook;
      webhook.id = item["id"].is_string() ? item["id"].get<std::string>() : item["id"].dump();
      webhook.url = StringField(item, "url");
      webhook.event = StringField(item, "event");
      if (webhook.url == url) webhooks.push_back(std::move(webhook));
    }
    if (!data.is_object() || !data.contains("next") || data["next"].is_null()) break;
  }
  return webhooks;
}

absl::Status HttpPlatformClient::DeleteWebhook(absl::string_view token, absl::string_view id) {
  return Call("DELETE", absl::StrCat("/3/admin/webhooks/", UrlEscape(id), "/"), token).status();
}

absl::StatusOr<PlatformUser> HttpPlatformClient::GetUser(absl::string_view token,
                                                         absl::string_view user_id) {
  NOTIFY_ASSIGN_OR_RETURN(
      nlohmann::json data,
      Call("GET", absl::StrCat("/3/admin/users/", UrlEscape(user_id), "/"), token));
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
                                 absl::StrCat("/3/admin/users/?group=", UrlEscape(group),
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
