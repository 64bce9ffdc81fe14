// NotificationStore on PostgreSQL.
#ifndef NOTIFY_SERVER_STORE_PG_PG_NOTIFICATION_STORE_H_
#define NOTIFY_SERVER_STORE_PG_PG_NOTIFICATION_STORE_H_

#include "server/common/clock.h"
#include "server/store/notification_store.h"
#include "server/store/pg/pool.h"

namespace notify::pg {

class PgNotificationStore final : public NotificationStore {
 public:
  PgNotificationStore(PgPool* pool, const Clock* clock) : pool_(pool), clock_(clock) {}

  absl::StatusOr<notifications::v1::Notification> Create(
      absl::string_view company, notifications::v1::Notification notification,
      absl::string_view request_id) override;
  absl::StatusOr<notifications::v1::Notification> Get(absl::string_view company,
                                                      absl::string_view id) override;
  absl::StatusOr<std::vector<notifications::v1::Notification>> List(
      absl::string_view company, const NotificationFilter& filter, absl::string_view after_id,
      int limit, int skip) override;
  absl::StatusOr<int> Count(absl::string_view company, const NotificationFilter& filter) override;
  absl::StatusOr<notifications::v1::Notification> Update(
      absl::string_view company, absl::string_view id,
      const std::function<absl::Status(notifications::v1::Notification&)>& change) override;
  absl::Status Delete(absl::string_view company, absl::string_view id) override;
  absl::StatusOr<std::vector<UserNotificationRecord>> ListForUser(absl::string_view company,
                                                                  absl::string_view user,
                                                                  const NotificationFilter& filter,
                                                                  absl::string_view after_id,
                                                                  int limit, int skip) override;
  absl::StatusOr<UserNotificationRecord> GetForUser(absl::string_view company,
                                                    absl::string_view user,
                                                    absl::string_view id) override;
  absl::Status SetPreference(absl::string_view company, absl::string_view user,
                             absl::string_view id, bool enabled) override;

 private:
  PgPool* const pool_;
  const Clock* const clock_;
};

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_PG_NOTIFICATION_STORE_H_
