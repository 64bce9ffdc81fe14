// Helpers for absl::Status: a machine-readable reason (an ErrorReason name such as
// NOTIFICATION_NOT_FOUND) travels with a status as a payload until the API edge turns it into a
// google.rpc.ErrorInfo.
#ifndef NOTIFY_SERVER_COMMON_STATUS_H_
#define NOTIFY_SERVER_COMMON_STATUS_H_

#include <string>
#include "absl/strings/string_view.h"

#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace notify {

// The ErrorInfo domain of every reason this project sends.
inline constexpr absl::string_view kErrorDomain = "notifications.v1";

// Returns `status` with `reason` attached. An OK status is returned unchanged.
absl::Status WithReason(absl::Status status, absl::string_view reason);

// The reason attached to `status`, or "" when there is none.
std::string ReasonOf(const absl::Status& status);

// Attaches the name of the request field at fault (sent as ErrorInfo metadata "field"), and reads
// it.
absl::Status WithField(absl::Status status, absl::string_view field);
std::string FieldOf(const absl::Status& status);

// InvalidArgument "FIELD: MESSAGE" naming `field`, with `reason` (INVALID_FIELD by default): the
// error of every request field that fails its check.
absl::Status InvalidField(absl::string_view field, absl::string_view message,
                          absl::string_view reason = "INVALID_FIELD");

// Attaches how long the caller should wait before trying again (whole seconds), and reads it back.
absl::Status WithRetryAfter(absl::Status status, absl::Duration wait);
std::optional<absl::Duration> RetryAfterOf(const absl::Status& status);

}  // namespace notify

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define NOTIFY_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::absl::Status notify_status_ = (expr);          \
    if (!notify_status_.ok()) return notify_status_; \
  } while (false)

#define NOTIFY_CONCAT_INNER_(a, b) a##b
#define NOTIFY_CONCAT_(a, b) NOTIFY_CONCAT_INNER_(a, b)

// Declares `lhs` from an absl::StatusOr expression, or returns its error.
#define NOTIFY_ASSIGN_OR_RETURN(lhs, expr) \
  NOTIFY_ASSIGN_OR_RETURN_IMPL_(NOTIFY_CONCAT_(notify_statusor_, __LINE__), lhs, expr)
#define NOTIFY_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // NOTIFY_SERVER_COMMON_STATUS_H_
