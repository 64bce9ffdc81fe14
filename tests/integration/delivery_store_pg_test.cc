// The delivery queues against a real PostgreSQL: claiming with two workers at once, leases that
// run out, and deliveries that are unique per dedupe key however often an event is processed.
#include <pqxx/pqxx>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/pg/migrations.h"
#include "server/store/pg/pg_company_store.h"
#include "server/store/pg/pg_delivery_store.h"
#include "server/store/pg/pool.h"
#include "tests/support/delivery_values.h"
#include "tests/support/test_database.h"

namespace notify::pg {
namespace {

using ::notify::testing::TestDatabase;

namespace v1 = notifications::v1;
using namespace ::notify::testing::delivery_values;  // NOLINT: kSms, kSent, ...

class DeliveryStorePgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pqxx::connection conn(db_.url());
    ASSERT_TRUE(ApplyMigrations(conn, EmbeddedMigrations()).ok());
    pqxx::nontransaction tx(conn);
    tx.exec("INSERT INTO companies (id, active, webhook_secret) VALUES ('acme', true, 'x')");
  }

  void AddEvents(int n) {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    // As the webhook stores them: each pending event with its place in the workers' queue.
    tx.exec_params(
        "WITH stored AS (INSERT INTO events (company_id, event_id, name, data)"
        "  SELECT 'acme', 'e' || i, 'transaction.create', '{}' FROM generate_series(1, $1) i"
        "  RETURNING id, received)"
        " INSERT INTO event_queue (id, due) SELECT id, received FROM stored",
        n);
  }

  NewDelivery Sms(const std::string& key) {
    NewDelivery d;
    d.dedupe_key = key;
    d.type = kSms;
    d.recipient = "+15550000000";
    d.sms_message = "hi " + key;
    return d;
  }

  // Writes a sent delivery as a sender does, and waits for the outcome.
  absl::Status WriteSent(const std::string& company, const NewDelivery& d) {
    absl::Notification written;
    absl::Status status;
    store_.WriteSentAsync(company, d, [&](absl::Status s) {
      status = s;
      written.Notify();
    });
    written.WaitForNotification();
    return status;
  }

  int Count(const std::string& sql) {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    return tx.exec(sql)[0][0].as<int>();
  }

  TestDatabase db_;
  PgPool pool_{
      PgPool::Options{.url = db_.url(), .size = 4, .on_connect = &PgDeliveryStore::Prepare}};
  PgDeliveryStore store_{&pool_};
};

TEST_F(DeliveryStorePgTest, TwoWorkersClaimEveryEventOnceBetweenThem) {
  AddEvents(200);
  std::mutex mu;
  std::multiset<std::string> claimed;
  auto worker = [&] {
    for (;;) {
      absl::StatusOr<std::vector<ClaimedEvent>> batch = store_.ClaimEvents(7, absl::Minutes(1));
      ASSERT_TRUE(batch.ok()) << batch.status();
      if (batch->empty()) return;
      std::lock_guard<std::mutex> lock(mu);
      for (const ClaimedEvent& e : *batch) {
        claimed.insert(e.id);
        EXPECT_EQ(e.attempts, 1);
      }
    }
  };
  std::thread a(worker);
  std::thread b(worker);
  a.join();
  b.join();
  EXPECT_EQ(claimed.size(), 200u);
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), 200u) << "no double";
}

TEST_F(DeliveryStorePgTest, AnExpiredLeaseIsClaimedAgain) {
  AddEvents(1);
  absl::StatusOr<std::vector<ClaimedEvent>> first = store_.ClaimEvents(10, absl::Milliseconds(300));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_TRUE(store_.ClaimEvents(10, absl::Minutes(1))->empty()) << "held by the first worker";
  absl::SleepFor(absl::Milliseconds(400));
  absl::StatusOr<std::vector<ClaimedEvent>> again = store_.ClaimEvents(10, absl::Minutes(1));
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->at(0).id, first->at(0).id);
  EXPECT_EQ(again->at(0).attempts, 2);
}

