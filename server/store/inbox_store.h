// Where users' devices and the produced messages (the log, the inbox) are kept. Records are the
// API's resource messages (Device, Log).
#ifndef NOTIFY_SERVER_STORE_INBOX_STORE_H_
#define NOTIFY_SERVER_STORE_INBOX_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "notifications/v1/resources.pb.h"

namespace notify {

// Errors: NotFound (DEVICE_NOT_FOUND) for a device not of the user, Unavailable. Thread-safe.
class DeviceStore {
 public:
  virtual ~DeviceStore() = default;
  // Registers `device` for `user`; a known token moves to this user and gets the new details.
  // Then the user keeps their `keep` most recently registered devices; older ones are removed,
  // in the same transaction.
  virtual absl::StatusOr<notifications::v1::Device> Register(
      absl::string_view company, absl::string_view user, const notifications::v1::Device& device,
      int keep) = 0;
  // How many devices the user has.
  virtual absl::StatusOr<int> Count(absl::string_view company, absl::string_view user) = 0;
  // The user's devices, newest first, after `before_id` when not empty.
  virtual absl::StatusOr<std::vector<notifications::v1::Device>> List(absl::string_view company,
                                                                      absl::string_view user,
                                                                      absl::string_view before_id,
                                                                      int limit, int skip) = 0;
  virtual absl::Status Delete(absl::string_view company, absl::string_view user,
                              absl::string_view id) = 0;
};

// What a log listing matches; each empty or unset field matches everything.
struct LogFilter {
  std::string user_id;  // Always set for users.
  std::string notification_id;
  std::string recipient;
  // UNSPECIFIED: any.
  notifications::v1::NotificationType type = notifications::v1::NOTIFICATION_TYPE_UNSPECIFIED;
  std::vector<notifications::v1::NotificationType> types;  // Any of these types.
  // UNSPECIFIED: any.
  notifications::v1::LogStatus status = notifications::v1::LOG_STATUS_UNSPECIFIED;
  std::optional<absl::Time> start;           // Created at or after.
  std::optional<absl::Time> end;             // Created before.
  std::optional<absl::Time> created_after;   // Created after.
  std::optional<absl::Time> created_before;  // Created before (another bound, for a second name).
  std::optional<bool> received;
  std::optional<bool> sent;                // Whether the status is sent.
  std::string notification_name;           // Exactly.
  std::string notification_name_contains;  // Any case.
  std::string recipient_contains;          // Any case.
  std::string user_identifier;             // The user id, or the recipient.
};

struct LogCursor {
  absl::Time created;
  std::string id;
};

// Errors: NotFound (LOG_NOT_FOUND) for a log not in the company (or not of the user), Unavailable.
class LogStore {
 public:
  virtual ~LogStore() = default;
  // Newest first; without attempts.
  virtual absl::StatusOr<std::vector<notifications::v1::Log>> List(
      absl::string_view company, const LogFilter& filter, const std::optional<LogCursor>& cursor,
      int limit, int skip) = 0;
  // How many logs List would list across all pages.
  virtual absl::StatusOr<int> Count(absl::string_view company, const LogFilter& filter) = 0;
  // One log; of `user` only when `user` is not empty; with its attempts when `with_attempts`.
  virtual absl::StatusOr<notifications::v1::Log> Get(absl::string_view company,
                                                     absl::string_view user, absl::string_view id,
                                                     bool with_attempts) = 0;
  // Sets the inbox's read flag of one of `user`'s logs.
  virtual absl::StatusOr<notifications::v1::Log> SetReceived(absl::string_view company,
                                                             absl::string_view user,
                                                             absl::string_view id,
                                                             bool received) = 0;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_STORE_INBOX_STORE_H_
