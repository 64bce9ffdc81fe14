// An event worker over fakes: what becomes of each event (processed, ignored, failed, postponed),
// the hand-off to the senders and the take-back, replays, and recording through an outage.
#include "server/delivery/event_worker.h"

#include <atomic>
#include <functional>
#include <map>
#include <thread>

#include "gtest/gtest.h"
#include "server/common/enum_names.h"
#include "server/delivery/sender.h"
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

// Plans one pending message per channel the event's data names ({"channels": ["email"]}); fails
// as told.
class FakePlanner final : public MessagePlanner {
 public:
  std::optional<absl::Status> fail_plans;
  // Slow look-ups: each plan moves `clock` on by `takes`, then calls `during` (not re-entered).
  FakeClock* clock = nullptr;
  absl::Duration takes;
  std::function<void()> during;
  mutable std::map<std::string, int> plans;  // By event.

  absl::StatusOr<std::vector<notifications::v1::Notification>> EnabledNotifications(
      absl::string_view, absl::string_view) const override {
    return std::vector<notifications::v1::Notification>(1);
  }
  absl::StatusOr<EventPlan> Plan(
      const CompanyContext& company, absl::string_view event_uuid, absl::string_view,
      const nlohmann::json& data,
      const std::vector<notifications::v1::Notification>&) const override {
    if (fail_plans.has_value()) return *fail_plans;
    ++plans[std::string(event_uuid)];
    if (clock != nullptr) clock->Advance(takes);
    if (during && !inside_) {
      inside_ = true;
      during();
      inside_ = false;
    }
    EventPlan plan;
    for (const auto& channel : data.value("channels", nlohmann::json::array())) {
      NewDelivery d;
      d.type = FromShortName<v1::NotificationType>(channel.get<std::string>()).value();
      d.recipient = absl::StrCat("someone@", company.id);
      d.event_id = std::string(event_uuid);
      d.dedupe_key = absl::StrCat(event_uuid, ":", ShortName(d.type));
      plan.deliveries.push_back(std::move(d));
    }
    return plan;
  }

 private:
  mutable bool inside_ = false;
};

class EventWorkerTest : public ::testing::Test {
 protected:
  EventWorkerTest() : fakes_(11), queue_(/*limit=*/2, absl::Milliseconds(500), &clock_) {
    fakes_.AddCompany("acme", /*active=*/true);
    fakes_.AddCompany("globex", /*active=*/false);
  }

  EventWorker Worker(absl::Duration lease = absl::Seconds(60)) {
    EventOptions options;
    options.batch = 10;
    options.lease = lease;
    options.max_attempts = 3;
    options.send_timeout = absl::Seconds(30);
    options.handed_channels = {kEmail};
    return EventWorker(options, &store_, &directory_, &planner_, &queue_, &metrics_, &clock_,
                       &random_);
  }

  void AddEvent(const std::string& id, const std::string& data, const std::string& company = "acme",
                int attempts = 0) {
    FakeDeliveryStore::Event e;
    e.company = company;
    e.id = id;
    e.name = "transaction.create";
    e.data_json = data;
    e.attempts = attempts;
    store_.AddEvent(e);
  }

  // A sender thread for email, sending what is handed over until the test ends.
  void StartSender() {
    sender_ = std::make_unique<Sender>(SendOptions{}, &store_, &directory_, &providers_, &queue_,
                                       &metrics_, &clock_, &random_);
    sender_thread_ = std::thread([this] {
      while (queue_.open()) {
        if (*sender_->SendSome(kEmail, /*claim=*/false, nullptr) == 0) std::this_thread::yield();
      }
    });
  }

  ~EventWorkerTest() override {
    queue_.Close();
    if (sender_thread_.joinable()) sender_thread_.join();
  }

  std::vector<FakeDeliveryStore::Delivery> Deliveries(v1::NotificationType type) {
    std::vector<FakeDeliveryStore::Delivery> out;
    for (const auto& d : store_.deliveries()) {
      if (d.row.type == type) out.push_back(d);
    }
    return out;
  }