// A renewal extends a lease still held; once it ran out and another worker claimed the event, the
// first worker's renewal renews nothing (it names the lease it had).
TEST_F(DeliveryStorePgTest, ARenewedEventLeaseHoldsAndALostOneRenewsNothing) {
  AddEvents(2);
  std::vector<ClaimedEvent> first = *store_.ClaimEvents(10, absl::Milliseconds(600));
  ASSERT_EQ(first.size(), 2u);
  absl::StatusOr<std::vector<ClaimedEvent>> renewed = store_.RenewEvents(first, absl::Minutes(1));
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  ASSERT_EQ(renewed->size(), 2u);
  EXPECT_GT(renewed->at(0).lease_until, first[0].lease_until + absl::Seconds(30));
  absl::SleepFor(absl::Milliseconds(800));
  EXPECT_TRUE(store_.ClaimEvents(10, absl::Minutes(1))->empty()) << "the renewed lease holds";
  EXPECT_TRUE(store_.RenewEvents(first, absl::Minutes(1))->empty()) << "the old lease is not ours";

  // Lost: the lease runs out and another worker claims the events.
  std::vector<ClaimedEvent> short_lease = *store_.RenewEvents(*renewed, absl::Milliseconds(300));
  ASSERT_EQ(short_lease.size(), 2u);
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_TRUE(store_.RenewEvents(short_lease, absl::Minutes(1))->empty()) << "ran out";
  std::vector<ClaimedEvent> other = *store_.ClaimEvents(10, absl::Minutes(1));
  ASSERT_EQ(other.size(), 2u);
  EXPECT_TRUE(store_.RenewEvents(short_lease, absl::Minutes(1))->empty()) << "the other's now";
  EXPECT_EQ(store_.RenewEvents(other, absl::Minutes(1))->size(), 2u);
}

// An event whose dependencies fail (the platform is down) waits in the queue, with the reason on
// the event, and is claimed again once the delay has passed; the events behind it go first.
TEST_F(DeliveryStorePgTest, APostponedEventWaitsItsTurnWithItsReason) {
  AddEvents(2);
  std::vector<ClaimedEvent> first = *store_.ClaimEvents(1, absl::Minutes(1));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].event_id, "e1") << "oldest first";
  ASSERT_TRUE(
      store_.PostponeEvent("acme", first[0].id, "the platform is down", absl::Milliseconds(400))
          .ok());
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE event_id = 'e1' AND status = 'pending'"
                  " AND error = 'the platform is down'"),
            1);
  std::vector<ClaimedEvent> next = *store_.ClaimEvents(10, absl::Minutes(1));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].event_id, "e2");
  EXPECT_TRUE(store_.ClaimEvents(10, absl::Minutes(1))->empty()) << "e1 waits";
  absl::SleepFor(absl::Milliseconds(500));
  std::vector<ClaimedEvent> again = *store_.ClaimEvents(10, absl::Minutes(1));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, first[0].id);
  EXPECT_EQ(again[0].attempts, 2);
}

// A place in the queue whose event was deleted by hand is dropped by the claim that finds it.
TEST_F(DeliveryStorePgTest, AQueuedEventDeletedByHandIsDropped) {
  AddEvents(2);
  {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    tx.exec("DELETE FROM events WHERE event_id = 'e1'");
  }
  std::vector<ClaimedEvent> claimed = *store_.ClaimEvents(10, absl::Minutes(1));
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].event_id, "e2");
  EXPECT_EQ(Count("SELECT count(*) FROM event_queue"), 1) << "only e2's place is left";
}

