#include "server/common/status.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace notify {
namespace {
// The payload type URL under which the reason is kept inside an absl::Status.
constexpr absl::string_view kReasonPayloadUrl = "type.googleapis.com/notifications.v1.ErrorReason";
// The payload type URL under which a retry delay (whole seconds) is kept.
constexpr absl::string_view kRetryAfterPayloadUrl = "type.googleapis.com/google.rpc.RetryInfo";
// The payload type URL under which the field at fault is kept.
constexpr absl::string_view kFieldPayloadUrl = "type.googleapis.com/notifications.v1.Field";
}  // namespace

absl::Status WithField(absl::Status status, absl::string_view field) {
  if (status.ok()) return status;
  status.SetPayload(kFieldPayloadUrl, absl::Cord(field));
  return status;
}

absl::Status InvalidField(absl::string_view field, absl::string_view message,
                          absl::string_view reason) {
  return WithField(
      WithReason(absl::InvalidArgumentError(absl::StrCat(field, ": ", message)), reason), field);
}

std::string FieldOf(const absl::Status& status) {
  auto payload = status.GetPayload(kFieldPayloadUrl);
  return payload.has_value() ? std::string(*payload) : std::string();
}

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  if (status.ok()) return status;
  status.SetPayload(kReasonPayloadUrl, absl::Cord(reason));
  return status;
}

std::string ReasonOf(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonPayloadUrl);
  return payload.has_value() ? std::string(*payload) : std::string();
}

absl::Status WithRetryAfter(absl::Status status, absl::Duration wait) {
  if (status.ok()) return status;
  status.SetPayload(kRetryAfterPayloadUrl, absl::Cord(std::to_string(absl::ToInt64Seconds(wait))));
  return status;
}

std::optional<absl::Duration> RetryAfterOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterPayloadUrl);
  int64_t seconds = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &seconds)) {
    return std::nullopt;
  }
  return absl::Seconds(seconds);
}

}  // namespace notify
