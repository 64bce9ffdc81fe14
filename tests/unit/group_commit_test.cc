#include "server/common/group_commit.h"

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace notify {
namespace {

using ::testing::ElementsAre;

TEST(GroupCommitTest, ALoneCallerIsWrittenAtOnceAlone) {
  std::vector<std::vector<int>> batches;
  GroupCommit<int, std::string> commit(
      [&](std::vector<int>& items) {
        batches.push_back(items);
        std::vector<absl::StatusOr<std::string>> out;
        for (int i : items) out.push_back(std::to_string(i * 2));
        return out;
      },
      {.max_batch = 8, .max_concurrent = 1});
  EXPECT_EQ(*commit.Submit(1), "2");
  EXPECT_EQ(*commit.Submit(5), "10");
  EXPECT_THAT(batches, ElementsAre(ElementsAre(1), ElementsAre(5)));
}

// While one batch is being written, the callers that arrive wait and go together in the next one,
// each with its own result.
TEST(GroupCommitTest, CallersArrivingDuringAWriteShareTheNextBatch) {
  absl::Notification first_started, release_first;
  std::vector<std::vector<int>> batches;
  GroupCommit<int, int> commit(
      [&](std::vector<int>& items) {
        batches.push_back(items);
        if (items == std::vector<int>{0}) {
          first_started.Notify();
          release_first.WaitForNotification();
        }
        std::vector<absl::StatusOr<int>> out;
        for (int i : items) {
          if (i == 3) {
            out.push_back(absl::InvalidArgumentError("three is refused"));
          } else {
            out.push_back(i + 100);
          }
        }
        return out;
      },
      {.max_batch = 64, .max_concurrent = 1});
  std::vector<absl::StatusOr<int>> results(6, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  threads.emplace_back([&] { results[0] = commit.Submit(0); });
  first_started.WaitForNotification();
  for (int i = 1; i < 6; ++i) threads.emplace_back([&, i] { results[i] = commit.Submit(i); });
  // The five queue up behind the first batch.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (commit.queued() < 5 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(commit.queued(), 5u);
  release_first.Notify();
  for (auto& t : threads) t.join();
  EXPECT_EQ(*results[0], 100);
  EXPECT_EQ(*results[1], 101);
  EXPECT_EQ(*results[2], 102);
  EXPECT_EQ(results[3].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*results[4], 104);
  EXPECT_EQ(*results[5], 105);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1].size(), 5u);
  EXPECT_EQ(commit.counts(), (std::pair<size_t, size_t>{2, 6}));
}

TEST(GroupCommitTest, BatchesNeverExceedTheMaximum) {
  std::mutex mu;
  size_t largest = 0;
  std::atomic<int> concurrent{0}, most_concurrent{0};
  GroupCommit<int, int> commit(
      [&](std::vector<int>& items) {
        const int now = ++concurrent;
        int seen = most_concurrent.load();
        while (now > seen && !most_concurrent.compare_exchange_weak(seen, now)) {
        }
        {
          std::lock_guard<std::mutex> lock(mu);
          largest = std::max(largest, items.size());
        }
        absl::SleepFor(absl::Milliseconds(2));
        --concurrent;
        return std::vector<absl::StatusOr<int>>(items.begin(), items.end());
      },
      {.max_batch = 4, .max_concurrent = 2});
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const int value = t * 1000 + i;
        absl::StatusOr<int> got = commit.Submit(value);
        if (!got.ok() || *got != value) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(largest, 4u);
  EXPECT_LE(most_concurrent.load(), 2);
  EXPECT_EQ(commit.counts().second, 320u);
  // Sixteen callers and room for two writers: some batches must have held more than one item.
  EXPECT_LT(commit.counts().first, 320u);
}

TEST(GroupCommitTest, AWriteThatThrowsFailsItsBatchAndTheNextOneStillRuns) {
  bool throw_next = true;
  GroupCommit<int, int> commit(
      [&](std::vector<int>& items) -> std::vector<absl::StatusOr<int>> {
        if (throw_next) {
          throw_next = false;
          throw std::runtime_error("connection lost");
        }
        return std::vector<absl::StatusOr<int>>(items.begin(), items.end());
      },
      {.max_batch = 8, .max_concurrent = 1});
  absl::StatusOr<int> failed = commit.Submit(1);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(failed.status().message()), ::testing::HasSubstr("connection lost"));
  EXPECT_EQ(*commit.Submit(2), 2);
}

TEST(GroupCommitTest, AnAnswerOfTheWrongSizeFailsTheBatch) {
  GroupCommit<int, int> commit([](std::vector<int>&) { return std::vector<absl::StatusOr<int>>(); },
                               {});
  EXPECT_EQ(commit.Submit(1).status().code(), absl::StatusCode::kInternal);
}

// The writes of a test's GroupCommit<int, int>: each batch is recorded, and the item 0 waits for
// `release` (when set) so that the next items queue up behind it.
struct RecordingWrite {
  std::mutex mu;
  std::vector<std::vector<int>> batches;
  std::set<std::thread::id> threads;
  absl::Notification first_started;
  absl::Notification* release = nullptr;

  std::vector<absl::StatusOr<int>> operator()(std::vector<int>& items) {
    {
      std::lock_guard<std::mutex> lock(mu);
      batches.push_back(items);
      threads.insert(std::this_thread::get_id());
    }
    if (items == std::vector<int>{0} && release != nullptr) {
      first_started.Notify();
      release->WaitForNotification();
    }
    std::vector<absl::StatusOr<int>> out;
    for (int i : items) {
      if (i == 3) {
        out.push_back(absl::UnavailableError("three is lost"));
      } else {
        out.push_back(i + 100);
      }
    }
    return out;
  }
};