TEST_F(DeliveryStorePgTest, ProcessingAnEventTwiceCreatesItsDeliveriesOnce) {
  AddEvents(1);
  std::vector<ClaimedEvent> events = *store_.ClaimEvents(1, absl::Minutes(1));
  ASSERT_EQ(events.size(), 1u);
  const std::vector<NewDelivery> plan = {Sms(events[0].id + "/a"), Sms(events[0].id + "/b")};
  // Two workers finishing the same event (the first one's lease ran out) at the same time.
  std::atomic<int> created{0};
  std::thread a([&] {
    created += store_.FinishEvents({{"acme", events[0].id, kProcessed, "", plan}}).value();
  });
  std::thread b([&] {
    created += store_.FinishEvents({{"acme", events[0].id, kProcessed, "", plan}}).value();
  });
  a.join();
  b.join();
  EXPECT_EQ(created.load(), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE status = 'processed'"), 1);
  EXPECT_TRUE(store_.ClaimEvents(10, absl::Minutes(1))->empty());
}

TEST_F(DeliveryStorePgTest, ABatchOfEventsIsFinishedInOneGoAndOnlyOnce) {
  AddEvents(3);
  std::vector<ClaimedEvent> events = *store_.ClaimEvents(10, absl::Minutes(1));
  ASSERT_EQ(events.size(), 3u);
  std::vector<FinishedEvent> batch;
  for (const ClaimedEvent& e : events) {
    NewDelivery d = Sms(e.id + "/n/sms/u");
    d.event_id = e.id;
    d.sms_message = "caf\xc3\xa9 \xe2\x9c\x93 \xc3";  // Cut inside a UTF-8 sequence.
    d.subject =
        "a\xff\xe2\x28\xa1"
        "b\xed\xa0\x80";  // Malformed; a lone surrogate.
    batch.push_back({"acme", e.id, kProcessed, "", {d}});
  }
  // NUL, which neither text nor jsonb can hold, in a message, an attempt's error and an event's.
  batch[1].deliveries[0].text_message = std::string("nul\0here", 8);
  batch[1].deliveries[0].status = kDead;
  batch[1].deliveries[0].attempts = {
      {absl::Now(), absl::Milliseconds(3), false, 400, std::string("bad\0byte", 8)}};
  batch[2].status = kFailed;
  batch[2].error = std::string("the event's data is not JSON\0", 29);
  batch[2].deliveries.clear();
  ASSERT_EQ(*store_.FinishEvents(batch), 2);
  EXPECT_EQ(*store_.FinishEvents(batch), 0) << "a second run creates nothing";
  EXPECT_EQ(
      Count("SELECT count(*) FROM events WHERE status = 'processed' AND processed IS NOT NULL"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM event_queue"), 0) << "all out of the workers' queue";
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE status = 'failed' AND error <> ''"), 1);
  EXPECT_EQ(
      Count("SELECT count(*) FROM deliveries WHERE sms_message LIKE 'caf\xc3\xa9 \xe2\x9c\x93 %'"
            " AND event_id IS NOT NULL"),
      2)
      << "text kept, a broken sequence replaced";
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE subject = 'a\xef\xbf\xbd\xef\xbf\xbd(\xef"
                  "\xbf\xbd"
                  "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd'"),
            2)
      << "each byte that starts no valid sequence is replaced";
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE text_message = 'nul\xef\xbf\xbdhere'"
                  " AND attempts->0->>'error' = 'bad\xef\xbf\xbd"
                  "byte'"),
            1)
      << "a NUL is replaced too";
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE error LIKE '%not JSON\xef\xbf\xbd'"), 1);
}

// A sender renews the lease of the deliveries it has yet to send: renewed, they are due again only
// when the new lease ends; one recorded meanwhile, or claimed by another sender once the lease ran
// out, is not renewed.
TEST_F(DeliveryStorePgTest, ADeliveryLeaseIsRenewedOnlyWhileHeldAndWaiting) {
  std::vector<NewDelivery> plan;
  for (int i = 0; i < 3; ++i) plan.push_back(Sms(absl::StrCat("k", i)));
  AddEvents(1);
  std::vector<ClaimedEvent> events = *store_.ClaimEvents(1, absl::Minutes(1));
  ASSERT_EQ(*store_.FinishEvents({{"acme", events[0].id, kProcessed, "", plan}}), 3);
  std::vector<DeliveryJob> jobs = *store_.ClaimDeliveries(kSms, 10, absl::Milliseconds(600));
  ASSERT_EQ(jobs.size(), 3u);
  DeliveryAttempt attempt{absl::Now(), absl::Milliseconds(3), true, 201, ""};
  ASSERT_TRUE(store_.RecordAttempt("acme", jobs[0].id, attempt, kSent, absl::ZeroDuration()).ok());

  absl::StatusOr<std::vector<DeliveryJob>> renewed = store_.RenewDeliveries(jobs, absl::Minutes(1));
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  ASSERT_EQ(renewed->size(), 2u) << "the one recorded is not renewed";
  EXPECT_EQ(renewed->at(0).id, jobs[1].id);
  EXPECT_EQ(renewed->at(0).recipient, jobs[1].recipient) << "the job as it was claimed";
  absl::SleepFor(absl::Milliseconds(800));
  EXPECT_TRUE(store_.ClaimDeliveries(kSms, 10, absl::Minutes(1))->empty()) << "still held";
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries"
                  " WHERE next_attempt > now() + interval '50 seconds' AND status = 'pending'"),
            2)
      << "due again when the renewed lease ends";

  std::vector<DeliveryJob> brief = *store_.RenewDeliveries(*renewed, absl::Milliseconds(300));
  ASSERT_EQ(brief.size(), 2u);
  absl::SleepFor(absl::Milliseconds(400));
  std::vector<DeliveryJob> other = *store_.ClaimDeliveries(kSms, 10, absl::Minutes(1));
  ASSERT_EQ(other.size(), 2u);
  EXPECT_TRUE(store_.RenewDeliveries(brief, absl::Minutes(1))->empty()) << "the other's now";
  EXPECT_EQ(store_.RenewDeliveries(other, absl::Minutes(1))->size(), 2u);
}