  DeliveryFakes fakes_;
  FakeClock& clock_ = fakes_.clock;
  FakeCompanyStore& companies_ = fakes_.companies;
  CompanyDirectory& directory_ = fakes_.directory;
  FakeDeliveryStore& store_ = fakes_.store;
  FakeDispatcher& providers_ = fakes_.providers;
  DeliveryMetrics& metrics_ = fakes_.metrics;
  SharedRandom& random_ = fakes_.random;
  FakePlanner planner_;
  HandoffQueue queue_;
  std::unique_ptr<Sender> sender_;
  std::thread sender_thread_;
};

TEST_F(EventWorkerTest, WithoutSendersHereEveryDeliveryIsWrittenPending) {
  EventWorker worker = Worker();
  AddEvent("e1", R"({"channels": ["email", "sms"]})");
  AddEvent("e2", R"({"channels": ["email"]})");
  EXPECT_EQ(*worker.ProcessOnce(), 2);
  EXPECT_EQ(store_.event("e1")->status, v1::EVENT_STATUS_PROCESSED);
  EXPECT_EQ(store_.event("e2")->status, v1::EVENT_STATUS_PROCESSED);
  ASSERT_EQ(Deliveries(kEmail).size(), 2u);
  for (const auto& d : store_.deliveries()) EXPECT_EQ(d.row.status, kPending);
  EXPECT_TRUE(providers_.sent().empty());
  EXPECT_EQ(*worker.ProcessOnce(), 0);  // Nothing more to claim.
}

TEST_F(EventWorkerTest, HandedDeliveriesGoOutBeforeTheEventIsRecorded) {
  queue_.Open();
  StartSender();
  EventWorker worker = Worker();
  AddEvent("e1", R"({"channels": ["email", "sms"]})");
  EXPECT_EQ(*worker.ProcessOnce(), 1);
  EXPECT_EQ(store_.event("e1")->status, v1::EVENT_STATUS_PROCESSED);
  // Email was handed over, sent and written with its outcome; sms has no sender here.
  const std::vector<FakeDeliveryStore::Delivery> emails = Deliveries(kEmail);
  ASSERT_EQ(emails.size(), 1u);
  EXPECT_EQ(emails[0].row.status, kSent);
  EXPECT_EQ(emails[0].row.attempts.size(), 1u);
  EXPECT_FALSE(emails[0].row.id.empty());
  ASSERT_EQ(Deliveries(kSms).size(), 1u);
  EXPECT_EQ(Deliveries(kSms)[0].row.status, kPending);
  ASSERT_EQ(providers_.sent().size(), 1u);
  EXPECT_EQ(providers_.sent()[0].id, emails[0].row.id);
  // The sms written pending is due to be claimed.
  EXPECT_TRUE(queue_.TakeClaimDue(kSms));
}

TEST_F(EventWorkerTest, WhatNoSenderStartsInTimeIsWrittenPendingAndDueToBeClaimed) {
  queue_.Open();  // No sender takes anything.
  // A lease no longer than the send timeout leaves no time to hand anything: all is taken back.
  EventWorker worker = Worker(/*lease=*/absl::Seconds(30));
  AddEvent("e1", R"({"channels": ["email"]})");
  EXPECT_EQ(*worker.ProcessOnce(), 1);
  EXPECT_EQ(store_.event("e1")->status, v1::EVENT_STATUS_PROCESSED);
  const std::vector<FakeDeliveryStore::Delivery> emails = Deliveries(kEmail);
  ASSERT_EQ(emails.size(), 1u);
  EXPECT_EQ(emails[0].row.status, kPending);
  EXPECT_EQ(queue_.Waiting(kEmail), 0);
  EXPECT_TRUE(queue_.TakeClaimDue(kEmail));
}

