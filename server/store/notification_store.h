// Where a company's notifications and its users' preferences are kept. Records are the API's
// resource messages (notifications.v1.Notification): the resource is the domain model here, so no
// second copy of its twenty fields is kept in sync by hand.
#ifndef NOTIFY_SERVER_STORE_NOTIFICATION_STORE_H_
#define NOTIFY_SERVER_STORE_NOTIFICATION_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "notifications/v1/resources.pb.h"

namespace notify {

struct NotificationFilter {
  std::string event;                                       // Empty: any.
  std::vector<notifications::v1::NotificationType> types;  // Any of these; empty: any.
  std::string name_contains;                               // Case-insensitive; empty: any.
  std::optional<bool> enabled;
  std::string layout;  // A layout's id; empty: any.
};

// A notification with one user's preference.
struct UserNotificationRecord {
  notifications::v1::Notification notification;
  bool enabled = true;  // The user's preference (true unless they opted out).
};

// Errors: NotFound (reason NOTIFICATION_NOT_FOUND) for an id not in the company, FailedPrecondition
// when a layout does not exist in the company, Unavailable. Thread-safe.
class NotificationStore {
 public:
  virtual ~NotificationStore() = default;

  // Stores `notification` (its id and times are set here). With a `request_id` seen before for the
  // company, stores nothing and returns the notification that request created.
  virtual absl::StatusOr<notifications::v1::Notification> Create(
      absl::string_view company, notifications::v1::Notification notification,
      absl::string_view request_id) = 0;

  virtual absl::StatusOr<notifications::v1::Notification> Get(absl::string_view company,
                                                              absl::string_view id) = 0;

  // Up to `limit` notifications in id order, after `after_id` when not empty.
  virtual absl::StatusOr<std::vector<notifications::v1::Notification>> List(
      absl::string_view company, const NotificationFilter& filter, absl::string_view after_id,
      int limit, int skip) = 0;

  // How many notifications match `filter`.
  virtual absl::StatusOr<int> Count(absl::string_view company,
                                    const NotificationFilter& filter) = 0;

  // Reads the notification locked, lets `change` edit it (an error from `change` aborts, writing
  // nothing), and writes it back, in one transaction: concurrent updates apply one after the other.
  virtual absl::StatusOr<notifications::v1::Notification> Update(
      absl::string_view company, absl::string_view id,
      const std::function<absl::Status(notifications::v1::Notification&)>& change) = 0;

  virtual absl::Status Delete(absl::string_view company, absl::string_view id) = 0;

  // Enabled notifications of the company that match `filter`, in id order, each with `user`'s
  // preference. (Count with `enabled` set counts them.)
  virtual absl::StatusOr<std::vector<UserNotificationRecord>> ListForUser(
      absl::string_view company, absl::string_view user, const NotificationFilter& filter,
      absl::string_view after_id, int limit, int skip) = 0;

  // One enabled notification with `user`'s preference. NotFound when missing or disabled.
  virtual absl::StatusOr<UserNotificationRecord> GetForUser(absl::string_view company,
                                                            absl::string_view user,
                                                            absl::string_view id) = 0;

  // Records `user`'s preference for a notification.
  virtual absl::Status SetPreference(absl::string_view company, absl::string_view user,
                                     absl::string_view id, bool enabled) = 0;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_STORE_NOTIFICATION_STORE_H_
