// The delivery flow's threads, wired: event workers turn pending events into deliveries and hand
// those of channels sent here to the senders in memory; each channel's senders send them, and
// what waits in the database, and record the outcomes. Everything is claimed from the database
// with a lease, so several server processes share the work, and what a dead process held is
// claimed again once its lease runs out. The parts: EventWorker, HandoffQueue, Sender, and the
// outcome policy.
#ifndef NOTIFY_SERVER_DELIVERY_ENGINE_H_
#define NOTIFY_SERVER_DELIVERY_ENGINE_H_

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "prometheus/registry.h"
#include "server/common/clock.h"
#include "server/common/random.h"
#include "server/common/wakeup.h"
#include "server/core/event_planner.h"
#include "server/delivery/channels.h"
#include "server/delivery/delivery_metrics.h"
#include "server/delivery/event_worker.h"
#include "server/delivery/handoff_queue.h"
#include "server/delivery/outcome_policy.h"
#include "server/delivery/sender.h"
#include "server/store/company_directory.h"
#include "server/store/delivery_store.h"

namespace notify::delivery {

struct EngineOptions {
  int event_workers = 2;
  int event_batch = 100;
  absl::Duration event_lease = absl::Seconds(60);
  // Tries at processing an event whose dependencies (the platform, the database) keep failing.
  int max_event_attempts = 10;
  // Sender threads per channel; a channel with none is not sent here.
  std::map<notifications::v1::NotificationType, int> senders = {
      {notifications::v1::NOTIFICATION_TYPE_EMAIL, 4},
      {notifications::v1::NOTIFICATION_TYPE_SMS, 2},
      {notifications::v1::NOTIFICATION_TYPE_PUSH, 2}};
  int send_batch = 5;
  absl::Duration send_lease = absl::Seconds(120);
  // Attempts at one delivery before it is dead, and the backoff between them.
  RetryPolicy retry;
  // The operator's daily quota ceilings over every company's own.
  DailyQuotaCeilings quota_ceilings;
  // How often idle workers look for work that other processes queued.
  absl::Duration poll_interval = absl::Milliseconds(500);
  // The longest a provider call takes (the senders' timeout): an event worker stops handing a
  // batch's messages to the senders in time for those started to end within the event's lease.
  absl::Duration send_timeout = absl::Seconds(30);
  // Most new deliveries waiting per channel in the hand-off queue; past it they are written
  // pending, to be claimed.
  int handoff_limit = 1000;
};

class DeliveryEngine {
 public:
  // Everything given must outlive the engine. `clock` and `random` default to the real ones.
  DeliveryEngine(EngineOptions options, DeliveryStore* store, CompanyDirectory* companies,
                 const MessagePlanner* planner, Dispatcher* providers,
                 prometheus::Registry* registry, const Clock* clock = RealClock::Get(),
                 SharedRandom* random = nullptr);
  ~DeliveryEngine();

  // Starts the threads. After Stop it may start again.
  void Start();
  // Stops claiming, lets the work in hand finish (what no sender started is written pending, for
  // the next process), and joins the threads.
  void Stop();

  // A new event was stored: wakes an event worker now rather than at its next poll.
  void WakeEvents();

 private:
  const EngineOptions options_;
  SharedRandom own_random_;
  DeliveryMetrics metrics_;
  HandoffQueue queue_;
  EventWorker events_;
  Sender sender_;
  Wakeup event_wakeup_;
  std::vector<std::thread> threads_;
};

}  // namespace notify::delivery

#endif  // NOTIFY_SERVER_DELIVERY_ENGINE_H_
