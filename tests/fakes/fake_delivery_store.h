// A DeliveryStore in memory, for tests of the delivery workers: events and deliveries with leases
// and due times on a test's clock, dedupe keys, and failures a test sets per call.
#ifndef NOTIFY_TESTS_FAKES_FAKE_DELIVERY_STORE_H_
#define NOTIFY_TESTS_FAKES_FAKE_DELIVERY_STORE_H_

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "server/common/clock.h"
#include "server/store/delivery_store.h"

namespace notify::testing {

class FakeDeliveryStore final : public DeliveryStore {
 public:
  struct Event {
    std::string company;
    std::string id;
    std::string name;
    std::string data_json = "{}";
    notifications::v1::EventStatus status = notifications::v1::EVENT_STATUS_PENDING;
    std::string error;
    int attempts = 0;
    absl::Time due = absl::InfinitePast();
    absl::Time leased_until = absl::InfinitePast();
  };
  struct Delivery {
    std::string company;
    NewDelivery row;  // row.status is the delivery's status; row.attempts its attempts.
    absl::Time leased_until = absl::InfinitePast();
    std::optional<absl::Time> sent_at;
  };

  explicit FakeDeliveryStore(const Clock* clock) : clock_(clock) {}

  // The next `times` calls of `method` (its name, e.g. "RecordAttempt") fail with `status`; -1:
  // every call until cleared with times 0.
  void Fail(const std::string& method, absl::Status status, int times = 1) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_[method] = {std::move(status), times};
  }
  int calls(const std::string& method) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = calls_.find(method);
    return it == calls_.end() ? 0 : it->second;
  }

  void AddEvent(Event event) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(event));
  }
  // Stores a delivery as it is (its id made when empty); returns its id.
  std::string AddDelivery(const std::string& company, NewDelivery row,
                          std::optional<absl::Time> sent_at = std::nullopt) {
    std::lock_guard<std::mutex> lock(mu_);
    return Create(company, std::move(row), sent_at);
  }
  std::optional<Event> event(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Event& e : events_) {
      if (e.id == id) return e;
    }
    return std::nullopt;
  }
  std::optional<Delivery> delivery(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = deliveries_.find(id);
    if (it == deliveries_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<Delivery> deliveries() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Delivery> out;
    for (const auto& [id, d] : deliveries_) out.push_back(d);
    return out;
  }
  std::vector<std::string> removed_devices() const {
    std::lock_guard<std::mutex> lock(mu_);
    return removed_devices_;
  }

  absl::StatusOr<std::vector<ClaimedEvent>> ClaimEvents(int limit, absl::Duration lease) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Call("ClaimEvents"); !s.ok()) return s;
    const absl::Time now = clock_->Now();
    std::vector<ClaimedEvent> out;
    for (Event& e : events_) {
      if (static_cast<int>(out.size()) >= limit) break;
      if (e.status != notifications::v1::EVENT_STATUS_PENDING || e.due > now ||
          e.leased_until > now) {
        continue;
      }
      ++e.attempts;
      e.leased_until = now + lease;
      out.push_back(
          ClaimedEvent{e.company, e.id, e.id, e.name, e.data_json, e.attempts, e.leased_until});
    }
    return out;
  }

  absl::StatusOr<std::vector<ClaimedEvent>> RenewEvents(std::vector<ClaimedEvent> events,
                                                        absl::Duration lease) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Call("RenewEvents"); !s.ok()) return s;
    const absl::Time now = clock_->Now();
    std::vector<ClaimedEvent> out;
    for (ClaimedEvent& claimed : events) {
      for (Event& e : events_) {
        if (e.id != claimed.id || e.leased_until <= now || e.leased_until != claimed.lease_until) {
          continue;
        }
        e.leased_until = now + lease;
        claimed.lease_until = e.leased_until;
        out.push_back(std::move(claimed));
        break;
      }
    }
    return out;
  }

  absl::StatusOr<int> FinishEvents(const std::vector<FinishedEvent>& events) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Call("FinishEvents"); !s.ok()) return s;
    int created = 0;
    for (const FinishedEvent& f : events) {
      created += CreateAll(f);
      for (Event& e : events_) {
        if (e.id != f.id) continue;
        e.status = f.status;
        e.error = f.error;
        e.leased_until = absl::InfinitePast();
      }
    }
    return created;
  }

  absl::StatusOr<int> WriteDeliveries(const std::vector<FinishedEvent>& events) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Call("WriteDeliveries"); !s.ok()) return s;
    int created = 0;
    for (const FinishedEvent& f : events) created += CreateAll(f);
    return created;
  }

  // Writes at once and calls `done` before it returns (the real store calls it later, on its
  // writer thread).
  void WriteSentAsync(absl::string_view company, NewDelivery delivery,
                      std::function<void(absl::Status)> done) override {
    absl::Status status;
    {
      std::lock_guard<std::mutex> lock(mu_);
      status = Call("WriteSentAsync");
      if (status.ok() && !Exists(std::string(company), delivery.dedupe_key)) {
        Create(std::string(company), std::move(delivery), std::nullopt);
      }
    }
    done(status);
  }

  absl::StatusOr<std::set<std::string>> ExistingDedupeKeys(
      absl::string_view company, const std::vector<std::string>& keys) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (keys.empty()) return std::set<std::string>();
    if (absl::Status s = Call("ExistingDedupeKeys"); !s.ok()) return s;
    std::set<std::string> out;
    for (const std::string& key : keys) {
      if (Exists(std::string(company), key)) out.insert(key);
    }
    return out;
  }

  absl::Status PostponeEvent(absl::string_view, absl::string_view id, absl::string_view error,
                             absl::Duration delay) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Call("PostponeEvent"); !s.ok()) return s;
    for (Event& e : events_) {
      if (e.id != id) continue;
      e.error = std::string(error);
      e.due = clock_->Now() + delay;
      e.leased_until = absl::InfinitePast();
      return absl::OkStatus();
    }
    return absl::NotFoundError("no such event");
  }

  absl::StatusOr<std::vector<notifications::v1::Log>> InsertTriggered(
      absl::string_view, absl::string_view, absl::string_view, absl::string_view,
      const std::vector<NewDelivery>&) override {
    return absl::UnimplementedError("not in the fake");
  }
  absl::StatusOr<NewDelivery> Load(absl::string_view, absl::string_view) override {
    return absl::UnimplementedError("not in the fake");
  }
  absl::StatusOr<notifications::v1::Log> InsertOne(absl::string_view, const NewDelivery&) override {
    return absl::UnimplementedError("not in the fake");
  }

  absl::StatusOr<std::vector<DeliveryJob>> ClaimDeliveries(notifications::v1::NotificationType type,
                                                           int limit,
                                                           absl::Duration lease) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Call("ClaimDeliveries"); !s.ok()) return s;
    const absl::Time now = clock_->Now();
    std::vector<Delivery*> due;
    for (auto& [id, d] : deliveries_) {
      if (d.row.type != type || d.row.next_attempt > now || d.leased_until > now) continue;
      if (Waiting(d.row.status)) due.push_back(&d);
    }
    std::stable_sort(due.begin(), due.end(), [](const Delivery* a, const Delivery* b) {
      return a->row.next_attempt < b->row.next_attempt;
    });
    std::vector<DeliveryJob> out;
    for (Delivery* d : due) {
      if (static_cast<int>(out.size()) >= limit) break;
      d->leased_until = now + lease;
      out.push_back(DeliveryJob{static_cast<const DeliveryMessage&>(d->row), d->company, d->row.id,
                                static_cast<int>(d->row.attempts.size()), d->leased_until});
    }
    return out;
  }

  absl::StatusOr<std::vector<DeliveryJob>> RenewDeliveries(std::vector<DeliveryJob> jobs,
                                                           absl::Duration lease) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Call("RenewDeliveries"); !s.ok()) return s;
    const absl::Time now = clock_->Now();
    std::vector<DeliveryJob> out;
    for (DeliveryJob& job : jobs) {
      auto it = deliveries_.find(job.id);
      if (it == deliveries_.end() || !Waiting(it->second.row.status) ||
          it->second.leased_until <= now || it->second.leased_until != job.lease_until) {
        continue;
      }
      it->second.leased_until = now + lease;
      job.lease_until = it->second.leased_until;
      out.push_back(std::move(job));
    }
    return out;
  }

  absl::Status RecordAttempt(absl::string_view, absl::string_view id,
                             const DeliveryAttempt& attempt, notifications::v1::LogStatus status,
                             absl::Duration retry_in) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Call("RecordAttempt"); !s.ok()) return s;
    auto it = deliveries_.find(std::string(id));
    if (it == deliveries_.end() || it->second.leased_until <= clock_->Now()) {
      return absl::OkStatus();  // Finished or no longer leased: nothing, as the real store.
    }
    Delivery& d = it->second;
    d.row.attempts.push_back(attempt);
    d.row.status = status;
    d.row.last_error = attempt.success ? "" : attempt.error;
    if (status == notifications::v1::LOG_STATUS_RETRYING) {
      d.row.next_attempt = clock_->Now() + retry_in;
    }
    if (status == notifications::v1::LOG_STATUS_SENT) d.sent_at = clock_->Now();
    d.leased_until = absl::InfinitePast();
    return absl::OkStatus();
  }

  absl::Status Settle(absl::string_view, absl::string_view id, notifications::v1::LogStatus status,
                      absl::string_view reason, absl::Time until) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Call("Settle"); !s.ok()) return s;
    auto it = deliveries_.find(std::string(id));
    if (it == deliveries_.end()) return absl::OkStatus();  // Nothing, as the real store.
    it->second.row.status = status;
    it->second.row.last_error = std::string(reason);
    if (status == notifications::v1::LOG_STATUS_DEFERRED) it->second.row.next_attempt = until;
    it->second.leased_until = absl::InfinitePast();
    return absl::OkStatus();
  }

  absl::StatusOr<int> CountSent(absl::string_view company, notifications::v1::NotificationType type,
                                absl::Time since) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Call("CountSent"); !s.ok()) return s;
    int count = 0;
    for (const auto& [id, d] : deliveries_) {
      count += d.company == company && d.row.type == type &&
               d.row.status == notifications::v1::LOG_STATUS_SENT && d.sent_at.has_value() &&
               *d.sent_at >= since;
    }
    return count;
  }

  absl::Status ReplayEvent(absl::string_view, absl::string_view id) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (Event& e : events_) {
      if (e.id != id) continue;
      e.status = notifications::v1::EVENT_STATUS_PENDING;
      e.attempts = 0;
      e.due = absl::InfinitePast();
      return absl::OkStatus();
    }
    return absl::NotFoundError("no such event");
  }

  absl::Status RemoveDevice(absl::string_view, absl::string_view device_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Call("RemoveDevice"); !s.ok()) return s;
    removed_devices_.push_back(std::string(device_id));
    return absl::OkStatus();
  }

  absl::StatusOr<std::pair<int64_t, int64_t>> QueueDepths() override {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t events = 0;
    int64_t deliveries = 0;
    for (const Event& e : events_) events += e.status == notifications::v1::EVENT_STATUS_PENDING;
    for (const auto& [id, d] : deliveries_) {
      deliveries += d.row.status == notifications::v1::LOG_STATUS_PENDING ||
                    d.row.status == notifications::v1::LOG_STATUS_RETRYING;
    }
    return std::make_pair(events, deliveries);
  }

 private:
  // Due to be claimed when its time comes: pending, retrying or deferred.
  static bool Waiting(notifications::v1::LogStatus status) {
    return status == notifications::v1::LOG_STATUS_PENDING ||
           status == notifications::v1::LOG_STATUS_RETRYING ||
           status == notifications::v1::LOG_STATUS_DEFERRED;
  }
  absl::Status Call(const std::string& method) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++calls_[method];
    auto it = failures_.find(method);
    if (it == failures_.end() || it->second.second == 0) return absl::OkStatus();
    if (it->second.second > 0) --it->second.second;
    return it->second.first;
  }
  bool Exists(const std::string& company, const std::string& key) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !key.empty() && keys_.count({company, key}) > 0;
  }
  std::string Create(const std::string& company, NewDelivery row, std::optional<absl::Time> sent_at)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (row.id.empty()) row.id = absl::StrCat("delivery-", ++made_);
    if (!row.dedupe_key.empty()) keys_.insert({company, row.dedupe_key});
    if (!sent_at.has_value() && row.status == notifications::v1::LOG_STATUS_SENT) {
      sent_at = clock_->Now();
    }
    const std::string id = row.id;
    deliveries_[id] = Delivery{company, std::move(row), absl::InfinitePast(), sent_at};
    return id;
  }
  int CreateAll(const FinishedEvent& f) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    int created = 0;
    for (const NewDelivery& d : f.deliveries) {
      if (Exists(f.company, d.dedupe_key)) continue;
      Create(f.company, d, std::nullopt);
      ++created;
    }
    return created;
  }

  const Clock* const clock_;
  mutable std::mutex mu_;
  std::vector<Event> events_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Delivery> deliveries_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<std::string, std::string>> keys_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::pair<absl::Status, int>> failures_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> removed_devices_ ABSL_GUARDED_BY(mu_);
  int made_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_FAKES_FAKE_DELIVERY_STORE_H_
