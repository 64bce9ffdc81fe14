// What the simulators' test wrappers share: starting one and waiting for its "listening" line, and
// calling its control API.
#ifndef NOTIFY_TESTS_SUPPORT_SIM_PEER_H_
#define NOTIFY_TESTS_SUPPORT_SIM_PEER_H_

#include <memory>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/support/http_client.h"
#include "tests/support/subprocess.h"

namespace notify::testing {

// Starts `program` with `args` and waits for its "listening" log line; sets `address` (HOST:PORT).
// Fails the test (naming `what`) and returns nullptr when it does not come up.
std::unique_ptr<Subprocess> StartListening(const std::string& program,
                                           std::vector<std::string> args, const std::string& what,
                                           std::string* address);

// A control call (path under /_sim/) to the simulator at `url`; the parsed answer, or null (and a
// test failure) when it failed.
nlohmann::json SimControl(HttpClient& client, const std::string& url, const std::string& method,
                          const std::string& path, const nlohmann::json& body);

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_SUPPORT_SIM_PEER_H_
