#include "server/common/group_commit.h"

#include <atomic>
#include <map>
#include <mutex>
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

TEST(GroupCommitTest, AnAsyncItemWithNoWriteUnderWayIsWrittenOnTheCallersThread) {
  std::vector<std::vector<int>> batches;
  GroupCommit<int, int> commit(
      [&](std::vector<int>& items) {
        batches.push_back(items);
        return std::vector<absl::StatusOr<int>>(items.begin(), items.end());
      },
      {.max_batch = 8, .max_concurrent = 1});
  std::thread::id ran_on;
  absl::StatusOr<int> got = absl::UnknownError("not run");
  commit.SubmitAsync(7, [&](absl::StatusOr<int> result) {
    ran_on = std::this_thread::get_id();
    got = std::move(result);
  });
  // Written before SubmitAsync returned.
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(*got, 7);
  EXPECT_THAT(batches, ElementsAre(ElementsAre(7)));
}

// While a batch is being written, async items are queued and their callers go on at once; the
// writer takes them along after its own batch, with their results, and nothing is left behind.
TEST(GroupCommitTest, AsyncItemsQueuedDuringAWriteReturnAtOnceAndGoWithTheNextBatch) {
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
            out.push_back(absl::UnavailableError("three is lost"));
          } else {
            out.push_back(i + 100);
          }
        }
        return out;
      },
      {.max_batch = 64, .max_concurrent = 1});
  std::mutex mu;
  std::map<int, absl::StatusOr<int>> results;
  std::map<int, std::thread::id> ran_on;
  auto done = [&](int i) {
    return [&, i](absl::StatusOr<int> result) {
      std::lock_guard<std::mutex> lock(mu);
      results.emplace(i, std::move(result));
      ran_on[i] = std::this_thread::get_id();
    };
  };
  std::thread writer([&] { commit.SubmitAsync(0, done(0)); });
  first_started.WaitForNotification();
  // None of these waits: the first batch is still being written.
  for (int i = 1; i < 5; ++i) commit.SubmitAsync(i, done(i));
  EXPECT_EQ(commit.queued(), 4u);
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(results.empty());
  }
  const std::thread::id writer_id = writer.get_id();
  release_first.Notify();
  writer.join();
  // The first batch's writer wrote the second before it returned.
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(*results.at(0), 100);
  EXPECT_EQ(*results.at(1), 101);
  EXPECT_EQ(*results.at(2), 102);
  EXPECT_EQ(results.at(3).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(*results.at(4), 104);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ran_on.at(i), writer_id) << i;
  EXPECT_THAT(batches, ElementsAre(ElementsAre(0), ElementsAre(1, 2, 3, 4)));
  EXPECT_EQ(commit.queued(), 0u);
}

// A blocking caller whose own item is written keeps writing while async items wait, so that a
// mix of both never strands an async item.
TEST(GroupCommitTest, ABlockingWriterAlsoWritesTheAsyncItemsQueuedBehindIt) {
  absl::Notification first_started, release_first;
  std::vector<std::vector<int>> batches;
  GroupCommit<int, int> commit(
      [&](std::vector<int>& items) {
        batches.push_back(items);
        if (items == std::vector<int>{0}) {
          first_started.Notify();
          release_first.WaitForNotification();
        }
        return std::vector<absl::StatusOr<int>>(items.begin(), items.end());
      },
      {.max_batch = 2, .max_concurrent = 1});
  absl::StatusOr<int> blocking = absl::UnknownError("not run");
  std::thread writer([&] { blocking = commit.Submit(0); });
  first_started.WaitForNotification();
  std::atomic<int> written{0};
  for (int i = 1; i <= 5; ++i) {
    commit.SubmitAsync(i, [&](absl::StatusOr<int> result) {
      if (result.ok()) ++written;
    });
  }
  release_first.Notify();
  writer.join();
  EXPECT_EQ(*blocking, 0);
  EXPECT_EQ(written.load(), 5);
  // At most two a batch.
  EXPECT_THAT(batches,
              ElementsAre(ElementsAre(0), ElementsAre(1, 2), ElementsAre(3, 4), ElementsAre(5)));
}

TEST(GroupCommitTest, ManyAsyncCallersAllGetTheirOwnResults) {
  GroupCommit<int, int> commit(
      [&](std::vector<int>& items) {
        absl::SleepFor(absl::Microseconds(200));
        std::vector<absl::StatusOr<int>> out;
        for (int i : items) out.push_back(i * 3);
        return out;
      },
      {.max_batch = 16, .max_concurrent = 1});
  std::atomic<int> right{0}, wrong{0};
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
  // Every caller has returned: every item was written, none is left queued.
  EXPECT_EQ(right.load(), 400);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(commit.queued(), 0u);
  EXPECT_EQ(commit.counts().second, 400u);
}

}  // namespace
}  // namespace notify
