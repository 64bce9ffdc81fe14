// A sender over fakes: what it decides before calling the provider (no device, the quota), what
// the provider's answer becomes, how it records claimed deliveries through a database outage, and
// how it writes the ones handed over in memory.
#include "server/delivery/sender.h"

#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/common/log.h"
#include "tests/fakes/delivery_fakes.h"
#include "tests/fakes/fake_delivery_store.h"
#include "tests/support/delivery_values.h"

namespace notify::delivery {
namespace {

namespace v1 = notifications::v1;
using namespace ::notify::testing::delivery_values;  // NOLINT: kEmail, kSent, ...

using ::notify::testing::DeliveryFakes;
using ::notify::testing::FakeCompanyStore;
using ::notify::testing::FakeDeliveryStore;
using ::notify::testing::FakeDispatcher;

SendResult Answer(SendOutcome outcome, int status, std::string detail = "") {
  SendResult result;
  result.outcome = outcome;
  result.provider_status = status;
  result.detail = std::move(detail);
  return result;
}

class SenderTest : public ::testing::Test {
 protected:
  SenderTest()
      : fakes_(7),
        queue_(100, absl::Milliseconds(500), &clock_),
        sender_(Options(), &store_, &directory_, &providers_, &queue_, &metrics_, &clock_,
                &random_) {
    fakes_.AddCompany("acme", /*active=*/true);
    queue_.Open();
  }

  static SendOptions Options() {
    SendOptions options;
    options.batch = 5;
    options.lease = absl::Seconds(120);
    options.send_timeout = absl::Seconds(30);
    options.retry =
        RetryPolicy{.max_attempts = 3, .base = absl::Seconds(60), .max = absl::Hours(1)};
    return options;
  }

  // Another sender of this test's store and queue, over `provider`.
  Sender SenderOver(Dispatcher* provider) {
    return Sender(Options(), &store_, &directory_, provider, &queue_, &metrics_, &clock_, &random_);
  }

  void SetQuota(int email_daily_quota) {
    CompanyRecord acme = *companies_.Get("acme");
    acme.email_daily_quota = email_daily_quota;
    companies_.Put(acme);
    directory_.Forget("acme");
  }

  static NewDelivery Email(const std::string& key) {
    NewDelivery d;
    d.type = kEmail;
    d.recipient = "ann@example.com";
    d.subject = "Hello";
    d.dedupe_key = key;
    return d;
  }

  static NewDelivery Sent(NewDelivery d) {
    d.status = kSent;
    return d;
  }

  static DeliveryJob Job(const NewDelivery& d, const std::string& id) {
    return DeliveryJob{static_cast<const DeliveryMessage&>(d), "acme", id};
  }

