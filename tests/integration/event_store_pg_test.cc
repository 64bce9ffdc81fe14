// Events stored in batches against a real PostgreSQL: one statement for many events, duplicates
// found inside and outside the batch, and an event the database refuses failing alone.
#include <pqxx/pqxx>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/pg/migrations.h"
#include "server/store/pg/pg_event_store.h"
#include "server/store/pg/pool.h"
#include "tests/support/test_database.h"

namespace notify::pg {
namespace {

using ::notify::testing::TestDatabase;

class EventStorePgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pqxx::connection conn(db_.url());
    ASSERT_TRUE(ApplyMigrations(conn, EmbeddedMigrations()).ok());
    pqxx::nontransaction tx(conn);
    tx.exec("INSERT INTO companies (id, active, webhook_secret) VALUES ('acme', true, 'x')");
  }

  static NewEvent Event(const std::string& id, const std::string& data = R"({"n": 1})") {
    return NewEvent{"acme", id, "transaction.create",
                    R"({"id": ")" + id + R"(", "data": )" + data + "}",
                    notifications::v1::EVENT_STATUS_PENDING};
  }

  int Count(const std::string& where) {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    return tx.exec("SELECT count(*) FROM events WHERE " + where)[0][0].as<int>();
  }

  TestDatabase db_;
  PgPool pool_{PgPool::Options{.url = db_.url(), .size = 2, .on_connect = &PgEventStore::Prepare}};
  PgEventStore store_{&pool_};
};

TEST_F(EventStorePgTest, ABatchStoresNewEventsAndFindsTheOnesThereAlready) {
  absl::StatusOr<StoredEvent> earlier =
      store_.Insert("acme", "old", "transaction.create", R"({"data": {"n": 0}})",
                    notifications::v1::EVENT_STATUS_PENDING);
  ASSERT_TRUE(earlier.ok()) << earlier.status();
  // Quotes and backslashes survive the array literal the batch travels in.
  std::vector<absl::StatusOr<StoredEvent>> results =
      store_.InsertMany({Event("a", R"({"text": "say \"hi\" \\ bye", "list": [1, {"x": null}]})"),
                         Event("old"), Event("b"), Event("a")});
  ASSERT_EQ(results.size(), 4u);
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(results[0]->duplicate);
  EXPECT_TRUE(results[1]->duplicate);
  EXPECT_EQ(results[1]->id, earlier->id);
  EXPECT_FALSE(results[2]->duplicate);
  EXPECT_TRUE(results[3]->duplicate) << "a second copy in the same batch";
  EXPECT_EQ(results[3]->id, results[0]->id);
  EXPECT_EQ(Count("true"), 3);
  EXPECT_EQ(Count(R"(event_id = 'a' AND data->>'text' = 'say "hi" \ bye')"), 1);
  EXPECT_EQ(Count("event_id = 'old' AND data->>'n' = '0'"), 1) << "the first copy stays";
}

TEST_F(EventStorePgTest, AnEventTheDatabaseRefusesFailsAloneAndTheOthersAreStored) {
  NewEvent broken = Event("broken");
  broken.payload = "{not json";
  std::vector<absl::StatusOr<StoredEvent>> results =
      store_.InsertMany({Event("x"), broken, Event("y")});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok()) << results[0].status();
  EXPECT_FALSE(results[1].ok());
  EXPECT_TRUE(results[2].ok()) << results[2].status();
  EXPECT_EQ(Count("true"), 2);
  EXPECT_EQ(Count("event_id = 'broken'"), 0);
}

TEST_F(EventStorePgTest, ADatabaseThatIsGoneFailsTheBatchAsUnavailable) {
  PgPool nowhere({.url = "postgresql://postgres@127.0.0.1:1/none",
                  .size = 1,
                  .on_connect = &PgEventStore::Prepare});
  PgEventStore store(&nowhere);
  std::vector<absl::StatusOr<StoredEvent>> results = store.InsertMany({Event("p"), Event("q")});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(
      store.Insert("acme", "r", "transaction.create", "{}", notifications::v1::EVENT_STATUS_PENDING)
          .status()
          .code(),
      absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace notify::pg