TEST_F(EventWorkerTest, PastTheQueuesRoomDeliveriesAreWrittenPending) {
  queue_.Open();
  StartSender();
  EventWorker worker = Worker();
  for (int i = 0; i < 5; ++i) AddEvent(absl::StrCat("e", i), R"({"channels": ["email"]})");
  EXPECT_EQ(*worker.ProcessOnce(), 5);
  // Room for two: two sent from memory, three written pending for the senders to claim.
  int sent = 0;
  int pending = 0;
  for (const auto& d : Deliveries(kEmail)) {
    sent += d.row.status == kSent;
    pending += d.row.status == kPending;
  }
  EXPECT_EQ(sent, 2);
  EXPECT_EQ(pending, 3);
  EXPECT_EQ(providers_.sent().size(), 2u);
}

// Ten events whose look-ups take 10 s each outlast their 60 s lease; a second worker claiming
// while each is planned would then plan the last ones again. The first renews the batch's lease
// as it goes: each event is planned once, and its message made once.
TEST_F(EventWorkerTest, SlowPlanningRenewsTheBatchsLease) {
  EventWorker first = Worker();
  EventWorker second = Worker();
  for (int i = 0; i < 10; ++i) AddEvent(absl::StrCat("e", i), R"({"channels": ["sms"]})");
  planner_.clock = &clock_;
  planner_.takes = absl::Seconds(10);
  int second_claimed = 0;
  planner_.during = [&] { second_claimed += *second.ProcessOnce(); };
  EXPECT_EQ(*first.ProcessOnce(), 10);
  EXPECT_EQ(second_claimed, 0) << "the lease held throughout";
  for (int i = 0; i < 10; ++i) {
    const std::string id = absl::StrCat("e", i);
    EXPECT_EQ(planner_.plans[id], 1) << id;
    EXPECT_EQ(store_.event(id)->status, v1::EVENT_STATUS_PROCESSED) << id;
  }
  EXPECT_EQ(Deliveries(kSms).size(), 10u);
  EXPECT_GE(store_.calls("RenewEvents"), 1);
}

// Events another worker claimed once the lease ran out (this one stalled) are left to it: neither
// planned nor recorded here.
TEST_F(EventWorkerTest, EventsAnotherWorkerClaimedMeanwhileAreLeftToIt) {
  EventWorker first = Worker();
  for (int i = 0; i < 3; ++i) AddEvent(absl::StrCat("e", i), R"({"channels": ["sms"]})");
  std::vector<ClaimedEvent> stolen;
  planner_.during = [&] {
    clock_.Advance(absl::Seconds(61));
    stolen = *store_.ClaimEvents(10, absl::Seconds(60));
  };
  EXPECT_EQ(*first.ProcessOnce(), 3);
  EXPECT_EQ(stolen.size(), 3u);
  EXPECT_EQ(planner_.plans.size(), 1u) << "only the first event, before the lease ran out";
  EXPECT_TRUE(store_.deliveries().empty()) << "the other worker records them";
  EXPECT_EQ(store_.event("e0")->status, v1::EVENT_STATUS_PENDING);
}

TEST_F(EventWorkerTest, AnInactiveCompanysEventIsIgnoredAndBadDataFails) {
  EventWorker worker = Worker();
  AddEvent("e1", R"({"channels": ["email"]})", "globex");
  AddEvent("e2", "{not json");
  EXPECT_EQ(*worker.ProcessOnce(), 2);
  EXPECT_EQ(store_.event("e1")->status, v1::EVENT_STATUS_IGNORED);
  EXPECT_EQ(store_.event("e1")->error, "the company is not active");
  EXPECT_EQ(store_.event("e2")->status, v1::EVENT_STATUS_FAILED);
  EXPECT_EQ(store_.event("e2")->error, "the event's data is not JSON");
  EXPECT_TRUE(store_.deliveries().empty());
}