  DeliveryFakes fakes_;
  FakeClock& clock_ = fakes_.clock;
  FakeCompanyStore& companies_ = fakes_.companies;
  CompanyDirectory& directory_ = fakes_.directory;
  FakeDeliveryStore& store_ = fakes_.store;
  FakeDispatcher& providers_ = fakes_.providers;
  DeliveryMetrics& metrics_ = fakes_.metrics;
  SharedRandom& random_ = fakes_.random;
  HandoffQueue queue_;
  Sender sender_;
};

TEST_F(SenderTest, APushWithoutADeviceIsSkippedWithoutCallingTheProvider) {
  NewDelivery push;
  push.type = kPush;
  push.device_id = "device-1";
  const Outcome outcome = sender_.Attempt(Job(push, "d1"));
  EXPECT_EQ(outcome.status, kSkipped);
  EXPECT_EQ(outcome.reason, "the device is no longer registered");
  EXPECT_FALSE(outcome.attempt.has_value());
  EXPECT_TRUE(providers_.sent().empty());
}

TEST_F(SenderTest, AnInactiveCompanysMessageIsCancelledWithoutCallingTheProvider) {
  CompanyRecord acme = *companies_.Get("acme");
  acme.active = false;
  companies_.Put(acme);
  directory_.Forget("acme");
  const Outcome outcome = sender_.Attempt(Job(Email("late"), "d1"));
  EXPECT_EQ(outcome.status, notifications::v1::LOG_STATUS_CANCELLED);
  EXPECT_EQ(outcome.reason, "cancelled: the company deactivated the extension before it was sent");
  EXPECT_FALSE(outcome.attempt.has_value());
  EXPECT_TRUE(providers_.sent().empty());
}

TEST_F(SenderTest, TheDailyQuotaDefersToTheNextUtcMidnight) {
  SetQuota(2);
  // The clock stands at 08:00 UTC; one message went out an hour ago, one yesterday.
  store_.AddDelivery("acme", Sent(Email("a")), clock_.Now() - absl::Hours(1));
  store_.AddDelivery("acme", Sent(Email("b")), clock_.Now() - absl::Hours(10));
  store_.AddDelivery("acme", Email("pending"), clock_.Now());  // Not sent: does not count.
  EXPECT_EQ(sender_.Attempt(Job(Email("c"), "d3")).status, kSent);
  store_.AddDelivery("acme", Sent(Email("d")), clock_.Now());

  const Outcome outcome = sender_.Attempt(Job(Email("e"), "d4"));
  EXPECT_EQ(outcome.status, kDeferred);
  const absl::TimeZone utc = absl::UTCTimeZone();
  EXPECT_EQ(outcome.until, absl::FromCivil(absl::ToCivilDay(clock_.Now(), utc) + 1, utc));
  EXPECT_NE(outcome.reason.find("daily email quota (2) is reached"), std::string::npos)
      << outcome.reason;
  EXPECT_EQ(providers_.sent().size(), 1u);
}

TEST(DailyQuotaTest, TheLowerOfTheAdminsAndTheOperatorsWhereZeroSetsNone) {
  EXPECT_EQ(EffectiveDailyQuota(0, 0), 0) << "no limit anywhere";
  EXPECT_EQ(EffectiveDailyQuota(50, 0), 50);
  EXPECT_EQ(EffectiveDailyQuota(0, 100), 100) << "an admin's \"no limit\" is the ceiling";
  EXPECT_EQ(EffectiveDailyQuota(50, 100), 50);
  EXPECT_EQ(EffectiveDailyQuota(500, 100), 100);
}

TEST_F(SenderTest, TheOperatorsCeilingHoldsACompanyWithoutAQuotaOfItsOwn) {
  SendOptions options = Options();
  options.quota_ceilings.email = 1;  // The company sets none.
  Sender capped(options, &store_, &directory_, &providers_, &queue_, &metrics_, &clock_, &random_);
  store_.AddDelivery("acme", Sent(Email("a")), clock_.Now() - absl::Hours(1));
  const Outcome outcome = capped.Attempt(Job(Email("b"), "d1"));
  EXPECT_EQ(outcome.status, kDeferred);
  EXPECT_NE(outcome.reason.find("daily email quota (1) is reached"), std::string::npos)
      << outcome.reason;
  EXPECT_TRUE(providers_.sent().empty());
}

TEST_F(SenderTest, ATemporaryFailureIsRetriedAfterTheJitteredBackoff) {
  providers_.Answer(Answer(SendOutcome::kTemporary, 503, "HTTP 503"));
  const absl::Time before = clock_.Now();
  const Outcome outcome = sender_.Attempt(Job(Email("a"), "d1"));
  EXPECT_EQ(outcome.status, kRetrying);
  EXPECT_GE(outcome.retry_in, absl::Seconds(48));
  EXPECT_LE(outcome.retry_in, absl::Seconds(72));
  ASSERT_TRUE(outcome.attempt.has_value());
  EXPECT_EQ(outcome.attempt->started, before);
  EXPECT_FALSE(outcome.attempt->success);
  EXPECT_EQ(outcome.attempt->provider_status, 503);
  EXPECT_EQ(outcome.attempt->error, "HTTP 503");
}

TEST_F(SenderTest, TheLastAttemptIsDeadAndAnUnregisteredDeviceIsRemoved) {
  providers_.Answer(Answer(SendOutcome::kTemporary, 500, "HTTP 500"));
  DeliveryJob last = Job(Email("a"), "d1");
  last.attempt_count = 2;  // Of three.
  const Outcome dead = sender_.Attempt(last);
  EXPECT_EQ(dead.status, kDead);
  EXPECT_EQ(dead.attempt->error, "HTTP 500 (gave up after 3 attempts)");

  providers_.Answer(Answer(SendOutcome::kUnregistered, 404, "UNREGISTERED"));
  NewDelivery push;
  push.type = kPush;
  push.device_id = "device-9";
  push.device_token = "token";
  const Outcome removed = sender_.Attempt(Job(push, "d2"));
  EXPECT_EQ(removed.status, kDead);
  EXPECT_EQ(store_.removed_devices(), std::vector<std::string>({"device-9"}));
}

TEST_F(SenderTest, ClaimedDeliveriesAreSentAndRecorded) {
  const std::string first = store_.AddDelivery("acme", Email("a"));
  const std::string second = store_.AddDelivery("acme", Email("b"));
  providers_.Answer(Answer(SendOutcome::kSent, 202));
  providers_.Answer(Answer(SendOutcome::kPermanent, 400, "bad address"));
  bool from_database = false;
  absl::StatusOr<int> sent = sender_.SendSome(kEmail, /*claim=*/true, &from_database);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(*sent, 2);
  EXPECT_TRUE(from_database);
  EXPECT_EQ(store_.delivery(first)->row.status, kSent);
  ASSERT_EQ(store_.delivery(first)->row.attempts.size(), 1u);
  EXPECT_EQ(store_.delivery(second)->row.status, kDead);
  EXPECT_EQ(store_.delivery(second)->row.last_error, "bad address");
  // Nothing due now: the next claim finds nothing, and nothing was handed over.
  EXPECT_EQ(*sender_.SendSome(kEmail, /*claim=*/true, &from_database), 0);
  EXPECT_FALSE(from_database);
}

TEST_F(SenderTest, RecordingOutlastsAShortDatabaseOutage) {
  const std::string id = store_.AddDelivery("acme", Email("a"));
  store_.Fail("RecordAttempt", absl::UnavailableError("the database restarts"), 3);
  EXPECT_EQ(*sender_.SendSome(kEmail, /*claim=*/true, nullptr), 1);
  EXPECT_EQ(store_.calls("RecordAttempt"), 4);
  EXPECT_EQ(store_.delivery(id)->row.status, kSent);
  EXPECT_EQ(providers_.sent().size(), 1u);  // Sent once, however long the recording took.
  EXPECT_GT(clock_.slept(), absl::ZeroDuration());
}

TEST_F(SenderTest, ALongOutageStopsTheBatchWithinTheLease) {
  const std::string first = store_.AddDelivery("acme", Email("a"));
  store_.AddDelivery("acme", Email("b"));
  store_.Fail("RecordAttempt", absl::UnavailableError("the database is gone"), -1);
  absl::StatusOr<int> sent = sender_.SendSome(kEmail, /*claim=*/true, nullptr);
  EXPECT_TRUE(absl::IsUnavailable(sent.status())) << sent.status();
  // The first was sent and could not be recorded; the second was not sent at all. Both stay
  // leased, to be claimed again when the lease ends.
  EXPECT_EQ(providers_.sent().size(), 1u);
  EXPECT_EQ(store_.delivery(first)->row.status, kPending);
  EXPECT_GT(store_.calls("RecordAttempt"), 2);
  // Tried for as long as the 120 s lease holds, and no longer (another sender may claim it then).
  EXPECT_LE(clock_.slept(), absl::Seconds(120));
  EXPECT_GT(clock_.slept(), absl::Seconds(90));
}

TEST_F(SenderTest, AHandedDeliveryIsWrittenWithItsOutcome) {
  NewDelivery row = Email("event-1:email");
  row.id = "handed-1";
  HandoffBatch batch;
  std::vector<Handed> offers;
  offers.push_back(Handed{Job(row, row.id), nullptr, &row});
  ASSERT_EQ(queue_.Hand(batch, std::move(offers)), std::vector<bool>({true}));
  providers_.Answer(Answer(SendOutcome::kTemporary, 429, "HTTP 429"));

  bool from_database = true;
  EXPECT_EQ(*sender_.SendSome(kEmail, /*claim=*/false, &from_database), 1);
  EXPECT_FALSE(from_database);
  queue_.Await(batch, clock_.Now());  // Done already: returns at once.
  const Handed& handed = batch.entries()[0];
  ASSERT_TRUE(handed.outcome.has_value());
  EXPECT_EQ(handed.outcome->status, kRetrying);
  EXPECT_TRUE(handed.written);
  EXPECT_EQ(handed.next_attempt, clock_.Now() + handed.outcome->retry_in);
  std::optional<FakeDeliveryStore::Delivery> stored = store_.delivery("handed-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->row.status, kRetrying);
  EXPECT_EQ(stored->row.next_attempt, handed.next_attempt);
  EXPECT_EQ(stored->row.attempts.size(), 1u);
  EXPECT_EQ(row.status, kPending);  // The event worker's row is the worker's to change.
}

TEST_F(SenderTest, AHandedDeliveryThatCannotBeWrittenIsLeftToItsWorker) {
  NewDelivery row = Email("event-1:email");
  row.id = "handed-1";
  HandoffBatch batch;
  std::vector<Handed> offers;
  offers.push_back(Handed{Job(row, row.id), nullptr, &row});
  queue_.Hand(batch, std::move(offers));
  store_.Fail("WriteSentAsync", absl::UnavailableError("the database restarts"));
  EXPECT_EQ(*sender_.SendSome(kEmail, /*claim=*/false, nullptr), 1);
  queue_.Await(batch, clock_.Now());
  EXPECT_EQ(batch.entries()[0].outcome->status, kSent);
  EXPECT_FALSE(batch.entries()[0].written);
  EXPECT_FALSE(store_.delivery("handed-1").has_value());
}

TEST_F(SenderTest, ASenderThreadOutlastsAFailedClaimAndSaysWhichChannel) {
  std::mutex mu;
  std::vector<std::string> lines;
  log::SetSink([&](absl::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.emplace_back(line);
  });
  const std::string id = store_.AddDelivery("acme", Email("a"));
  store_.Fail("ClaimDeliveries", absl::UnavailableError("the database restarts"), 2);
  std::thread thread([&] { sender_.Run(kEmail); });
  // The fake clock's pauses take no time: the third claim sends it.
  while (store_.delivery(id)->row.status != kSent) std::this_thread::yield();
  queue_.Close();
  thread.join();
  log::SetSink(nullptr);
  EXPECT_GE(store_.calls("ClaimDeliveries"), 3);
  std::lock_guard<std::mutex> lock(mu);
  int warned = 0;
  for (const std::string& line : lines) {
    if (line.find("claiming deliveries failed; retrying") == std::string::npos) continue;
    ++warned;
    EXPECT_NE(line.find(R"("channel":"email")"), std::string::npos) << line;
  }
  EXPECT_EQ(warned, 2);
}

// A provider that answers each message just inside the send timeout (the test's clock moves 29 s
// per call), and lets a test act while a message is with it.
class SlowProvider final : public Dispatcher {
 public:
  explicit SlowProvider(FakeClock* clock) : clock_(clock) {}
  std::function<void()> during;  // Called once per message, the clock moved on, not re-entered.

  SendResult Send(const DeliveryJob& job) override {
    clock_->Advance(absl::Seconds(29));
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++sent_[job.id];
    }
    if (during && !inside_) {
      inside_ = true;
      during();
      inside_ = false;
    }
    return Answer(SendOutcome::kSent, 202);
  }
  std::map<std::string, int> sent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }

