// DeviceStore and LogStore on PostgreSQL.
#ifndef NOTIFY_SERVER_STORE_PG_PG_INBOX_STORE_H_
#define NOTIFY_SERVER_STORE_PG_PG_INBOX_STORE_H_

#include "server/common/clock.h"
#include "server/store/inbox_store.h"
#include "server/store/pg/pool.h"

namespace notify::pg {

// The columns of a log (a delivery) as LogFromRow reads them, unqualified.
const std::string& LogColumns();
notifications::v1::Log LogFromRow(const pqxx::row& row);

class PgDeviceStore final : public DeviceStore {
 public:
  PgDeviceStore(PgPool* pool, const Clock* clock) : pool_(pool), clock_(clock) {}
  absl::StatusOr<notifications::v1::Device> Register(absl::string_view company,
                                                     absl::string_view user,
                                                     const notifications::v1::Device& device,
                                                     int keep) override;
  absl::StatusOr<std::vector<notifications::v1::Device>> List(absl::string_view company,
                                                              absl::string_view user,
                                                              absl::string_view before_id,
                                                              int limit, int skip) override;
  absl::StatusOr<int> Count(absl::string_view company, absl::string_view user) override;
  absl::Status Delete(absl::string_view company, absl::string_view user,
                      absl::string_view id) override;

 private:
  PgPool* const pool_;
  const Clock* const clock_;
};

class PgLogStore final : public LogStore {
 public:
  explicit PgLogStore(PgPool* pool) : pool_(pool) {}
  absl::StatusOr<std::vector<notifications::v1::Log>> List(absl::string_view company,
                                                           const LogFilter& filter,
                                                           const std::optional<LogCursor>& cursor,
                                                           int limit, int skip) override;
  absl::StatusOr<int> Count(absl::string_view company, const LogFilter& filter) override;
  absl::StatusOr<notifications::v1::Log> Get(absl::string_view company, absl::string_view user,
                                             absl::string_view id, bool with_attempts) override;
  absl::StatusOr<notifications::v1::Log> SetReceived(absl::string_view company,
                                                     absl::string_view user, absl::string_view id,
                                                     bool received) override;

 private:
  PgPool* const pool_;
};

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_PG_INBOX_STORE_H_