TEST_F(DeliveryStorePgTest, TwoSendersClaimEveryDeliveryOnceAndAttemptsAreRecorded) {
  std::vector<NewDelivery> plan;
  for (int i = 0; i < 100; ++i) plan.push_back(Sms(absl::StrCat("k", i)));
  AddEvents(1);
  std::vector<ClaimedEvent> events = *store_.ClaimEvents(1, absl::Minutes(1));
  ASSERT_EQ(*store_.FinishEvents({{"acme", events[0].id, kProcessed, "", plan}}), 100);
  ASSERT_TRUE(store_.ClaimDeliveries(kEmail, 10, absl::Minutes(1))->empty()) << "other channel";

  std::mutex mu;
  std::multiset<std::string> claimed;
  auto sender = [&] {
    for (;;) {
      absl::StatusOr<std::vector<DeliveryJob>> jobs =
          store_.ClaimDeliveries(kSms, 6, absl::Minutes(1));
      ASSERT_TRUE(jobs.ok()) << jobs.status();
      if (jobs->empty()) return;
      for (const DeliveryJob& job : *jobs) {
        DeliveryAttempt attempt{absl::Now(), absl::Milliseconds(3), true, 201, ""};
        ASSERT_TRUE(
            store_.RecordAttempt("acme", job.id, attempt, kSent, absl::ZeroDuration()).ok());
        std::lock_guard<std::mutex> lock(mu);
        claimed.insert(job.id);
      }
    }
  };
  std::thread a(sender);
  std::thread b(sender);
  a.join();
  b.join();
  EXPECT_EQ(claimed.size(), 100u);
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), 100u);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE status = 'sent' AND attempt_count = 1"),
            100);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries, jsonb_array_elements(attempts) a"
                  " WHERE (a->>'number')::int = 1 AND (a->>'success')::boolean"),
            100);
}

TEST_F(DeliveryStorePgTest, DeactivationCancelsWhatWaitsAndAnInFlightOneKeepsOnlyASend) {
  std::vector<NewDelivery> plan;
  for (const char* key :
       {"pending", "retrying", "deferred", "sent", "dead", "in-flight-fails", "in-flight-sends"}) {
    plan.push_back(Sms(key));
  }
  AddEvents(1);
  std::vector<ClaimedEvent> events = *store_.ClaimEvents(1, absl::Minutes(1));
  ASSERT_EQ(*store_.FinishEvents({{"acme", events[0].id, kProcessed, "", plan}}), 7);
  {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    tx.exec("INSERT INTO companies (id, active, webhook_secret) VALUES ('globex', true, 'x')");
    tx.exec(
        "INSERT INTO deliveries (company_id, type, dedupe_key, recipient)"
        " VALUES ('globex', 'sms', 'g', '+15550000001')");
    tx.exec(
        "UPDATE deliveries SET status = dedupe_key, next_attempt = now() + interval '1 hour'"
        " WHERE dedupe_key IN ('retrying', 'deferred', 'sent', 'dead')");
    // Two held by a sender.
    tx.exec(
        "UPDATE deliveries SET lease_until = now() + interval '1 minute'"
        " WHERE dedupe_key LIKE 'in-flight-%'");
  }
  PgCompanyStore companies(&pool_);
  ASSERT_TRUE(companies.Deactivate("acme").ok());
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE company_id = 'acme' AND status = "
                  "'cancelled' AND last_error LIKE 'cancelled: the company deactivated%'"),
            5)
      << "pending, retrying, deferred and the two in flight";
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE status IN ('sent', 'dead')"), 2)
      << "finished ones keep their outcome";
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE company_id = 'globex'"
                  " AND status = 'pending'"),
            1)
      << "another company's are untouched";

  auto id_of = [&](const std::string& key) {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    return tx.exec_params("SELECT id::text FROM deliveries WHERE dedupe_key = $1", key)[0][0]
        .as<std::string>();
  };
  DeliveryAttempt failed{absl::Now(), absl::Milliseconds(3), false, 503, "busy"};
  ASSERT_TRUE(
      store_.RecordAttempt("acme", id_of("in-flight-fails"), failed, kRetrying, absl::Seconds(30))
          .ok());
  DeliveryAttempt sent{absl::Now(), absl::Milliseconds(3), true, 201, ""};
  ASSERT_TRUE(
      store_.RecordAttempt("acme", id_of("in-flight-sends"), sent, kSent, absl::ZeroDuration())
          .ok());
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE dedupe_key = 'in-flight-fails'"
                  " AND status = 'cancelled'"),
            1)
      << "a failed attempt does not bring it back to retry";
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE dedupe_key = 'in-flight-sends'"
                  " AND status = 'sent' AND attempt_count = 1"),
            1)
      << "what went out is recorded as sent";
  ASSERT_TRUE(store_.Settle("acme", id_of("pending"), kDeferred, "quota", absl::Now()).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE dedupe_key = 'pending'"
                  " AND status = 'cancelled'"),
            1);

  // Reactivation sends none of them.
  ASSERT_TRUE(companies.Activate("acme", "", "", "sealed").ok());
  EXPECT_TRUE(store_.ClaimDeliveries(kSms, 10, absl::Minutes(1))->size() == 1u)
      << "only globex's pending one is claimed";
}