// An async item goes to the object's own writer: the caller returns while it is being written,
// and its callback runs on that writer's thread with its own result.
TEST(GroupCommitTest, AsyncCallersReturnAtOnceAndTheirItemsAreWrittenByTheWriter) {
  absl::Notification release;
  RecordingWrite write;
  write.release = &release;
  std::mutex mu;
  std::map<int, absl::StatusOr<int>> results;
  std::set<std::thread::id> ran_on;
  absl::Notification all_done;
  {
    GroupCommit<int, int> commit([&](std::vector<int>& items) { return write(items); },
                                 {.max_batch = 64, .max_concurrent = 1});
    auto done = [&](int i) {
      return [&, i](absl::StatusOr<int> result) {
        std::lock_guard<std::mutex> lock(mu);
        results.emplace(i, std::move(result));
        ran_on.insert(std::this_thread::get_id());
        // No lock of the object is held while a callback runs (this would deadlock).
        commit.queued();
        if (results.size() == 5) all_done.Notify();
      };
    };
    commit.SubmitAsync(0, done(0));
    write.first_started.WaitForNotification();
    // The first batch is still being written: these queue up, and their callers go on.
    for (int i = 1; i < 5; ++i) commit.SubmitAsync(i, done(i));
    EXPECT_EQ(commit.queued(), 4u);
    {
      std::lock_guard<std::mutex> lock(mu);
      EXPECT_TRUE(results.empty());
    }
    release.Notify();
    all_done.WaitForNotificationWithTimeout(absl::Seconds(10));
  }
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(*results.at(0), 100);
  EXPECT_EQ(*results.at(1), 101);
  EXPECT_EQ(*results.at(2), 102);
  EXPECT_EQ(results.at(3).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(*results.at(4), 104);
  EXPECT_THAT(write.batches, ElementsAre(ElementsAre(0), ElementsAre(1, 2, 3, 4)));
  EXPECT_EQ(write.threads.size(), 1u);
  EXPECT_EQ(write.threads.count(std::this_thread::get_id()), 0u) << "not on the caller's";
  EXPECT_EQ(ran_on, write.threads);
}

// Blocking callers and async items share the writers: never more than max_concurrent batches at
// once, and a blocking caller that arrives while the writer writes goes in a later batch.
TEST(GroupCommitTest, BlockingCallersAndAsyncItemsShareTheWriters) {
  absl::Notification release;
  RecordingWrite write;
  write.release = &release;
  std::atomic<int> written{0};
  absl::StatusOr<int> blocking = absl::UnknownError("not run");
  {
    GroupCommit<int, int> commit([&](std::vector<int>& items) { return write(items); },
                                 {.max_batch = 2, .max_concurrent = 1});
    commit.SubmitAsync(0, [&](absl::StatusOr<int> r) { written += r.ok(); });
    write.first_started.WaitForNotification();
    std::thread caller([&] { blocking = commit.Submit(5); });
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (commit.queued() < 1 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
    for (int i = 1; i <= 2; ++i) {
      commit.SubmitAsync(i, [&](absl::StatusOr<int> r) { written += r.ok(); });
    }
    EXPECT_EQ(commit.queued(), 3u);
    release.Notify();
    caller.join();
  }  // The destructor waits for the async items.
  EXPECT_EQ(*blocking, 105);
  EXPECT_EQ(written.load(), 3);
  ASSERT_EQ(write.batches.size(), 3u);
  EXPECT_THAT(write.batches[0], ElementsAre(0));
  EXPECT_THAT(write.batches[1], ElementsAre(5, 1)) << "in the order they came, two at most";
  EXPECT_THAT(write.batches[2], ElementsAre(2));
}

// Destroying the object writes what is still queued and runs every callback first.
TEST(GroupCommitTest, TheDestructorWritesWhatIsStillQueued) {
  std::atomic<int> written{0};
  {
    GroupCommit<int, int> commit(
        [](std::vector<int>& items) {
          absl::SleepFor(absl::Milliseconds(5));
          return std::vector<absl::StatusOr<int>>(items.begin(), items.end());
        },
        {.max_batch = 3, .max_concurrent = 1});
    for (int i = 0; i < 10; ++i) {
      commit.SubmitAsync(i, [&](absl::StatusOr<int> r) { written += r.ok(); });
    }
  }
  EXPECT_EQ(written.load(), 10);
}

TEST(GroupCommitTest, ManyAsyncCallersAllGetTheirOwnResults) {
  std::atomic<int> right{0}, wrong{0};
  size_t items = 0;
  {
    GroupCommit<int, int> commit(
        [&](std::vector<int>& items) {
          absl::SleepFor(absl::Microseconds(200));
          std::vector<absl::StatusOr<int>> out;
          for (int i : items) out.push_back(i * 3);
          return out;
        },
        {.max_batch = 16, .max_concurrent = 1});
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          const int value = t * 1000 + i;
          commit.SubmitAsync(value, [&, value](absl::StatusOr<int> got) {
            if (got.ok() && *got == value * 3) {
              ++right;
            } else {
              ++wrong;
            }
          });
        }
      });
    }
    for (auto& t : threads) t.join();
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (right + wrong < 400 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
    items = commit.counts().second;
    EXPECT_EQ(commit.queued(), 0u);
    // Batches formed while the writer was busy.
    EXPECT_LT(commit.counts().first, 400u);
  }
  EXPECT_EQ(right.load(), 400);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(items, 400u);
}

}  // namespace
}  // namespace notify
