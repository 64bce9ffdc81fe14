// DeliveryStore on PostgreSQL: both queues are claimed with FOR UPDATE SKIP LOCKED and a lease.
#ifndef NOTIFY_SERVER_STORE_PG_PG_DELIVERY_STORE_H_
#define NOTIFY_SERVER_STORE_PG_PG_DELIVERY_STORE_H_

#include <pqxx/pqxx>

#include <string>
#include <vector>

#include "server/common/group_commit.h"
#include "server/store/delivery_store.h"
#include "server/store/pg/pool.h"

namespace notify::pg {

class PgDeliveryStore final : public DeliveryStore {
 public:
  explicit PgDeliveryStore(PgPool* pool);

  // Prepares this store's statements on a new connection (see PgPool::Options::on_connect).
  static void Prepare(pqxx::connection& conn);

  absl::StatusOr<std::vector<ClaimedEvent>> ClaimEvents(int limit, absl::Duration lease) override;
  absl::StatusOr<std::vector<ClaimedEvent>> RenewEvents(std::vector<ClaimedEvent> events,
                                                        absl::Duration lease) override;
  absl::StatusOr<int> FinishEvents(const std::vector<FinishedEvent>& events) override;
  absl::StatusOr<int> WriteDeliveries(const std::vector<FinishedEvent>& events) override;
  void WriteSentAsync(absl::string_view company, NewDelivery delivery,
                      std::function<void(absl::Status)> done) override;
  absl::StatusOr<std::set<std::string>> ExistingDedupeKeys(
      absl::string_view company, const std::vector<std::string>& keys) override;
  absl::Status PostponeEvent(absl::string_view company, absl::string_view id,
                             absl::string_view error, absl::Duration delay) override;
  absl::StatusOr<std::vector<notifications::v1::Log>> InsertTriggered(
      absl::string_view company, absl::string_view id, absl::string_view name,
      absl::string_view data_json, const std::vector<NewDelivery>& deliveries) override;
  absl::StatusOr<NewDelivery> Load(absl::string_view company, absl::string_view id) override;
  absl::StatusOr<notifications::v1::Log> InsertOne(absl::string_view company,
                                                   const NewDelivery& delivery) override;
  absl::StatusOr<std::vector<DeliveryJob>> ClaimDeliveries(notifications::v1::NotificationType type,
                                                           int limit,
                                                           absl::Duration lease) override;
  absl::StatusOr<std::vector<DeliveryJob>> RenewDeliveries(std::vector<DeliveryJob> jobs,
                                                           absl::Duration lease) override;
  absl::Status RecordAttempt(absl::string_view company, absl::string_view id,
                             const DeliveryAttempt& attempt, notifications::v1::LogStatus status,
                             absl::Duration retry_in) override;
  absl::Status Settle(absl::string_view company, absl::string_view id,
                      notifications::v1::LogStatus status, absl::string_view reason,
                      absl::Time until) override;
  absl::StatusOr<int> CountSent(absl::string_view company, notifications::v1::NotificationType type,
                                absl::Time since) override;
  absl::Status ReplayEvent(absl::string_view company, absl::string_view id) override;
  absl::Status RemoveDevice(absl::string_view company, absl::string_view device_id) override;
  absl::StatusOr<std::pair<int64_t, int64_t>> QueueDepths() override;

 private:
  struct Attempt {
    std::string company, id;
    DeliveryAttempt attempt;
    std::string status;  // Its short name, as the statement takes it.
    absl::Duration retry_in;
  };
  // FinishEvents, or only its deliveries when not `finish`.
  absl::StatusOr<int> Write(const std::vector<FinishedEvent>& events, bool finish);
  std::vector<absl::StatusOr<bool>> RecordAttempts(const std::vector<Attempt>& attempts);
  struct Sent {
    std::string company;
    NewDelivery delivery;
  };
  std::vector<absl::StatusOr<bool>> WriteSentBatch(const std::vector<Sent>& sent);

  PgPool* const pool_;
  GroupCommit<Attempt, bool> attempts_;
  GroupCommit<Sent, bool> sent_;
};

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_PG_DELIVERY_STORE_H_
