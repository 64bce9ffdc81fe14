// Migrations against a real PostgreSQL: once, twice, from two processes at once, edited, failing.
#include <pqxx/pqxx>

#include <set>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/pg/migrations.h"
#include "server/store/pg/pool.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_database.h"

namespace notify::pg {
namespace {

using ::notify::testing::Subprocess;
using ::notify::testing::TestDatabase;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::set<std::string> Tables(const std::string& url) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  std::set<std::string> tables;
  for (const auto& row : tx.exec("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
    tables.insert(row[0].as<std::string>());
  }
  return tables;
}

// Applies the embedded migrations older than `version` (which must be one of them), then
// `statements` in one transaction (the data `version` is to convert, for a company acme), then all
// of them.
::testing::AssertionResult MigrateWithDataBefore(pqxx::connection& conn, int version,
                                                 const std::vector<std::string>& statements) {
  std::vector<Migration> older;
  bool found = false;
  for (const Migration& m : EmbeddedMigrations()) {
    if (m.version < version) older.push_back(m);
    if (m.version == version) found = true;
  }
  if (!found) return ::testing::AssertionFailure() << "no migration " << version;
  if (!ApplyMigrations(conn, older).ok()) return ::testing::AssertionFailure() << "older ones";
  {
    pqxx::work tx(conn);
    tx.exec("INSERT INTO companies (id, webhook_secret) VALUES ('acme', 'x')");
    for (const std::string& sql : statements) tx.exec(sql);
    tx.commit();
  }
  absl::StatusOr<MigrationReport> report = ApplyMigrations(conn, EmbeddedMigrations());
  if (!report.ok()) return ::testing::AssertionFailure() << report.status();
  return ::testing::AssertionSuccess();
}

std::vector<std::tuple<int, std::string, std::string>> Recorded(const std::string& url) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  std::vector<std::tuple<int, std::string, std::string>> rows;
  for (const auto& row :
       tx.exec("SELECT version, name, applied_at::text FROM schema_migrations ORDER BY version")) {
    rows.emplace_back(row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>());
  }
  return rows;
}

TEST(MigrationsPgTest, FirstRunCreatesTheSchemaAndRecordsIt) {
  TestDatabase db;
  pqxx::connection conn(db.url());
  absl::StatusOr<MigrationReport> report = ApplyMigrations(conn, EmbeddedMigrations());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->applied.size(), EmbeddedMigrations().size());
  EXPECT_EQ(report->already_applied, 0);
  const std::set<std::string> tables = Tables(db.url());
  for (const char* table : {"companies", "notifications", "layouts", "credentials", "preferences",
                            "devices", "events", "deliveries", "schema_migrations"}) {
    EXPECT_TRUE(tables.count(table)) << table;
  }
  const auto recorded = Recorded(db.url());
  ASSERT_EQ(recorded.size(), EmbeddedMigrations().size());
  EXPECT_EQ(std::get<0>(recorded[0]), 1);
  EXPECT_EQ(std::get<1>(recorded[0]), "initial");
}

TEST(MigrationsPgTest, SecondRunDoesNothing) {
  TestDatabase db;
  pqxx::connection conn(db.url());
  ASSERT_TRUE(ApplyMigrations(conn, EmbeddedMigrations()).ok());
  const auto before = Recorded(db.url());
  absl::StatusOr<MigrationReport> again = ApplyMigrations(conn, EmbeddedMigrations());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->already_applied, static_cast<int>(EmbeddedMigrations().size()));
  EXPECT_EQ(Recorded(db.url()), before) << "the records, with their times, are unchanged";
}

TEST(MigrationsPgTest, NewMigrationsAreAppliedOnTopOfOldOnes) {
  TestDatabase db;
  std::vector<Migration> migrations = {{1, "first", "CREATE TABLE a (x int)"}};
  pqxx::connection conn(db.url());
  ASSERT_TRUE(ApplyMigrations(conn, migrations).ok());
  migrations.push_back({2, "second", "ALTER TABLE a ADD COLUMN y int"});
  absl::StatusOr<MigrationReport> report = ApplyMigrations(conn, migrations);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->applied, ElementsAre(2));
  EXPECT_EQ(report->already_applied, 1);
}

