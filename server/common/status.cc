#include "server/common/status.h"

#include "absl/strings/cord.h"

namespace notify {
namespace {
// The payload type URL under which the reason is kept inside an absl::Status.
constexpr absl::string_view kReasonPayloadUrl = "type.googleapis.com/notifications.v1.ErrorReason";
}  // namespace

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  if (status.ok()) return status;
  status.SetPayload(kReasonPayloadUrl, absl::Cord(reason));
  return status;
}

std::string ReasonOf(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonPayloadUrl);
  return payload.has_value() ? std::string(*payload) : std::string();
}

}  // namespace notify
