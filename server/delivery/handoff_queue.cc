#include "server/delivery/handoff_queue.h"

#include <algorithm>
#include <utility>

namespace notify::delivery {

HandoffQueue::HandoffQueue(int limit, absl::Duration poll_interval, const Clock* clock)
    : limit_(limit), poll_interval_(poll_interval), clock_(clock) {}

void HandoffQueue::Open() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    closed_ = false;
  }
  senders_.Restart();
}

void HandoffQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
    closed_ = true;
  }
  senders_.Stop();
  batch_done_.notify_all();
}

bool HandoffQueue::open() const { return open_; }

std::vector<bool> HandoffQueue::Hand(HandoffBatch& batch, std::vector<Handed> offers) {
  std::vector<bool> taken(offers.size(), false);
  bool any = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!open_) return taken;
    for (size_t i = 0; i < offers.size(); ++i) {
      std::deque<Handed*>& waiting = waiting_[offers[i].job.type];
      if (static_cast<int>(waiting.size()) >= limit_) continue;
      offers[i].batch = &batch;
      batch.entries_.push_back(std::move(offers[i]));
      waiting.push_back(&batch.entries_.back());
      ++batch.not_done_;
      taken[i] = any = true;
    }
  }
  if (any) senders_.NotifyAll();
  return taken;
}

void HandoffQueue::Await(HandoffBatch& batch, absl::Time stop_handing) {
  std::unique_lock<std::mutex> lock(mu_);
  batch_done_.wait_for(
      lock, absl::ToChronoNanoseconds(stop_handing - clock_->Now()),
      [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_ || batch.not_done_ == 0; });
  // What no sender started is taken back, to be written pending by the worker.
  std::set<const Handed*> mine;
  for (const Handed& h : batch.entries_) mine.insert(&h);
  for (auto& [channel, waiting] : waiting_) {
    waiting.erase(std::remove_if(waiting.begin(), waiting.end(),
                                 [&](const Handed* h) { return mine.count(h) > 0; }),
                  waiting.end());
  }
  batch.taken_back_ = true;
  batch_done_.wait(lock, [&] { return batch.in_flight_ == 0; });
}

void HandoffQueue::ClaimDue(const std::set<notifications::v1::NotificationType>& channels,
                            bool wake) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (notifications::v1::NotificationType channel : channels) claim_due_[channel] = true;
    wake = wake && std::any_of(claim_due_.begin(), claim_due_.end(),
                               [](const auto& due) { return due.second; });
  }
  if (wake) senders_.NotifyAll();
}

int HandoffQueue::Waiting(notifications::v1::NotificationType channel) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = waiting_.find(channel);
  return it == waiting_.end() ? 0 : static_cast<int>(it->second.size());
}

Handed* HandoffQueue::Take(notifications::v1::NotificationType channel) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = waiting_.find(channel);
  if (it == waiting_.end() || it->second.empty()) return nullptr;
  Handed* h = it->second.front();
  it->second.pop_front();
  // The batch outlives its entries' flight: Await waits for in_flight to come back to zero.
  ++h->batch->in_flight_;
  return h;
}

void HandoffQueue::Finish(Handed* handed, Outcome outcome, absl::Time next_attempt, bool written) {
  std::lock_guard<std::mutex> lock(mu_);
  handed->outcome = std::move(outcome);
  handed->next_attempt = next_attempt;
  handed->written = written;
  HandoffBatch* batch = handed->batch;
  --batch->in_flight_;
  // Woken only when its event worker's wait may be over; under the lock, because once it is
  // released the worker may go on (and `handed` with it) and the engine may stop and be gone.
  if (--batch->not_done_ == 0 || (batch->taken_back_ && batch->in_flight_ == 0)) {
    batch_done_.notify_all();
  }
}

bool HandoffQueue::TakeClaimDue(notifications::v1::NotificationType channel) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = claim_due_.find(channel);
  if (it == claim_due_.end() || !it->second) return false;
  it->second = false;
  return true;
}

bool HandoffQueue::PollDue(notifications::v1::NotificationType channel) {
  const absl::Time now = clock_->Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, first] = last_poll_.try_emplace(channel, now);
  if (!first && now - it->second < poll_interval_ * 0.9) return false;
  it->second = now;
  return true;
}

void HandoffQueue::CallInClaimer(notifications::v1::NotificationType channel) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    claim_due_[channel] = true;
  }
  senders_.NotifyOne();
}

bool HandoffQueue::Wait(uint64_t& seen) { return senders_.Wait(seen, poll_interval_); }

}  // namespace notify::delivery
