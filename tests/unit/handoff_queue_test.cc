// The hand-off queue between event workers and senders: room per channel, order, the wait for a
// batch and the take-back, closing, and the senders' schedule for looking in the database.
#include "server/delivery/handoff_queue.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/delivery_values.h"

namespace notify::delivery {
namespace {

namespace v1 = notifications::v1;
using namespace ::notify::testing::delivery_values;  // NOLINT: kEmail, kSent, ...

Handed Offer(v1::NotificationType channel, const std::string& id, NewDelivery* row) {
  Handed h{DeliveryJob{}, nullptr, row};
  h.job.type = channel;
  h.job.id = id;
  return h;
}

Outcome Sent() {
  Outcome outcome;
  outcome.status = kSent;
  outcome.attempt = DeliveryAttempt{absl::UnixEpoch(), absl::Milliseconds(3), true, 202, ""};
  return outcome;
}

class HandoffQueueTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  NewDelivery rows_[4];
};

TEST_F(HandoffQueueTest, TakesWhatFitsEachChannelAndGivesItOutOldestFirst) {
  HandoffQueue queue(/*limit=*/2, absl::Seconds(60), &clock_);
  queue.Open();
  HandoffBatch batch;
  std::vector<Handed> offers;
  offers.push_back(Offer(kEmail, "a", &rows_[0]));
  offers.push_back(Offer(kEmail, "b", &rows_[1]));
  offers.push_back(Offer(kEmail, "c", &rows_[2]));
  offers.push_back(Offer(kSms, "d", &rows_[3]));
  EXPECT_EQ(queue.Hand(batch, std::move(offers)), std::vector<bool>({true, true, false, true}));
  ASSERT_EQ(batch.entries().size(), 3u);
  EXPECT_EQ(batch.entries()[2].row, &rows_[3]);

  Handed* first = queue.Take(kEmail);
  Handed* second = queue.Take(kEmail);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->job.id, "a");
  EXPECT_EQ(second->job.id, "b");
  EXPECT_EQ(queue.Take(kEmail), nullptr);
  EXPECT_EQ(queue.Take(kPush), nullptr);
  ASSERT_NE(queue.Take(kSms), nullptr);
}

TEST_F(HandoffQueueTest, TakesNothingBeforeOpenOrAfterClose) {
  HandoffQueue queue(10, absl::Seconds(60), &clock_);
  HandoffBatch batch;
  std::vector<Handed> offers;
  offers.push_back(Offer(kEmail, "a", &rows_[0]));
  EXPECT_EQ(queue.Hand(batch, offers), std::vector<bool>({false}));
  queue.Open();
  queue.Close();
  EXPECT_FALSE(queue.open());
  EXPECT_EQ(queue.Hand(batch, offers), std::vector<bool>({false}));
  EXPECT_TRUE(batch.empty());
}

TEST_F(HandoffQueueTest, AwaitEndsWhenSendersFinishEveryEntry) {
  HandoffQueue queue(10, absl::Seconds(60), &clock_);
  queue.Open();
  HandoffBatch batch;
  std::vector<Handed> offers;
  offers.push_back(Offer(kEmail, "a", &rows_[0]));
  offers.push_back(Offer(kSms, "b", &rows_[1]));
  queue.Hand(batch, std::move(offers));
  const absl::Time due = clock_.Now() + absl::Minutes(5);
  std::thread sender([&] {
    Handed* email = queue.Take(kEmail);
    Handed* sms = queue.Take(kSms);
    queue.Finish(email, Sent(), absl::InfinitePast(), /*written=*/true);
    Outcome retrying;
    retrying.status = kRetrying;
    queue.Finish(sms, retrying, due, /*written=*/false);
  });
  // Far off: only the senders end this wait (measured on the real clock, which the wait runs on).
  const absl::Time started = absl::Now();
  queue.Await(batch, clock_.Now() + absl::Seconds(60));
  EXPECT_LT(absl::Now() - started, absl::Seconds(30)) << "the senders did not end the wait";
  sender.join();
  ASSERT_TRUE(batch.entries()[0].outcome.has_value());
  EXPECT_EQ(batch.entries()[0].outcome->status, kSent);
  EXPECT_TRUE(batch.entries()[0].written);
  ASSERT_TRUE(batch.entries()[1].outcome.has_value());
  EXPECT_EQ(batch.entries()[1].outcome->status, kRetrying);
  EXPECT_EQ(batch.entries()[1].next_attempt, due);
  EXPECT_FALSE(batch.entries()[1].written);
}