// The event workers send new deliveries before writing them: each is written once, with its own id
// and the outcome of its first attempt, while one not tried is written pending and claimed as
// usual.
TEST_F(DeliveryStorePgTest, DeliveriesSentBeforeTheyAreWrittenKeepTheirOutcome) {
  AddEvents(1);
  std::vector<ClaimedEvent> events = *store_.ClaimEvents(1, absl::Minutes(1));
  const absl::Time started = absl::FromUnixSeconds(1800000000);
  NewDelivery sent = Sms("sent");
  sent.id = "0b7c6a52-3f0e-4d8e-9a57-2d1f4a1c9e01";
  sent.status = kSent;
  sent.attempts = {{started, absl::Milliseconds(42), true, 201, ""}};
  NewDelivery retrying = Sms("retrying");
  retrying.id = "0b7c6a52-3f0e-4d8e-9a57-2d1f4a1c9e02";
  retrying.status = kRetrying;
  retrying.last_error = "HTTP 503";
  retrying.attempts = {{started, absl::Milliseconds(7), false, 503, "HTTP 503"}};
  retrying.next_attempt = absl::Now() + absl::Minutes(5);
  NewDelivery deferred = Sms("deferred");
  deferred.status = kDeferred;
  deferred.last_error = "the company's daily sms quota (1) is reached";
  deferred.next_attempt = absl::Now() + absl::Hours(3);
  NewDelivery untried = Sms("untried");
  untried.id = "not-a-uuid";  // The database picks one.
  ASSERT_EQ(*store_.FinishEvents(
                {{"acme", events[0].id, kProcessed, "", {sent, retrying, deferred, untried}}}),
            4);
  EXPECT_EQ(
      Count("SELECT count(*) FROM deliveries WHERE id = '0b7c6a52-3f0e-4d8e-9a57-2d1f4a1c9e01'"
            " AND status = 'sent' AND sent IS NOT NULL AND attempt_count = 1"
            " AND lease_until IS NULL AND last_error = ''"
            " AND attempts->0->>'number' = '1' AND attempts->0->>'success' = 'true'"
            " AND (attempts->0->>'provider_status')::int = 201"
            " AND (attempts->0->>'duration_ms')::int = 42"
            " AND (attempts->0->>'started')::timestamptz = to_timestamp(1800000000)"),
      1);
  EXPECT_EQ(
      Count("SELECT count(*) FROM deliveries WHERE id = '0b7c6a52-3f0e-4d8e-9a57-2d1f4a1c9e02'"
            " AND status = 'retrying' AND sent IS NULL AND attempt_count = 1"
            " AND last_error = 'HTTP 503' AND attempts->0->>'error' = 'HTTP 503'"
            " AND next_attempt > now() + interval '4 minutes'"),
      1);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE dedupe_key = 'deferred'"
                  " AND status = 'deferred' AND attempt_count = 0 AND attempts = '[]'"
                  " AND next_attempt > now() + interval '2 hours'"),
            1);
  // Only the delivery never tried is due.
  std::vector<DeliveryJob> claimed = *store_.ClaimDeliveries(kSms, 10, absl::Minutes(1));
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].sms_message, "hi untried");
  EXPECT_EQ(claimed[0].attempt_count, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE status = 'processed'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM event_queue"), 0);
  // The event processed again (its lease ran out before its outcome was known) creates nothing
  // twice, nor overwrites an outcome.
  NewDelivery again = Sms("sent");
  ASSERT_EQ(*store_.FinishEvents({{"acme", events[0].id, kProcessed, "", {again}}}), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE status = 'sent'"), 1);
}

// A sender writes what it sent as soon as it knows the outcome, before the event is finished;
// senders writing at the same moment share a statement. The event processed again finds the keys
// written and creates (or sends) nothing twice.
TEST_F(DeliveryStorePgTest, SentDeliveriesAreWrittenOnceBeforeTheirEventIsFinished) {
  AddEvents(1);
  std::vector<ClaimedEvent> events = *store_.ClaimEvents(1, absl::Minutes(1));
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&, i] {
      NewDelivery d = Sms(absl::StrCat("w", i));
      d.event_id = events[0].id;
      d.status = i % 2 == 0 ? kSent : kDead;
      d.last_error = i % 2 == 0 ? "" : "HTTP 400";
      d.attempts = {
          {absl::Now(), absl::Milliseconds(3), i % 2 == 0, i % 2 == 0 ? 201 : 400, d.last_error}};
      if (!WriteSent("acme", d).ok()) ++failed;
      if (!WriteSent("acme", d).ok()) ++failed;  // A retried write.
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries"), 12);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE status = 'sent' AND sent IS NOT NULL"
                  " AND attempt_count = 1 AND (attempts->0->>'provider_status')::int = 201"),
            6);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE status = 'dead' AND sent IS NULL"
                  " AND last_error = 'HTTP 400' AND attempts->0->>'error' = 'HTTP 400'"),
            6);
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE status = 'pending'"), 1)
      << "the event waits for its worker";
  std::set<std::string> existing =
      *store_.ExistingDedupeKeys("acme", {"w0", "w11", "w12", "other"});
  EXPECT_EQ(existing, (std::set<std::string>{"w0", "w11"}));
  EXPECT_TRUE(store_.ExistingDedupeKeys("globex", {"w0"})->empty()) << "keys are per company";
  ASSERT_EQ(*store_.FinishEvents({{"acme", events[0].id, kProcessed, "", {Sms("w3"), Sms("w12")}}}),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE dedupe_key = 'w3' AND status = 'dead'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE status = 'processed'"), 1);
}

