// Group commit: concurrent callers that each want one small write share a single statement (and a
// single commit) instead of paying for one each.
//
// A caller hands its item to Submit and blocks until the item has been written. When fewer than
// `max_concurrent` batches are being written, the caller writes itself, taking along every item
// queued at that moment (up to `max_batch`); otherwise it waits, and its item goes with the next
// batch. Under light load every item is written at once, alone, with no added latency; under heavy
// load the batches grow with the queue. Submit's writer is always one of its callers.
// Thread-safe.
//
// SubmitAsync hands over an item and a callback instead, and returns at once. Such items are
// written by a thread of the object's own (started at the first one), in batches like the others'
// and sharing `max_concurrent` with them, and their callbacks run on it: the callers never write,
// so none is held up writing for the others.
#ifndef NOTIFY_SERVER_COMMON_GROUP_COMMIT_H_
#define NOTIFY_SERVER_COMMON_GROUP_COMMIT_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace notify {

template <typename Item, typename Result>
class GroupCommit {
 public:
  // Writes `items` and answers one result per item, in order. It must not keep references to the
  // items past its return. An exception, or an answer of the wrong size, fails every item of the
  // batch with an Internal status.
  using WriteFn = std::function<std::vector<absl::StatusOr<Result>>(std::vector<Item>& items)>;
  // Takes the result of an item handed to SubmitAsync; runs with no lock of this object held.
  using DoneFn = std::function<void(absl::StatusOr<Result>)>;

  struct Options {
    size_t max_batch = 128;
    int max_concurrent = 2;
  };

  GroupCommit(WriteFn write, Options options) : write_(std::move(write)), options_(options) {
    if (options_.max_batch < 1) options_.max_batch = 1;
    if (options_.max_concurrent < 1) options_.max_concurrent = 1;
  }
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Writes what was handed to SubmitAsync and is still queued, then stops its writer. No call may
  // be under way or follow.
  ~GroupCommit() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    work_.notify_all();
    if (writer_.joinable()) writer_.join();
  }

  // Blocks until `item` is written; its result.
  absl::StatusOr<Result> Submit(Item item) {
    Slot slot{std::move(item), std::nullopt, nullptr};
    std::unique_lock<std::mutex> lock(mu_);
    queue_.push_back(&slot);
    while (!slot.result.has_value()) {
      if (writing_ < options_.max_concurrent && !queue_.empty()) {
        WriteQueued(lock);
        continue;
      }
      done_.wait(lock);
    }
    return std::move(*slot.result);
  }

  // Hands `item` over to be written, and returns; `done` takes its result on the writer's thread
  // (or on a blocking caller's that took it along). `done` must not throw: the process stops if it
  // does, since its caller could not know what was left undone.
  void SubmitAsync(Item item, DoneFn done) {
    auto* slot = new Slot{std::move(item), std::nullopt, std::move(done)};
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(slot);
      ++async_queued_;
      if (!writer_.joinable()) writer_ = std::thread([this] { WriterLoop(); });
    }
    work_.notify_one();
  }

  // Items waiting for a writer.
  size_t queued() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }

  // How many batches have been written, and how many items they held (for tests and metrics).
  std::pair<size_t, size_t> counts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return {batches_, items_};
  }

 private:
  struct Slot {
    Item item;
    std::optional<absl::StatusOr<Result>> result;
    DoneFn done;  // Set for SubmitAsync: the slot is its own, deleted once `done` ran.
  };

  // The writer of what SubmitAsync hands over: writes while such items wait and a writer may start;
  // at the end, what is left.
  void WriterLoop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (async_queued_ > 0 && writing_ < options_.max_concurrent && !queue_.empty()) {
        WriteQueued(lock);
        continue;
      }
      if (stopping_ && async_queued_ == 0) return;
      work_.wait(lock);
    }
  }

  // Takes the front of the queue and writes it with `lock` released.
  void WriteQueued(std::unique_lock<std::mutex>& lock) {
    std::vector<Slot*> batch;
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    ++writing_;
    ++batches_;
    items_ += batch.size();
    lock.unlock();
    std::vector<Item> items;
    items.reserve(batch.size());
    for (Slot* slot : batch) items.push_back(std::move(slot->item));
    std::vector<absl::StatusOr<Result>> results;
    try {
      results = write_(items);
      if (results.size() != items.size()) {
        results.assign(items.size(),
                       absl::InternalError(absl::StrCat("a batch write answered ", results.size(),
                                                        " results for ", items.size(), " items")));
      }
    } catch (const std::exception& e) {
      results.assign(items.size(),
                     absl::InternalError(absl::StrCat("a batch write failed: ", e.what())));
    } catch (...) {
      results.assign(items.size(), absl::InternalError("a batch write failed"));
    }
    // The batch is done before its callbacks run, so that the next one can start meanwhile.
    std::vector<std::pair<Slot*, absl::StatusOr<Result>>> callbacks;
    lock.lock();
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i]->done) {
        callbacks.emplace_back(batch[i], std::move(results[i]));
      } else {
        batch[i]->result = std::move(results[i]);
      }
    }
    --writing_;
    // Wakes the batch's callers, and a waiter that may now write the next batch.
    done_.notify_all();
    work_.notify_one();
    if (callbacks.empty()) return;
    lock.unlock();
    for (auto& [slot, result] : callbacks) {
      DoneFn done = std::move(slot->done);
      delete slot;
      done(std::move(result));
    }
    lock.lock();
    // Counted until their callbacks ran, so that the destructor waits for them.
    async_queued_ -= callbacks.size();
    if (async_queued_ == 0) work_.notify_one();
  }

  const WriteFn write_;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable done_;  // A batch was written.
  std::condition_variable work_;  // The writer's: an async item, a free writer, or the end.
  std::deque<Slot*> queue_ ABSL_GUARDED_BY(mu_);
  int writing_ ABSL_GUARDED_BY(mu_) = 0;
  // Items of SubmitAsync queued, being written, or awaiting `done`.
  size_t async_queued_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
  size_t batches_ ABSL_GUARDED_BY(mu_) = 0;
  size_t items_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_GROUP_COMMIT_H_
