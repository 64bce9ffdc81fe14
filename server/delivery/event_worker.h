// The event workers: each claims a batch of pending events (with a lease), plans their messages,
// hands the new deliveries of channels sent here to the senders (the hand-off queue) and writes
// the others, waits for the senders, and records the events with what is still unwritten, in one
// transaction. An event whose dependencies (the platform, the database) fail is postponed with a
// backoff, up to a number of tries after which it fails.
#ifndef NOTIFY_SERVER_DELIVERY_EVENT_WORKER_H_
#define NOTIFY_SERVER_DELIVERY_EVENT_WORKER_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/common/random.h"
#include "server/common/wakeup.h"
#include "server/core/company_context.h"
#include "server/core/event_planner.h"
#include "server/delivery/delivery_metrics.h"
#include "server/delivery/handoff_queue.h"
#include "server/store/company_directory.h"
#include "server/store/delivery_store.h"

namespace notify::delivery {

struct EventOptions {
  int batch = 100;                           // Events claimed at once.
  absl::Duration lease = absl::Seconds(60);  // How long a claim holds them.
  // Tries at an event whose dependencies keep failing, before it is failed.
  int max_attempts = 10;
  // The longest a provider call takes: handing a batch's messages stops in time for those started
  // to end within the events' lease.
  absl::Duration send_timeout = absl::Seconds(30);
  // The idle wait between looks for events; also the first pause after a failed claim and the
  // least base of the postponing backoff (at least a second).
  absl::Duration poll_interval = absl::Milliseconds(500);
  // The channels this process has senders for: only their deliveries are handed over.
  std::set<notifications::v1::NotificationType> handed_channels;
};

// Thread-safe: one EventWorker serves every event worker thread.
class EventWorker {
 public:
  EventWorker(EventOptions options, DeliveryStore* store, CompanyDirectory* companies,
              const MessagePlanner* planner, HandoffQueue* queue, DeliveryMetrics* metrics,
              const Clock* clock, SharedRandom* random);

  // One event worker thread: processes batches until `wakeup` stops; a notification ends its idle
  // wait (a new event was stored).
  void Run(Wakeup& wakeup);

  // Claims one batch of events, processes and records them; how many were claimed (those
  // postponed included). The batch's lease is renewed while it is planned, so that slow
  // dependencies never let another worker process the same events.
  absl::StatusOr<int> ProcessOnce();

 private:
  // What one batch reads once: each company (and whether it is active), and its notifications
  // for each event name.
  struct BatchCache {
    std::map<std::string, absl::StatusOr<std::pair<CompanyContext, bool>>> companies;
    std::map<std::pair<std::string, std::string>,
             absl::StatusOr<std::vector<notifications::v1::Notification>>>
        notifications;
  };
  // The event's outcome, or nullopt when it was postponed.
  std::optional<FinishedEvent> Process(const ClaimedEvent& event, BatchCache& cache);
  // Postpones the event after `status`, or fails it once its tries ran out.
  std::optional<FinishedEvent> Postpone(const ClaimedEvent& event, const absl::Status& status);
  // Hands over, writes, waits for and records the batch's outcomes. `claimed` is when the events'
  // lease started; `again` names the events processed before (claimed more than once, or
  // replayed), whose deliveries may be written already.
  void Record(std::vector<FinishedEvent>& finished, const std::set<std::string>& again,
              absl::Time claimed);
  // Hands to the senders the new pending deliveries of the channels sent here, but those an
  // earlier processing wrote already (looked up for the events in `again` only); each taken gets
  // its id.
  void HandOver(std::vector<FinishedEvent>& finished, const std::set<std::string>& again,
                HandoffBatch& batch);
  // Marks the events done with their deliveries not `written` yet (taken back ones pending, and
  // outcomes the senders could not write), in one transaction, or one event at a time if that
  // fails; while the database is unavailable, retries for as long as the lease allows if
  // something sent is at stake.
  void Finish(const std::vector<FinishedEvent>& finished, const HandoffBatch& batch,
              std::set<const NewDelivery*> written, absl::Time claimed);

  const EventOptions options_;
  DeliveryStore* const store_;
  CompanyDirectory* const companies_;
  const MessagePlanner* const planner_;
  HandoffQueue* const queue_;
  DeliveryMetrics* const metrics_;
  const Clock* const clock_;
  SharedRandom* const random_;
};

}  // namespace notify::delivery

#endif  // NOTIFY_SERVER_DELIVERY_EVENT_WORKER_H_