// The daily quota counts one company's sent messages of one channel since a time, nothing else.
TEST_F(DeliveryStorePgTest, CountSentCountsOneCompanysChannel) {
  {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    tx.exec("INSERT INTO companies (id, active, webhook_secret) VALUES ('globex', true, 'x')");
  }
  const absl::Time start = absl::Now() - absl::Seconds(1);
  auto write = [&](const std::string& company, NewDelivery d, v1::LogStatus status) {
    d.status = status;
    d.last_error = status == kSent ? "" : "HTTP 400";
    d.attempts = {{absl::Now(), absl::Milliseconds(3), status == kSent, status == kSent ? 201 : 400,
                   d.last_error}};
    ASSERT_TRUE(WriteSent(company, d).ok());
  };
  write("acme", Sms("a1"), kSent);
  write("acme", Sms("a2"), kSent);
  write("acme", Sms("a3"), kDead);
  NewDelivery email = Sms("a4");
  email.type = kEmail;
  email.recipient = "a@acme.example";
  write("acme", email, kSent);
  write("globex", Sms("g1"), kSent);
  EXPECT_EQ(*store_.CountSent("acme", kSms, start), 2);
  EXPECT_EQ(*store_.CountSent("acme", kEmail, start), 1);
  EXPECT_EQ(*store_.CountSent("globex", kSms, start), 1);
  EXPECT_EQ(*store_.CountSent("acme", kSms, absl::Now() + absl::Hours(1)), 0) << "since then";
}