TEST_F(EventWorkerTest, AnEventWhoseDependenciesFailIsPostponedThenFailed) {
  EventWorker worker = Worker();
  planner_.fail_plans = absl::UnavailableError("the platform is down");
  AddEvent("e1", R"({"channels": ["email"]})");
  EXPECT_EQ(*worker.ProcessOnce(), 1);
  std::optional<FakeDeliveryStore::Event> e = store_.event("e1");
  EXPECT_EQ(e->status, v1::EVENT_STATUS_PENDING);
  EXPECT_EQ(e->error, "the platform is down");
  // The first retry waits about the base (a second), with jitter.
  EXPECT_GE(e->due - clock_.Now(), absl::Milliseconds(800));
  EXPECT_LE(e->due - clock_.Now(), absl::Milliseconds(1200));
  EXPECT_EQ(*worker.ProcessOnce(), 0);  // Not due yet.

  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(*worker.ProcessOnce(), 1);  // Second attempt: postponed about three seconds.
  clock_.Advance(absl::Seconds(4));
  EXPECT_EQ(*worker.ProcessOnce(), 1);  // Third of three: failed.
  e = store_.event("e1");
  EXPECT_EQ(e->status, v1::EVENT_STATUS_FAILED);
  EXPECT_EQ(e->error, "gave up after 3 attempts: the platform is down");
  EXPECT_EQ(store_.calls("PostponeEvent"), 2);
}

TEST_F(EventWorkerTest, AnEventProcessedAgainHandsOverOnlyWhatIsNotWrittenYet) {
  queue_.Open();
  StartSender();
  EventWorker worker = Worker();
  // Claimed once before (a process died): its email was written then.
  AddEvent("e1", R"({"channels": ["email"]})", "acme", /*attempts=*/1);
  NewDelivery earlier;
  earlier.type = kEmail;
  earlier.dedupe_key = "e1:email";
  earlier.status = kSent;
  store_.AddDelivery("acme", earlier);
  EXPECT_EQ(*worker.ProcessOnce(), 1);
  EXPECT_EQ(store_.event("e1")->status, v1::EVENT_STATUS_PROCESSED);
  EXPECT_EQ(Deliveries(kEmail).size(), 1u);
  EXPECT_TRUE(providers_.sent().empty());  // Not sent twice.
  EXPECT_EQ(store_.calls("ExistingDedupeKeys"), 1);
}

TEST_F(EventWorkerTest, WhatWasSentIsRecordedThroughADatabaseOutage) {
  queue_.Open();
  StartSender();
  EventWorker worker = Worker();
  AddEvent("e1", R"({"channels": ["email"]})");
  // The sender cannot write its outcome, and the first tries at recording the event fail.
  store_.Fail("WriteSentAsync", absl::UnavailableError("the database restarts"));
  store_.Fail("FinishEvents", absl::UnavailableError("the database restarts"), 2);
  EXPECT_EQ(*worker.ProcessOnce(), 1);
  EXPECT_EQ(store_.event("e1")->status, v1::EVENT_STATUS_PROCESSED);
  EXPECT_EQ(store_.calls("FinishEvents"), 3);
  const std::vector<FakeDeliveryStore::Delivery> emails = Deliveries(kEmail);
  ASSERT_EQ(emails.size(), 1u);
  EXPECT_EQ(emails[0].row.status, kSent);  // Written by the worker, with the sender's outcome.
  EXPECT_EQ(emails[0].row.attempts.size(), 1u);
  EXPECT_EQ(providers_.sent().size(), 1u);
  EXPECT_GT(clock_.slept(), absl::ZeroDuration());
}

TEST_F(EventWorkerTest, NothingSentAtStakeMeansNoRetryingTheRecord) {
  EventWorker worker = Worker();
  AddEvent("e1", R"({"channels": ["email"]})");
  store_.Fail("FinishEvents", absl::UnavailableError("the database restarts"), 2);
  EXPECT_EQ(*worker.ProcessOnce(), 1);
  // The batch and then the event alone failed: left claimed, for its lease to run out.
  EXPECT_EQ(store_.calls("FinishEvents"), 2);
  EXPECT_EQ(store_.event("e1")->status, v1::EVENT_STATUS_PENDING);
  EXPECT_EQ(clock_.slept(), absl::ZeroDuration());
}

}  // namespace
}  // namespace notify::delivery
