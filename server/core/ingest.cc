#include "server/core/ingest.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "server/common/status.h"
#include "server/core/lifecycle.h"

namespace notify {
namespace {

absl::Status BadPayload(absl::string_view message, absl::string_view field = "") {
  absl::Status status = WithReason(absl::InvalidArgumentError(message), "WEBHOOK_PAYLOAD_INVALID");
  return field.empty() ? status : WithField(std::move(status), field);
}

// How deep a webhook's JSON may nest: far deeper than any event the platform sends, and than
// any template reads; PostgreSQL's jsonb would fail the whole batch's insert on a much deeper one.
constexpr int kMaxNesting = 64;

// Whether `json` nests objects and arrays more than `limit` deep (strings skipped, escapes
// included); one pass, before any parse.
bool NestsDeeperThan(absl::string_view json, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

absl::Status BadSecret() {
  return WithReason(absl::UnauthenticatedError(
                        "Send the company's webhook secret as `Authorization: Secret <secret>`."),
                    "WEBHOOK_SECRET_INVALID");
}

// The secret of an "Authorization: Secret <secret>" value (scheme case-insensitive).
absl::StatusOr<std::string> SecretFrom(absl::string_view authorization) {
  absl::string_view value = absl::StripAsciiWhitespace(authorization);
  constexpr absl::string_view kScheme = "secret ";
  if (value.size() <= kScheme.size() || !absl::StartsWithIgnoreCase(value, kScheme)) {
    return BadSecret();
  }
  value.remove_prefix(kScheme.size());
  value = absl::StripLeadingAsciiWhitespace(value);
  if (value.empty()) return BadSecret();
  return std::string(value);
}

// A required non-empty string member (the id may also be a number, as the platform's docs show it).
absl::StatusOr<std::string> RequiredString(const nlohmann::json& body, const char* key,
                                           bool number_allowed) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return BadPayload(absl::StrCat("The event has no \"", key, "\"."), key);
  }
  if (number_allowed && it->is_number_integer()) return it->dump();
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return BadPayload(absl::StrCat("The event's \"", key, "\" must be a non-empty string."), key);
  }
  const std::string& value = it->get_ref<const std::string&>();
  if (value.size() > 255 || std::any_of(value.begin(), value.end(),
                                        [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    return BadPayload(
        absl::StrCat("The event's \"", key, "\" must be at most 255 printable characters."), key);
  }
  return value;
}

}  // namespace

bool IsKnownEvent(absl::string_view name) {
  const std::vector<std::string>& names = PlatformEventNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

Ingest::Ingest(CompanyDirectory* directory, EventStore* events, RateLimiter* limiter,
               prometheus::Registry* registry)
    : directory_(directory),
      events_(events),
      limiter_(limiter),
      received_(metrics::Counters(*registry, "notify_webhook_events_total",
                                  "Webhook events accepted, by outcome.", {"outcome"})),
      rejected_(metrics::Counters(*registry, "notify_webhook_rejections_total",
                                  "Webhook events refused, by reason.", {"reason"})),
      latencies_(metrics::Latencies(*registry, "notify_webhook_ingest_seconds",
                                    "Time to check and store a webhook event.", {})),
      latency_(latencies_.With({})) {}

absl::StatusOr<IngestResult> Ingest::Receive(absl::string_view authorization,
                                             absl::string_view payload) {
  const absl::Time start = absl::Now();
  absl::StatusOr<IngestResult> result;
  absl::StatusOr<NewEvent> checked = Check(authorization, payload);
  if (!checked.ok()) {
    result = checked.status();
  } else {
    absl::StatusOr<StoredEvent> stored = events_->Insert(
        checked->company, checked->event_id, checked->name, checked->payload, checked->status);
    if (stored.ok()) {
      result = IngestResult{stored->id, stored->duplicate,
                            stored->status == notifications::v1::EVENT_STATUS_IGNORED};
      if (!stored->duplicate && checked->status == notifications::v1::EVENT_STATUS_PENDING &&
          on_new_event_)
        on_new_event_();
    } else {
      result = stored.status();
    }
  }
  metrics::Observe(latency_, absl::Now() - start);
  Count(result);
  return result;
}

std::vector<absl::StatusOr<IngestResult>> Ingest::ReceiveMany(
    const std::vector<Delivered>& events) {
  const absl::Time start = absl::Now();
  std::vector<absl::StatusOr<IngestResult>> results(events.size(),
                                                    absl::InternalError("not received"));
  std::vector<NewEvent> to_store;
  std::vector<size_t> positions;  // Of to_store's events in `events`.
  for (size_t i = 0; i < events.size(); ++i) {
    absl::StatusOr<NewEvent> checked = Check(events[i].authorization, events[i].payload);
    if (!checked.ok()) {
      results[i] = checked.status();
      continue;
    }
    to_store.push_back(*std::move(checked));
    positions.push_back(i);
  }
  bool woke = false;
  if (!to_store.empty()) {
    std::vector<absl::StatusOr<StoredEvent>> stored = events_->InsertMany(to_store);
    for (size_t k = 0; k < to_store.size(); ++k) {
      if (k >= stored.size()) break;
      if (!stored[k].ok()) {
        results[positions[k]] = stored[k].status();
        continue;
      }
      results[positions[k]] =
          IngestResult{stored[k]->id, stored[k]->duplicate,
                       stored[k]->status == notifications::v1::EVENT_STATUS_IGNORED};
      woke = woke || (!stored[k]->duplicate &&
                      to_store[k].status == notifications::v1::EVENT_STATUS_PENDING);
    }
  }
  if (woke && on_new_event_) on_new_event_();
  const absl::Duration took = absl::Now() - start;
  for (const absl::StatusOr<IngestResult>& result : results) {
    metrics::Observe(latency_, took);
    Count(result);
  }
  return results;
}

void Ingest::Count(const absl::StatusOr<IngestResult>& result) {
  if (result.ok()) {
    received_.With({result->duplicate ? "duplicate"
                    : result->ignored ? "ignored"
                                      : "stored"})
        .Increment();
  } else {
    const std::string reason = ReasonOf(result.status());
    rejected_.With({reason.empty() ? absl::StatusCodeToString(result.status().code()) : reason})
        .Increment();
  }
}

absl::StatusOr<NewEvent> Ingest::Check(absl::string_view authorization, absl::string_view payload) {
  NOTIFY_ASSIGN_OR_RETURN(const std::string secret, SecretFrom(authorization));
  if (NestsDeeperThan(payload, kMaxNesting)) {
    return BadPayload(absl::StrCat("The event is nested more than ", kMaxNesting, " levels deep."));
  }
  const nlohmann::json body = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return BadPayload("The body is not valid JSON.");
  if (!body.is_object()) return BadPayload("The body must be a JSON object.");
  NOTIFY_ASSIGN_OR_RETURN(std::string id, RequiredString(body, "id", true));
  NOTIFY_ASSIGN_OR_RETURN(std::string event, RequiredString(body, "event", false));
  NOTIFY_ASSIGN_OR_RETURN(std::string company, RequiredString(body, "company", false));
  auto data = body.find("data");
  if (data == body.end() || !data->is_object()) {
    return BadPayload("The event's \"data\" must be a JSON object.", "data");
  }
  // PostgreSQL's jsonb cannot hold a NUL character; refuse it here rather than fail later.
  if (payload.find("\\u0000") != absl::string_view::npos) {
    return BadPayload("The event contains a NUL character (\\u0000), which cannot be stored.");
  }
  NOTIFY_RETURN_IF_ERROR(directory_->CheckWebhookSecret(company, secret));
  if (limiter_ != nullptr) NOTIFY_RETURN_IF_ERROR(limiter_->Allow(company));
  const bool known = IsKnownEvent(event);
  return NewEvent{
      std::move(company), std::move(id), std::move(event), std::string(payload),
      known ? notifications::v1::EVENT_STATUS_PENDING : notifications::v1::EVENT_STATUS_IGNORED};
}

}  // namespace notify