TEST_F(HandoffQueueTest, AwaitTakesBackWhatNoSenderStartedAndWaitsForWhatIsInFlight) {
  HandoffQueue queue(10, absl::Seconds(60), &clock_);
  queue.Open();
  HandoffBatch batch;
  std::vector<Handed> offers;
  offers.push_back(Offer(kEmail, "a", &rows_[0]));
  offers.push_back(Offer(kEmail, "b", &rows_[1]));
  offers.push_back(Offer(kSms, "c", &rows_[2]));
  queue.Hand(batch, std::move(offers));
  Handed* in_flight = queue.Take(kEmail);
  ASSERT_NE(in_flight, nullptr);

  std::atomic<bool> returned{false};
  std::thread worker([&] {
    queue.Await(batch, clock_.Now());  // Time to stop handing already.
    returned = true;
  });
  // The take-back empties the queue; the worker still waits for the delivery in flight.
  // (Bounded, so that a queue that never takes back fails here rather than hangs.)
  const absl::Time bound = absl::Now() + absl::Seconds(20);
  while (queue.Waiting(kEmail) + queue.Waiting(kSms) > 0 && absl::Now() < bound) {
    std::this_thread::yield();
  }
  EXPECT_EQ(queue.Waiting(kEmail) + queue.Waiting(kSms), 0) << "nothing was taken back";
  EXPECT_FALSE(returned);
  queue.Finish(in_flight, Sent(), absl::InfinitePast(), /*written=*/true);
  worker.join();
  EXPECT_TRUE(batch.entries()[0].outcome.has_value());
  EXPECT_FALSE(batch.entries()[1].outcome.has_value());
  EXPECT_FALSE(batch.entries()[2].outcome.has_value());
  EXPECT_EQ(queue.Take(kEmail), nullptr);
  EXPECT_EQ(queue.Take(kSms), nullptr);
}

TEST_F(HandoffQueueTest, CloseEndsAWorkersWaitAndTheSendersForGood) {
  HandoffQueue queue(10, absl::Seconds(60), &clock_);
  queue.Open();
  HandoffBatch batch;
  std::vector<Handed> offers;
  offers.push_back(Offer(kEmail, "a", &rows_[0]));
  queue.Hand(batch, std::move(offers));
  const absl::Time started = absl::Now();
  std::thread worker([&] {
    queue.Await(batch, clock_.Now() + absl::Seconds(60));
    EXPECT_LT(absl::Now() - started, absl::Seconds(30)) << "Close did not end the wait";
  });
  uint64_t seen = 0;
  // The hand-over woke it already; it waits again until the queue closes.
  std::thread sender([&] {
    while (queue.Wait(seen)) {
    }
  });
  queue.Close();
  worker.join();
  sender.join();
  EXPECT_FALSE(batch.entries()[0].outcome.has_value());
  EXPECT_FALSE(queue.Wait(seen));
}

TEST_F(HandoffQueueTest, HandingOverWakesAWaitingSender) {
  HandoffQueue queue(10, absl::Seconds(60), &clock_);  // Woken, not timed out.
  queue.Open();
  uint64_t seen = 0;
  std::atomic<bool> woken{false};
  const absl::Time started = absl::Now();
  std::thread sender([&] {
    EXPECT_TRUE(queue.Wait(seen));
    EXPECT_LT(absl::Now() - started, absl::Seconds(30)) << "timed out, not woken";
    woken = true;
  });
  HandoffBatch batch;
  std::vector<Handed> offers;
  offers.push_back(Offer(kPush, "a", &rows_[0]));
  queue.Hand(batch, std::move(offers));
  sender.join();
  EXPECT_TRUE(woken);
  ASSERT_NE(queue.Take(kPush), nullptr);
}

TEST_F(HandoffQueueTest, EachChannelLooksInTheDatabaseOncePerPollInterval) {
  HandoffQueue queue(10, absl::Milliseconds(500), &clock_);
  EXPECT_TRUE(queue.PollDue(kEmail));
  EXPECT_FALSE(queue.PollDue(kEmail));
  EXPECT_TRUE(queue.PollDue(kSms));
  clock_.Advance(absl::Milliseconds(440));
  EXPECT_FALSE(queue.PollDue(kEmail));
  clock_.Advance(absl::Milliseconds(20));  // 460 ms: within the tenth of slack.
  EXPECT_TRUE(queue.PollDue(kEmail));
  EXPECT_FALSE(queue.PollDue(kEmail));
}

TEST_F(HandoffQueueTest, AClaimDueIsTakenByOneSender) {
  HandoffQueue queue(10, absl::Seconds(60), &clock_);
  queue.Open();
  EXPECT_FALSE(queue.TakeClaimDue(kEmail));
  queue.ClaimDue({kEmail}, /*wake=*/false);
  EXPECT_TRUE(queue.TakeClaimDue(kEmail));
  EXPECT_FALSE(queue.TakeClaimDue(kEmail));
  EXPECT_FALSE(queue.TakeClaimDue(kSms));
  queue.CallInClaimer(kSms);
  EXPECT_TRUE(queue.TakeClaimDue(kSms));

  // With `wake`, a waiting sender is woken (its wait would last a minute otherwise). The calls
  // above woke it already: it sees those first.
  uint64_t seen = 0;
  EXPECT_TRUE(queue.Wait(seen));
  const absl::Time started = absl::Now();
  std::thread sender([&] {
    EXPECT_TRUE(queue.Wait(seen));
    EXPECT_LT(absl::Now() - started, absl::Seconds(30)) << "timed out, not woken";
  });
  queue.ClaimDue({kPush}, /*wake=*/true);
  sender.join();
  EXPECT_TRUE(queue.TakeClaimDue(kPush));
}

}  // namespace
}  // namespace notify::delivery
