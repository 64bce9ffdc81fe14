// A fresh, empty PostgreSQL database for one test, on the cluster that ./tools/test starts.
#ifndef NOTIFY_TESTS_SUPPORT_TEST_DATABASE_H_
#define NOTIFY_TESTS_SUPPORT_TEST_DATABASE_H_

#include <string>

namespace notify::testing {

// The admin URL of the test cluster, from NOTIFY_TEST_DATABASE_URL; fails the test when it is
// unset.
std::string TestClusterUrl();

// The URL of `database` on the test cluster.
std::string UrlForDatabase(const std::string& database);

// Creates a database with a unique name; drops it (disconnecting whoever is left) when destroyed.
class TestDatabase {
 public:
  // With create = false only the name is chosen; Create() makes it later.
  explicit TestDatabase(bool create = true);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  void Create();
  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
};

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_SUPPORT_TEST_DATABASE_H_