 private:
  FakeClock* const clock_;
  mutable std::mutex mu_;
  std::map<std::string, int> sent_;
  bool inside_ = false;
};

// Five claimed messages to a provider taking 29 s each would end 25 s past their 120 s lease; a
// second sender claiming whenever one is with the provider would then send the last ones again.
// The first renews the batch's lease before it runs short: each goes out once.
TEST_F(SenderTest, ASlowProviderNeverTakesABatchPastItsLease) {
  SlowProvider slow(&clock_);
  Sender first = SenderOver(&slow);
  Sender second = SenderOver(&slow);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(store_.AddDelivery("acme", Email(absl::StrCat(i))));
  int second_claimed = 0;
  slow.during = [&] { second_claimed += *second.SendSome(kEmail, /*claim=*/true, nullptr); };

  EXPECT_EQ(*first.SendSome(kEmail, /*claim=*/true, nullptr), 5);
  EXPECT_EQ(second_claimed, 0) << "the first sender's lease held throughout";
  for (const std::string& id : ids) {
    EXPECT_EQ(slow.sent()[id], 1) << id;
    EXPECT_EQ(store_.delivery(id)->row.status, kSent) << id;
  }
  EXPECT_GE(store_.calls("RenewDeliveries"), 1);
}

// A renewal that comes too late (the lease ran out and another sender holds the rest) renews
// nothing: the first sender leaves those to the other, and sends none of them itself.
TEST_F(SenderTest, WhatAnotherSenderClaimedMeanwhileIsLeftToIt) {
  SlowProvider slow(&clock_);
  Sender first = SenderOver(&slow);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(store_.AddDelivery("acme", Email(absl::StrCat(i))));
  std::vector<DeliveryJob> stolen;
  slow.during = [&] {
    // The first message took a stalled process's whole lease: the others are claimed again.
    clock_.Advance(Options().lease);
    stolen = *store_.ClaimDeliveries(kEmail, 5, Options().lease);
  };
  EXPECT_EQ(*first.SendSome(kEmail, /*claim=*/true, nullptr), 3);
  ASSERT_EQ(stolen.size(), 3u) << "each whose lease ran out, the one with the provider too";
  EXPECT_EQ(slow.sent().size(), 1u) << "the first sender sent only the first";
  EXPECT_EQ(store_.calls("RenewDeliveries"), 1);
}

// A renewal the database cannot answer stops the batch: nothing more is sent under a lease that
// may run out.
TEST_F(SenderTest, ALeaseThatCannotBeRenewedStopsTheBatch) {
  SlowProvider slow(&clock_);
  Sender sender = SenderOver(&slow);
  for (int i = 0; i < 5; ++i) store_.AddDelivery("acme", Email(absl::StrCat(i)));
  store_.Fail("RenewDeliveries", absl::UnavailableError("the database restarts"));
  absl::StatusOr<int> sent = sender.SendSome(kEmail, /*claim=*/true, nullptr);
  EXPECT_EQ(sent.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(slow.sent().size(), 3u) << "what fit in the lease: 3 x 29 s, 52.5 s kept in hand";
}

}  // namespace
}  // namespace notify::delivery