// deliveries have no foreign key to companies: each insert locks its companies once, and a purge
// deletes the company's deliveries itself. A delivery being written while the purge runs is either
// purged with the rest or not written at all; nothing is left behind for a company that is gone.
TEST_F(DeliveryStorePgTest, APurgedCompanyLeavesNoDeliveryBehind) {
  {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    tx.exec("INSERT INTO companies (id, active, webhook_secret) VALUES ('globex', true, 'x')");
  }
  PgCompanyStore companies(&pool_);
  AddEvents(3);
  ASSERT_TRUE(WriteSent("acme", Sms("before")).ok());
  ASSERT_TRUE(WriteSent("globex", Sms("other")).ok());
  // An insert holds acme's row (as a sender's statement does until it commits) while the purge
  // starts: the purge waits for it and then deletes what it wrote too.
  pqxx::connection holder(db_.url());
  pqxx::work hold(holder);
  hold.exec("SELECT id FROM companies WHERE id = 'acme' FOR KEY SHARE");
  hold.exec(
      "INSERT INTO deliveries (company_id, dedupe_key, type) VALUES ('acme', 'in flight', 'sms')");
  std::atomic<bool> purged{false};
  std::thread purge([&] {
    EXPECT_TRUE(companies.Purge("acme").ok());
    purged = true;
  });
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(purged) << "the purge waits for the insert holding the company";
  hold.commit();
  purge.join();
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE company_id = 'acme'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM events"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM event_queue"), 0) << "their places in the queue too";
  // Written after the purge: nothing is stored, and nothing fails.
  EXPECT_TRUE(WriteSent("acme", Sms("after")).ok());
  EXPECT_TRUE(store_.WriteDeliveries({{"acme", "", kProcessed, "", {Sms("late")}}}).ok());
  EXPECT_EQ(*store_.WriteDeliveries({{"acme", "", kProcessed, "", {Sms("late")}},
                                     {"globex", "", kProcessed, "", {Sms("mixed")}}}),
            1)
      << "a batch of two companies, one gone";
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE company_id = 'acme'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE company_id = 'globex'"), 2);
}

// A replayed event is claimed as one processed before, so that its worker looks up the messages it
// made rather than sending them again; a first claim is its first processing.
TEST_F(DeliveryStorePgTest, AReplayedEventIsClaimedAsProcessedBefore) {
  AddEvents(1);
  std::vector<ClaimedEvent> events = *store_.ClaimEvents(1, absl::Minutes(1));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].attempts, 1);
  ASSERT_EQ(*store_.FinishEvents({{"acme", events[0].id, kProcessed, "", {Sms("r")}}}), 1);
  ASSERT_TRUE(store_.ReplayEvent("acme", events[0].id).ok());
  events = *store_.ClaimEvents(1, absl::Minutes(1));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].attempts, 2);
  EXPECT_EQ(*store_.ExistingDedupeKeys("acme", {"r", "s"}), std::set<std::string>{"r"});
}

// Outcomes recorded at the same moment share statements; each keeps its own status, error and
// provider answer.
TEST_F(DeliveryStorePgTest, ConcurrentOutcomesEachKeepTheirOwnStatus) {
  std::vector<NewDelivery> plan;
  for (int i = 0; i < 24; ++i) plan.push_back(Sms(absl::StrCat("c", i)));
  AddEvents(1);
  std::vector<ClaimedEvent> events = *store_.ClaimEvents(1, absl::Minutes(1));
  ASSERT_EQ(*store_.FinishEvents({{"acme", events[0].id, kProcessed, "", plan}}), 24);
  std::vector<DeliveryJob> jobs = *store_.ClaimDeliveries(kSms, 24, absl::Minutes(1));
  ASSERT_EQ(jobs.size(), 24u);
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (size_t i = 0; i < jobs.size(); ++i) {
    threads.emplace_back([&, i] {
      const v1::LogStatus status = i % 3 == 0 ? kSent : i % 3 == 1 ? kRetrying : kDead;
      DeliveryAttempt attempt{absl::Now(), absl::Milliseconds(5), i % 3 == 0,
                              i % 3 == 0   ? 201
                              : i % 3 == 1 ? 503
                                           : 400,
                              i % 3 == 0 ? "" : absl::StrCat("error ", i)};
      if (!store_.RecordAttempt("acme", jobs[i].id, attempt, status, absl::Minutes(5)).ok()) {
        ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE status = 'sent' AND sent IS NOT NULL"), 8);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE status = 'retrying'"
                  " AND next_attempt > now() + interval '4 minutes'"),
            8);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE status = 'dead'"), 8);
  EXPECT_EQ(Count("SELECT sum(jsonb_array_length(attempts)) FROM deliveries"), 24);
  // Every attempt's error and provider status went to its own delivery.
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries d, jsonb_array_elements(d.attempts) a"
                  " WHERE d.last_error = a->>'error'"
                  " AND ((a->>'provider_status')::int = 201) = (d.status = 'sent')"
                  " AND ((a->>'provider_status')::int = 503) = (d.status = 'retrying')"),
            24);
}

