// The connection pool against a real PostgreSQL: bounded, lazy, and healing after lost connections.
#include "server/store/pg/pool.h"

#include <pqxx/pqxx>

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/status.h"
#include "tests/support/test_database.h"

namespace notify::pg {
namespace {

using ::notify::testing::TestDatabase;
using ::testing::HasSubstr;

int BackendPid(PgPool& pool) {
  int pid = 0;
  absl::Status s = pool.Run("pid", [&pid](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pid = tx.exec("SELECT pg_backend_pid()")[0][0].as<int>();
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return pid;
}

TEST(PoolPgTest, OpensLazilyAndReusesConnections) {
  TestDatabase db;
  PgPool pool({.url = db.url(), .size = 2});
  EXPECT_EQ(pool.open_connections(), 0);
  const int first = BackendPid(pool);
  EXPECT_EQ(BackendPid(pool), first);
  EXPECT_EQ(pool.open_connections(), 1);
}

TEST(PoolPgTest, IsBoundedAndTimesOutWhenExhausted) {
  TestDatabase db;
  PgPool pool({.url = db.url(), .size = 2, .acquire_timeout = absl::Milliseconds(200)});
  absl::StatusOr<PgPool::Lease> a = pool.Acquire();
  absl::StatusOr<PgPool::Lease> b = pool.Acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  absl::StatusOr<PgPool::Lease> c = pool.Acquire();
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(c.status().message(), HasSubstr("no database connection became free"));
  EXPECT_EQ(ReasonOf(c.status()), "DATABASE_UNAVAILABLE");
  EXPECT_EQ(pool.open_connections(), 2);
}

TEST(PoolPgTest, AWaiterGetsAConnectionAsSoonAsOneIsReturned) {
  TestDatabase db;
  PgPool pool({.url = db.url(), .size = 1, .acquire_timeout = absl::Seconds(10)});
  auto held = std::make_unique<absl::StatusOr<PgPool::Lease>>(pool.Acquire());
  ASSERT_TRUE(held->ok());
  std::thread releaser([&held] {
    absl::SleepFor(absl::Milliseconds(100));
    held.reset();
  });
  const absl::Time start = absl::Now();
  absl::StatusOr<PgPool::Lease> waited = pool.Acquire();
  const absl::Duration took = absl::Now() - start;
  releaser.join();
  EXPECT_TRUE(waited.ok()) << waited.status();
  EXPECT_GE(took, absl::Milliseconds(90)) << "it waited for the one connection";
  EXPECT_LT(took, absl::Seconds(5)) << "and took it when returned, not at the 10 s timeout";
  EXPECT_EQ(pool.open_connections(), 1) << "the returned connection, not a new one";
}

TEST(PoolPgTest, AnUnreachableDatabaseIsUnavailableNotACrash) {
  PgPool pool({.url = "postgresql://postgres@127.0.0.1:1/none", .size = 2});
  absl::StatusOr<PgPool::Lease> lease = pool.Acquire();
  EXPECT_EQ(lease.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pool.open_connections(), 0) << "the failed slot is given back";
}

// A connection lost while in use fails that use as unavailable, is discarded, and the next use gets
// a new one.
TEST(PoolPgTest, AConnectionLostInUseIsReplaced) {
  TestDatabase db;
  PgPool pool({.url = db.url(), .size = 1});
  const int victim = BackendPid(pool);
  std::thread killer([&] {
    pqxx::connection admin(db.url());
    pqxx::nontransaction tx(admin);
    // Once the victim is inside its long statement.
    for (int i = 0; i < 1000; ++i) {
      if (tx.exec_params1("SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND"
                          " query LIKE 'SELECT pg_sleep%'",
                          victim)[0]
              .as<int>() > 0) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    tx.exec_params("SELECT pg_terminate_backend($1)", victim);
  });
  absl::Status failed = pool.Run("sleep", [](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    tx.exec("SELECT pg_sleep(30)");
    return absl::OkStatus();
  });
  killer.join();
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_EQ(pool.open_connections(), 0);
  const int replacement = BackendPid(pool);
  EXPECT_NE(replacement, 0);
  EXPECT_NE(replacement, victim);
}

// A connection the server ended while it sat idle (a restart, an administrator) is replaced when
// it is next taken, so the caller's statement does not fail on it.
TEST(PoolPgTest, AnIdleConnectionTheServerEndedIsReplacedBeforeUse) {
  TestDatabase db;
  PgPool pool({.url = db.url(), .size = 1});
  int first_pid = 0;
  ASSERT_TRUE(pool.Run("pid",
                       [&](pqxx::connection& conn) {
                         pqxx::nontransaction tx(conn);
                         first_pid = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
                         return absl::OkStatus();
                       })
                  .ok());
  {
    pqxx::connection admin(db.url());
    pqxx::nontransaction tx(admin);
    ASSERT_TRUE(
        tx.exec1("SELECT pg_terminate_backend(" + std::to_string(first_pid) + ")")[0].as<bool>());
  }
  // Once the backend has exited, its end of the socket is closed.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  for (;;) {
    pqxx::connection admin(db.url());
    pqxx::nontransaction tx(admin);
    if (tx.exec1("SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                 std::to_string(first_pid))[0]
            .as<int>() == 0) {
      break;
    }
    ASSERT_LT(absl::Now(), deadline) << "the backend did not exit";
    absl::SleepFor(absl::Milliseconds(20));
  }
  int second_pid = 0;
  absl::Status status = pool.Run("pid again", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    second_pid = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_NE(second_pid, first_pid);
  EXPECT_EQ(pool.open_connections(), 1);
}

TEST(PoolPgTest, ErrorsAreConvertedOnce) {
  TestDatabase db;
  PgPool pool({.url = db.url(), .size = 1});
  ASSERT_TRUE(pool.Run("create",
                       [](pqxx::connection& conn) {
                         pqxx::work tx(conn);
                         tx.exec("CREATE TABLE t (id int PRIMARY KEY)");
                         tx.exec("INSERT INTO t VALUES (1)");
                         tx.commit();
                         return absl::OkStatus();
                       })
                  .ok());
  absl::Status duplicate = pool.Run("insert t", [](pqxx::connection& conn) {
    pqxx::work tx(conn);
    tx.exec("INSERT INTO t VALUES (1)");
    tx.commit();
    return absl::OkStatus();
  });
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  absl::Status syntax = pool.Run("select", [](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    tx.exec("SELEC 1");
    return absl::OkStatus();
  });
  EXPECT_EQ(syntax.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(syntax.message(), HasSubstr("SQLSTATE 42601"));
  EXPECT_THAT(syntax.message(), ::testing::Not(HasSubstr("SELEC")));
  EXPECT_EQ(pool.open_connections(), 1) << "a failed statement does not cost the connection";
}

TEST(PoolPgTest, ConnectTimeoutIsAddedOnlyWhenMissing) {
  EXPECT_EQ(WithConnectTimeout("postgresql://h/db", 5), "postgresql://h/db?connect_timeout=5");
  EXPECT_EQ(WithConnectTimeout("postgresql://h/db?sslmode=disable", 5),
            "postgresql://h/db?sslmode=disable&connect_timeout=5");
  EXPECT_EQ(WithConnectTimeout("host=h dbname=db", 5), "host=h dbname=db connect_timeout=5");
  EXPECT_EQ(WithConnectTimeout("postgresql://h/db?connect_timeout=1", 5),
            "postgresql://h/db?connect_timeout=1");
}

}  // namespace
}  // namespace notify::pg
