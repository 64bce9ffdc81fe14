// How tests start notification-server.
#ifndef NOTIFY_TESTS_SUPPORT_SERVER_OPTIONS_H_
#define NOTIFY_TESTS_SUPPORT_SERVER_OPTIONS_H_

#include <string>
#include <utility>
#include <vector>

#include "tests/support/subprocess.h"

namespace notify::testing {

// The secret key tests encrypt with (64 hex characters).
inline constexpr char kTestSecretKey[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// notification-server on a port the OS picks, against `database_url`, with the test key and a short
// shutdown deadline (gRPC holds a stopping server until the deadline while clients stay connected).
inline Subprocess::Options ServerOptions(const std::string& database_url,
                                         std::vector<std::string> extra_args = {}) {
  Subprocess::Options options;
  options.args = {"--listen=127.0.0.1:0", "--database-url=" + database_url,
                  "--db-retry-max-delay=200ms", "--shutdown-timeout=1s",
                  "--metrics-listen=127.0.0.1:0"};
  options.args.insert(options.args.end(), extra_args.begin(), extra_args.end());
  options.env = {{"NOTIFY_SECRET_KEY", std::string(kTestSecretKey)},
                 {"NOTIFY_SECRET_KEY_FILE", std::nullopt}};
  return options;
}

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_SUPPORT_SERVER_OPTIONS_H_
