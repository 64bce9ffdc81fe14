// A PostgreSQL cluster of a test's own, which the test may stop and start (tools/lib/pgctl).
#ifndef NOTIFY_TESTS_SUPPORT_PRIVATE_POSTGRES_H_
#define NOTIFY_TESTS_SUPPORT_PRIVATE_POSTGRES_H_

#include <string>

namespace notify::testing {

class PrivatePostgres {
 public:
  // Creates and starts a cluster on a free port; fails the test when it cannot.
  PrivatePostgres();
  // Stops the cluster and removes its files.
  ~PrivatePostgres();
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  bool Stop();
  bool Start();

  // The URL of the cluster's `postgres` database.
  const std::string& url() const { return url_; }

 private:
  std::string dir_;
  int port_ = 0;
  std::string url_;
};

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_SUPPORT_PRIVATE_POSTGRES_H_