// 0003 moves a delivery's attempts into its own row and a held delivery's next attempt to its
// lease's end: a database in use when it runs keeps every attempt, in order.
TEST(MigrationsPgTest, LeanDeliveryQueueKeepsTheAttemptsAndTheLeases) {
  TestDatabase db;
  pqxx::connection conn(db.url());
  ASSERT_TRUE(MigrateWithDataBefore(
      conn, 3,
      {"INSERT INTO deliveries (company_id, id, dedupe_key, type, status, attempt_count,"
       " next_attempt, lease_until) VALUES"
       " ('acme', '11111111-1111-1111-1111-111111111111', 'a', 'sms', 'sent', 2, now(), NULL),"
       " ('acme', '22222222-2222-2222-2222-222222222222', 'b', 'sms', 'pending', 0,"
       "  now() - interval '1 minute', now() + interval '1 minute'),"
       " ('acme', '33333333-3333-3333-3333-333333333333', 'c', 'sms', 'pending', 0, now(), NULL)",
       "INSERT INTO delivery_attempts (company_id, delivery_id, number, started, duration_ms,"
       " success, provider_status, error) VALUES"
       " ('acme', '11111111-1111-1111-1111-111111111111', 2, '2026-01-01T00:00:02Z', 5, true,"
       "  201, ''),"
       " ('acme', '11111111-1111-1111-1111-111111111111', 1, '2026-01-01T00:00:01Z', 9, false,"
       "  503, 'HTTP 503')"}));
  pqxx::nontransaction tx(conn);
  pqxx::result rows = tx.exec(
      "SELECT (a->>'number')::int, (a->>'started')::timestamptz = '2026-01-01T00:00:01Z',"
      " (a->>'duration_ms')::int, (a->>'success')::boolean, (a->>'provider_status')::int,"
      " a->>'error'"
      " FROM deliveries, jsonb_array_elements(attempts) WITH ORDINALITY AS x(a, n)"
      " WHERE dedupe_key = 'a' ORDER BY n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0].as<int>(), 1) << "oldest first";
  EXPECT_TRUE(rows[0][1].as<bool>());
  EXPECT_EQ(rows[0][2].as<int>(), 9);
  EXPECT_FALSE(rows[0][3].as<bool>());
  EXPECT_EQ(rows[0][4].as<int>(), 503);
  EXPECT_EQ(rows[0][5].as<std::string>(), "HTTP 503");
  EXPECT_EQ(rows[1][0].as<int>(), 2);
  EXPECT_EQ(
      tx.exec1("SELECT jsonb_array_length(attempts) FROM deliveries WHERE dedupe_key = 'c'")[0]
          .as<int>(),
      0);
  EXPECT_TRUE(
      tx.exec1("SELECT next_attempt = lease_until FROM deliveries WHERE dedupe_key = 'b'")[0]
          .as<bool>())
      << "a held delivery is due when its lease ends";
  EXPECT_FALSE(Tables(db.url()).count("delivery_attempts"));
}

// 0006 moves the event workers' queue into event_queue: a database in use when it runs keeps each
// pending event's place, attempts and lease, and nothing else is queued.
TEST(MigrationsPgTest, EventQueueTakesThePendingEventsWithTheirLeases) {
  TestDatabase db;
  pqxx::connection conn(db.url());
  ASSERT_TRUE(MigrateWithDataBefore(
      conn, 6,
      {"INSERT INTO events (company_id, id, event_id, name, data, status, attempts, lease_until,"
       " received) VALUES"
       " ('acme', '11111111-1111-1111-1111-111111111111', 'free', 'n', '{}', 'pending', 0, NULL,"
       "  '2026-01-01T00:00:00Z'),"
       " ('acme', '22222222-2222-2222-2222-222222222222', 'held', 'n', '{}', 'pending', 2,"
       "  now() + interval '1 minute', '2026-01-01T00:00:01Z'),"
       " ('acme', '33333333-3333-3333-3333-333333333333', 'done', 'n', '{}', 'processed', 1,"
       "  NULL, '2026-01-01T00:00:02Z')"}));
  pqxx::nontransaction tx(conn);
  pqxx::result rows = tx.exec(
      "SELECT q.id::text, q.attempts, q.due = e.received, q.lease_until > now()"
      " FROM event_queue q JOIN events e USING (id) ORDER BY q.id");
  ASSERT_EQ(rows.size(), 2u) << "only the pending events";
  EXPECT_EQ(rows[0][0].as<std::string>(), "11111111-1111-1111-1111-111111111111");
  EXPECT_EQ(rows[0][1].as<int>(), 0);
  EXPECT_TRUE(rows[0][2].as<bool>()) << "due when received";
  EXPECT_TRUE(rows[0][3].is_null());
  EXPECT_EQ(rows[1][1].as<int>(), 2);
  EXPECT_TRUE(rows[1][2].as<bool>());
  EXPECT_TRUE(rows[1][3].as<bool>()) << "a held event keeps its lease";
}

// Deleting an event, a notification or a delivery must not scan a company's deliveries (their
// references to those are not indexed), and writing one must not check a foreign key per row
// (0005: the insert locks each company once; a purge deletes the deliveries itself). The id alone
// is the primary key.
TEST(MigrationsPgTest, DeliveriesHaveNoForeignKeyAndOneKeyOnTheirId) {
  TestDatabase db;
  pqxx::connection conn(db.url());
  ASSERT_TRUE(ApplyMigrations(conn, EmbeddedMigrations()).ok());
  pqxx::nontransaction tx(conn);
  std::vector<std::string> keys;
  for (const auto& row : tx.exec("SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                                 " WHERE conrelid = 'deliveries'::regclass AND contype = 'f'")) {
    keys.push_back(row[0].as<std::string>());
  }
  EXPECT_THAT(keys, ::testing::IsEmpty());
  std::vector<std::string> unique;
  for (const auto& row : tx.exec("SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                                 " WHERE conrelid = 'deliveries'::regclass"
                                 " AND contype IN ('p', 'u') ORDER BY 1")) {
    unique.push_back(row[0].as<std::string>());
  }
  EXPECT_THAT(unique, ElementsAre("PRIMARY KEY (id)", "UNIQUE (company_id, dedupe_key)"));
}

TEST(MigrationsPgTest, AnEditedMigrationIsRefused) {
  TestDatabase db;
  pqxx::connection conn(db.url());
  ASSERT_TRUE(ApplyMigrations(conn, {{1, "first", "CREATE TABLE a (x int)"}}).ok());
  absl::StatusOr<MigrationReport> report =
      ApplyMigrations(conn, {{1, "first", "CREATE TABLE a (x bigint)"}});
  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(report.status().message(), HasSubstr("0001_first was changed after it was applied"));
  // The lock was released: the next run on another connection is not blocked.
  pqxx::connection other(db.url());
  EXPECT_TRUE(ApplyMigrations(other, {{1, "first", "CREATE TABLE a (x int)"}}).ok());
}

TEST(MigrationsPgTest, AFailingMigrationLeavesNothingOfItself) {
  TestDatabase db;
  pqxx::connection conn(db.url());
  const std::vector<Migration> migrations = {
      {1, "first", "CREATE TABLE a (x int)"},
      {2, "broken", "CREATE TABLE b (x int); INSERT INTO a VALUES (1); SELECT 1 / 0"},
  };
  absl::StatusOr<MigrationReport> report = ApplyMigrations(conn, migrations);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(report.status().message(), HasSubstr("0002_broken"));
  const std::set<std::string> tables = Tables(db.url());
  EXPECT_TRUE(tables.count("a"));
  EXPECT_FALSE(tables.count("b"));
  ASSERT_EQ(Recorded(db.url()).size(), 1u);
  pqxx::connection check(db.url());
  pqxx::nontransaction tx(check);
  EXPECT_EQ(tx.exec("SELECT count(*) FROM a")[0][0].as<int>(), 0);
}

TEST(MigrationsPgTest, ConcurrentRunsInOneProcessApplyEachMigrationOnce) {
  TestDatabase db;
  std::vector<absl::StatusOr<MigrationReport>> reports(4);
  std::vector<std::thread> threads;
  for (auto& report : reports) {
    threads.emplace_back([&report, &db] {
      pqxx::connection conn(db.url());
      report = ApplyMigrations(conn, EmbeddedMigrations());
    });
  }
  for (auto& t : threads) t.join();
  size_t applied = 0;
  for (const auto& report : reports) {
    ASSERT_TRUE(report.ok()) << report.status();
    applied += report->applied.size();
  }
  EXPECT_EQ(applied, EmbeddedMigrations().size());
  EXPECT_EQ(Recorded(db.url()).size(), EmbeddedMigrations().size());
}

TEST(MigrationsPgTest, TwoServerProcessesMigratingAtOnceBothSucceed) {
  TestDatabase db;
  std::vector<std::unique_ptr<Subprocess>> processes;
  for (int i = 0; i < 2; ++i) {
    auto process = Subprocess::Start(NOTIFY_SERVER_BIN,
                                     {.args = {"--migrate-only", "--database-url=" + db.url()}});
    ASSERT_TRUE(process.ok()) << process.status();
    processes.push_back(std::move(*process));
  }
  int applied_logs = 0;
  for (auto& process : processes) {
    EXPECT_EQ(process->Wait(absl::Seconds(60)), 0) << process->Output();
    if (process->WaitForLog("migration applied", absl::ZeroDuration()).has_value()) ++applied_logs;
  }
  EXPECT_EQ(applied_logs, 1) << "exactly one of the two applied the migrations";
  EXPECT_EQ(Recorded(db.url()).size(), EmbeddedMigrations().size());
}

TEST(MigrationsPgTest, PoolVariantReportsAnUnreachableDatabaseAsUnavailable) {
  PgPool pool({.url = "postgresql://postgres@127.0.0.1:1/none", .size = 1});
  absl::StatusOr<MigrationReport> report = ApplyMigrations(pool, EmbeddedMigrations());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace notify::pg
