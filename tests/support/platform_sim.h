// tools/platform-sim as a test peer: the platform's API on a port the OS picks, plus its control
// API.
#ifndef NOTIFY_TESTS_SUPPORT_PLATFORM_SIM_H_
#define NOTIFY_TESTS_SUPPORT_PLATFORM_SIM_H_

#include <memory>
#include <string>

#include "nlohmann/json.hpp"
#include "tests/support/http_client.h"
#include "tests/support/subprocess.h"

namespace notify::testing {

// The simulator's default seed tokens.
inline constexpr char kSimAcmeAdminToken[] =
    "acmeadmin5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0d";
inline constexpr char kSimAcmeServiceToken[] =
    "acmeservice5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc";
inline constexpr char kSimAcmeUserToken[] =
    "acmeuser5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de";
inline constexpr char kSimGlobexAdminToken[] =
    "globexadmin5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc0de5eedc";
inline constexpr char kSimAcmeUserId[] = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f";

class PlatformSim {
 public:
  // Starts the simulator; fails the test (and returns nullptr) when it does not come up.
  static std::unique_ptr<PlatformSim> Start();

  // http://127.0.0.1:PORT
  const std::string& url() const { return url_; }

  // A control call (path under /_sim/); the parsed answer, or null when it failed.
  nlohmann::json Control(const std::string& method, const std::string& path,
                         const nlohmann::json& body = nullptr);

  // How many times the platform was called with `method_and_path`, e.g. "GET /3/auth/"; -1 (and a
  // test failure) when the simulator could not be asked.
  int Calls(const std::string& method_and_path);

  // The webhooks of `company`, as {url, event, secret} objects; empty (and a test failure) when the
  // simulator could not be asked.
  std::vector<nlohmann::json> Webhooks(const std::string& company);

  Subprocess& process() { return *process_; }

 private:
  std::unique_ptr<Subprocess> process_;
  std::string url_;
  HttpClient client_;
};

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_SUPPORT_PLATFORM_SIM_H_
