// The delivery flow's workers: event workers turn pending events into deliveries; each channel has
// its own senders that hand due deliveries to the provider and record the outcome. Everything is
// claimed from the database with a lease, so several server processes share the work, and what a
// dead process held is claimed again once its lease runs out.
#ifndef NOTIFY_SERVER_DELIVERY_ENGINE_H_
#define NOTIFY_SERVER_DELIVERY_ENGINE_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/common/metrics.h"
#include "server/core/event_planner.h"
#include "server/delivery/channels.h"
#include "server/delivery/outcome_policy.h"
#include "server/store/company_directory.h"
#include "server/store/company_store.h"
#include "server/store/delivery_store.h"

namespace notify::delivery {

struct EngineOptions {
  int event_workers = 2;
  int event_batch = 100;
  absl::Duration event_lease = absl::Seconds(60);
  // Tries at processing an event whose dependencies (the platform, the database) keep failing.
  int max_event_attempts = 10;
  // Sender threads per channel; a channel with none is not sent here.
  std::map<std::string, int> senders = {{"email", 4}, {"sms", 2}, {"push", 2}};
  int send_batch = 5;
  absl::Duration send_lease = absl::Seconds(120);
  // Attempts at one delivery before it is dead, and the backoff between them.
  RetryPolicy retry;
  // How often idle workers look for work that other processes queued.
  absl::Duration poll_interval = absl::Milliseconds(500);
  // The longest a provider call takes (the senders' timeout): an event worker stops handing a
  // batch's messages to the senders in time for those started to end within the event's lease.
  absl::Duration send_timeout = absl::Seconds(30);
  // New deliveries go from the event workers to this process's senders in memory, before they are
  // written: each sender writes a message once, with its outcome, and the worker marks the events
  // processed when their messages are done (so a worker takes no more events until the senders
  // caught up with its batch). At most this many wait per channel; past it they are written
  // pending, to be claimed.
  int handoff_limit = 1000;
};

class DeliveryEngine {
 public:
  // Companies are read through `companies` (the company directory, which also opens their platform
  // tokens), so a change made on this replica counts at once and others within its ttl.
  DeliveryEngine(EngineOptions options, DeliveryStore* store, CompanyDirectory* companies,
                 const EventPlanner* planner, Channels* channels, prometheus::Registry* registry);
  ~DeliveryEngine();

  void Start();
  // Stops claiming, lets the work in hand finish, and joins the threads.
  void Stop();

  // A new event was stored: wake an event worker now rather than at its next poll.
  void WakeEvents();

  // The company as the planner sees it (the token opened). NotFound for an unknown company.
  absl::StatusOr<CompanyContext> LoadCompany(const std::string& id,
                                             CompanyRecord* record = nullptr);

