#include "tests/support/test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace notify::testing {

std::string TestClusterUrl() {
  const char* url = std::getenv("NOTIFY_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << "NOTIFY_TEST_DATABASE_URL is not set: run the tests with ./tools/test, which "
                     "starts a PostgreSQL cluster for them";
    return "postgresql://127.0.0.1:1/postgres";
  }
  return url;
}

std::string UrlForDatabase(const std::string& database) {
  std::string url = TestClusterUrl();
  // The cluster URL ends with /postgres (the admin database); swap the database name.
  const size_t slash = url.rfind('/');
  const size_t query = url.find('?', slash);
  return absl::StrCat(url.substr(0, slash + 1), database,
                      query == std::string::npos ? "" : url.substr(query));
}

TestDatabase::TestDatabase(bool create) {
  static std::atomic<int> counter{0};
  name_ =
      absl::StrCat("notify_test_", getpid(), "_", counter.fetch_add(1), "_", std::rand() % 100000);
  url_ = UrlForDatabase(name_);
  if (create) Create();
}

void TestDatabase::Create() {
  pqxx::connection conn(TestClusterUrl());
  pqxx::nontransaction tx(conn);
  tx.exec(absl::StrCat("CREATE DATABASE ", name_, " TEMPLATE template0 ENCODING 'UTF8'"));
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection conn(TestClusterUrl());
    pqxx::nontransaction tx(conn);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot drop test database " << name_ << ": " << e.what();
  }
}

}  // namespace notify::testing