// An outcome written again (its statement retried after the answer was lost with the connection)
// counts once.
TEST_F(DeliveryStorePgTest, OutcomesApplyOnlyToDeliveriesStillHeld) {
  AddEvents(1);
  std::vector<ClaimedEvent> events = *store_.ClaimEvents(1, absl::Minutes(1));
  ASSERT_EQ(*store_.FinishEvents({{"acme", events[0].id, kProcessed, "", {Sms("r")}}}), 1);
  std::vector<DeliveryJob> jobs = *store_.ClaimDeliveries(kSms, 5, absl::Minutes(1));
  ASSERT_EQ(jobs.size(), 1u);
  DeliveryAttempt failed{absl::Now(), absl::Milliseconds(1), false, 503, "HTTP 503"};
  ASSERT_TRUE(store_.RecordAttempt("acme", jobs[0].id, failed, kRetrying, absl::Hours(1)).ok());
  ASSERT_TRUE(store_.RecordAttempt("acme", jobs[0].id, failed, kRetrying, absl::Hours(1)).ok());
  EXPECT_EQ(Count("SELECT attempt_count FROM deliveries"), 1);
  EXPECT_EQ(Count("SELECT jsonb_array_length(attempts) FROM deliveries"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE status = 'retrying'"
                  " AND next_attempt > now() + interval '50 minutes'"),
            1);
}

// A server of the version before 0003 leases a delivery without moving its next attempt: a claim
// still leaves it alone until that lease ends.
TEST_F(DeliveryStorePgTest, ADeliveryLeasedTheOldWayIsNotClaimedBeforeItsLeaseEnds) {
  AddEvents(1);
  std::vector<ClaimedEvent> events = *store_.ClaimEvents(1, absl::Minutes(1));
  ASSERT_EQ(*store_.FinishEvents({{"acme", events[0].id, kProcessed, "", {Sms("old")}}}), 1);
  {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction(conn).exec(
        "UPDATE deliveries SET lease_until = now() + interval '1 minute',"
        " next_attempt = now() - interval '1 second'");
  }
  EXPECT_TRUE(store_.ClaimDeliveries(kSms, 5, absl::Minutes(1))->empty());
}

TEST_F(DeliveryStorePgTest, ARetryWaitsItsTurnAndASettledDeliveryTakesNoLateAttempt) {
  AddEvents(1);
  std::vector<ClaimedEvent> events = *store_.ClaimEvents(1, absl::Minutes(1));
  ASSERT_EQ(*store_.FinishEvents({{"acme", events[0].id, kProcessed, "", {Sms("r")}}}), 1);
  std::vector<DeliveryJob> jobs = *store_.ClaimDeliveries(kSms, 5, absl::Minutes(1));
  ASSERT_EQ(jobs.size(), 1u);
  DeliveryAttempt failed{absl::Now(), absl::Milliseconds(1), false, 500, "HTTP 500"};
  ASSERT_TRUE(
      store_.RecordAttempt("acme", jobs[0].id, failed, kRetrying, absl::Milliseconds(300)).ok());
  EXPECT_TRUE(store_.ClaimDeliveries(kSms, 5, absl::Minutes(1))->empty()) << "not due yet";
  absl::SleepFor(absl::Milliseconds(400));
  std::vector<DeliveryJob> retry = *store_.ClaimDeliveries(kSms, 5, absl::Minutes(1));
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].attempt_count, 1);
  DeliveryAttempt ok{absl::Now(), absl::Milliseconds(1), true, 201, ""};
  ASSERT_TRUE(store_.RecordAttempt("acme", jobs[0].id, ok, kSent, absl::ZeroDuration()).ok());
  // A worker whose lease ran out reports late: the sent delivery keeps its outcome.
  ASSERT_TRUE(store_.RecordAttempt("acme", jobs[0].id, failed, kDead, absl::ZeroDuration()).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE status = 'sent' AND attempt_count = 2"),
            1);
  EXPECT_EQ(Count("SELECT jsonb_array_length(attempts) FROM deliveries"), 2);
}

}  // namespace
}  // namespace notify::pg