 private:
  void EventLoop();
  void SendLoop(std::string type);
  // One batch of events: claims, processes and records them; how many were claimed.
  absl::StatusOr<int> ProcessEventsOnce();
  // What one batch of events reads once.
  struct BatchCache {
    std::map<std::string, absl::StatusOr<std::pair<CompanyContext, bool>>> companies;  // active?
    std::map<std::pair<std::string, std::string>,
             absl::StatusOr<std::vector<notifications::v1::Notification>>>
        notifications;
  };
  // The event's outcome, or nullopt when it was postponed (a dependency is down).
  std::optional<FinishedEvent> ProcessEvent(const ClaimedEvent& event, BatchCache& cache);
  // Hands the batch's new deliveries to this process's senders, writes the others, waits for the
  // senders and records the events. `claimed` is when the events were claimed (their lease
  // started).
  // `again` names the events processed before (claimed more than once, or replayed).
  void RecordFinished(std::vector<FinishedEvent>& finished, const std::set<std::string>& again,
                      absl::Time claimed);
  // What one attempt at a delivery came to.
  struct Outcome {
    std::string status;                      // sent, retrying, dead, skipped or deferred
    std::optional<DeliveryAttempt> attempt;  // None when skipped or deferred (nothing was sent).
    absl::Duration retry_in;                 // retrying
    std::string reason;                      // skipped, deferred
    absl::Time until;                        // deferred
  };
  // Gives a handed delivery's row the outcome of its attempt: its status, the attempt, the error,
  // and `next_attempt` unless that is InfinitePast.
  static void SetOutcome(NewDelivery& row, const Outcome& outcome, absl::Time next_attempt);
  // Tries `job` (quota and device checks, then the provider).
  Outcome Attempt(const DeliveryJob& job);
  // Records the outcome of a delivery claimed from the database; false when it could not be
  // recorded (the database is unavailable).
  bool Record(const DeliveryJob& job, const Outcome& outcome);
  // Counts and logs an outcome once it is written.
  void Report(const DeliveryJob& job, const Outcome& outcome);
  // What an event worker handed over of one batch and waits for, counted so that a sender wakes
  // the worker only when the wait may be over (not once a message). Guarded by send_mu_.
  struct HandedBatch {
    int not_done = 0;         // Handed over, no outcome yet.
    int in_flight = 0;        // Taken by a sender, no outcome yet.
    bool taken_back = false;  // The worker took back what no sender started; waits for in_flight.
  };
  // A new delivery handed by its event worker to the senders before it is written (see
  // handoff_limit): the worker owns it and waits until it is done or taken back.
  struct Handed {
    DeliveryJob job;
    const FinishedEvent* event;
    NewDelivery* row;                // The event's delivery, which takes the outcome.
    HandedBatch* batch;              // Its event worker's.
    std::optional<Outcome> outcome;  // Set by the sender when it is done.
    bool written = false;            // The sender wrote it with its outcome.
  };
  // Hands to the senders the new deliveries of channels sent here, while their queues have room,
  // but those an earlier processing of their event wrote already (looked up for the events in
  // `again` only); each gets its id.
  std::deque<Handed> HandOver(std::vector<FinishedEvent>& finished,
                              const std::set<std::string>& again, HandedBatch* batch);
  // Waits until the senders are done with `handed`, taking back what none started by the time a
  // send started then would still end within the events' lease (or when the process stops).
  void AwaitHanded(std::deque<Handed>& handed, HandedBatch& batch, absl::Time claimed);
  // Marks the events processed with their deliveries not `written` yet (those taken back are
  // pending, and outcomes the senders could not write go with them), in one transaction, or one
  // event at a time if that fails.
  void WriteFinished(const std::vector<FinishedEvent>& finished, const std::deque<Handed>& handed,
                     std::set<const NewDelivery*> written, absl::Time claimed);
  // The oldest handed delivery of `type` no sender took, marked taken; null when none.
  Handed* TakeHanded(const std::string& type);
  // Waits up to the poll interval for a wake-up newer than `seen`; false when stopping.
  bool Sleep(std::mutex& mu, std::condition_variable& cv, const uint64_t& generation,
             uint64_t& seen);
  // Sends a batch of due deliveries claimed from the database when `claim`, else (or when none is
  // due there) one handed delivery; `from_database` says whether they came from the database.
  absl::StatusOr<int> SendSome(const std::string& type, bool claim, bool* from_database);
  // Whether the event workers left deliveries of `type` to be claimed (and forgets it).
  bool TakeClaimDue(const std::string& type);
  // Whether a sender of `type` should look in the database now: no other did within the
  // poll interval.
  bool PollDue(const std::string& type);

  EngineOptions options_;
  DeliveryStore* store_;
  CompanyDirectory* companies_;
  const EventPlanner* planner_;
  Channels* channels_;

  metrics::Series<prometheus::Counter> events_processed_;
  metrics::Series<prometheus::Counter> deliveries_;
  metrics::Series<prometheus::Histogram> send_latency_;

  std::atomic<bool> stopping_{false};
  std::mutex event_mu_;
  std::condition_variable event_cv_;
  uint64_t event_generation_ ABSL_GUARDED_BY(event_mu_) = 0;
  std::mutex send_mu_;
  std::condition_variable send_cv_;
  uint64_t send_generation_ ABSL_GUARDED_BY(send_mu_) = 0;
  // Deliveries handed from the event workers to the senders, not yet taken.
  std::map<std::string, std::deque<Handed*>> handed_ ABSL_GUARDED_BY(send_mu_);
  // Signalled when a sender finishes the last delivery an event worker waits for (with send_mu_).
  std::condition_variable handed_done_cv_;
  // Whether sender threads run (Start to Stop): only then do event workers hand deliveries over.
  bool senders_running_ ABSL_GUARDED_BY(send_mu_) = false;
  std::map<std::string, bool> claim_due_ ABSL_GUARDED_BY(send_mu_);
  std::map<std::string, absl::Time> last_poll_ ABSL_GUARDED_BY(send_mu_);
  std::vector<std::thread> threads_;

  std::mutex random_mu_;
  absl::BitGen random_ ABSL_GUARDED_BY(random_mu_);
};

}  // namespace notify::delivery

#endif  // NOTIFY_SERVER_DELIVERY_ENGINE_H_
