// The in-memory hand-off between this process's event workers and its senders. An event worker
// hands over the new deliveries of a batch before they are written; a sender takes one, sends it,
// writes it with its outcome, and says it is done; the worker waits for the batch (or takes back
// what no sender started in time, to be written pending) and then records its events. Past
// `limit` waiting deliveries of a channel nothing more of that channel is taken: the overflow is
// written pending and claimed from the database.
//
// The queue also keeps the senders' schedule for looking in the database: which channels had
// deliveries written pending (claim due), and, for idle senders, once per poll interval.
#ifndef NOTIFY_SERVER_DELIVERY_HANDOFF_QUEUE_H_
#define NOTIFY_SERVER_DELIVERY_HANDOFF_QUEUE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/common/wakeup.h"
#include "server/delivery/outcome_policy.h"
#include "server/store/delivery_store.h"

namespace notify::delivery {

class HandoffQueue;
class HandoffBatch;

// A new delivery handed over before it is written.
struct Handed {
  DeliveryJob job;             // What the sender sends (its id made by the event worker).
  const FinishedEvent* event;  // Its event.
  NewDelivery* row;            // The event's delivery; senders read it, only its worker writes.
  // Set by the sender when it is done (Finish); read by the event worker after Await.
  std::optional<Outcome> outcome;
  absl::Time next_attempt = absl::InfinitePast();  // When a retry or a deferral is due.
  bool written = false;                            // The sender wrote it with its outcome.
  HandoffBatch* batch = nullptr;                   // Set by the queue: the batch it is in.
};

// What one event worker handed over of one batch. Its entries stay put (senders hold pointers to
// them) until Await returns.
class HandoffBatch {
 public:
  HandoffBatch() = default;
  HandoffBatch(const HandoffBatch&) = delete;
  HandoffBatch& operator=(const HandoffBatch&) = delete;

  const std::deque<Handed>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  friend class HandoffQueue;
  std::deque<Handed> entries_;
  // Counted under the queue's lock, so that a sender wakes the worker only when its wait may be
  // over (not once a message).
  int not_done_ = 0;         // Handed over, no outcome yet.
  int in_flight_ = 0;        // Taken by a sender, no outcome yet.
  bool taken_back_ = false;  // The worker took back what no sender started; waits for in_flight.
};

// Thread-safe.
class HandoffQueue {
 public:
  // `limit`: most deliveries waiting per channel. `poll_interval`: how often an idle channel looks
  // in the database, and the longest a sender's Wait lasts.
  HandoffQueue(int limit, absl::Duration poll_interval, const Clock* clock);
  HandoffQueue(const HandoffQueue&) = delete;
  HandoffQueue& operator=(const HandoffQueue&) = delete;

  // Deliveries are taken from Open (senders run) until Close, which also ends every wait: the
  // senders' for good, an event worker's Await once what is in flight is done.
  void Open();
  void Close();
  bool open() const;

  // For event workers. Takes each of `offers` whose channel has room, in order, into `batch`, and
  // wakes the senders if any was taken; says for each whether it was. None while not open. A
  // sender may read an offer's row as soon as it is taken.
  std::vector<bool> Hand(HandoffBatch& batch, std::vector<Handed> offers);
  // Waits until the senders are done with every entry of `batch`, or until `stop_handing` (or
  // Close); then takes back what no sender took and waits for those in flight. An entry without an
  // outcome afterwards was never sent.
  void Await(HandoffBatch& batch, absl::Time stop_handing);
  // Deliveries of `channels` were written pending: their senders are to look in the database.
  // With `wake`, the senders are woken if any channel (of these or before) is due.
  void ClaimDue(const std::set<notifications::v1::NotificationType>& channels, bool wake);

  // How many deliveries of `channel` wait for a sender.
  int Waiting(notifications::v1::NotificationType channel) const;

  // For senders. The oldest delivery of `channel` no sender took, now in flight; null when none.
  Handed* Take(notifications::v1::NotificationType channel);
  // A taken delivery is done: its outcome, when it is due again, and whether it was written. The
  // event worker may go on (and `handed` with it) once this has taken the queue's lock; the caller
  // must not touch `handed` after calling.
  void Finish(Handed* handed, Outcome outcome, absl::Time next_attempt, bool written);
  // Whether deliveries of `channel` were written pending since a sender last asked (and forgets).
  bool TakeClaimDue(notifications::v1::NotificationType channel);
  // Whether a sender of `channel` should look in the database now: no other did within the poll
  // interval (less a tenth, so that a sender whose own wait just ended is not turned away).
  bool PollDue(notifications::v1::NotificationType channel);
  // A sender's claim came back full: another sender of `channel` is called in to claim.
  void CallInClaimer(notifications::v1::NotificationType channel);
  // Waits up to the poll interval for deliveries or a call; `seen` is the sender's own counter.
  // False once closed.
  bool Wait(uint64_t& seen);

 private:
  const int limit_;
  const absl::Duration poll_interval_;
  const Clock* const clock_;

  mutable std::mutex mu_;
  // Written under mu_; read without it (open()) by the workers' loops and retries.
  std::atomic<bool> open_{false};
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::map<notifications::v1::NotificationType, std::deque<Handed*>> waiting_ ABSL_GUARDED_BY(mu_);
  std::map<notifications::v1::NotificationType, bool> claim_due_ ABSL_GUARDED_BY(mu_);
  std::map<notifications::v1::NotificationType, absl::Time> last_poll_ ABSL_GUARDED_BY(mu_);
  // Signalled when a sender finishes the last delivery a worker waits for, and on Close.
  std::condition_variable batch_done_;
  Wakeup senders_;
};

}  // namespace notify::delivery

#endif  // NOTIFY_SERVER_DELIVERY_HANDOFF_QUEUE_H_
