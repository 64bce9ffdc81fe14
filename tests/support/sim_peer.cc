#include "tests/support/sim_peer.h"

#include <utility>

#include "gtest/gtest.h"

namespace notify::testing {

std::unique_ptr<Subprocess> StartListening(const std::string& program,
                                           std::vector<std::string> args, const std::string& what,
                                           std::string* address) {
  auto process = Subprocess::Start(program, {.args = std::move(args)});
  if (!process.ok()) {
    ADD_FAILURE() << process.status();
    return nullptr;
  }
  std::optional<nlohmann::json> listening = (*process)->WaitForLog("listening", absl::Seconds(20));
  if (!listening.has_value()) {
    ADD_FAILURE() << what << " did not start:\n" << (*process)->Output();
    return nullptr;
  }
  *address = listening->at("address").get<std::string>();
  return std::move(*process);
}

nlohmann::json SimControl(HttpClient& client, const std::string& url, const std::string& method,
                          const std::string& path, const nlohmann::json& body) {
  HttpResult result =
      client.Request(method, url + "/_sim/" + path, body.is_null() ? "" : body.dump(),
                     {{"Content-Type", "application/json"}});
  if (result.status < 200 || result.status >= 300) {
    ADD_FAILURE() << method << " /_sim/" << path << ": " << result.status << " " << result.error
                  << " " << result.body;
    return nullptr;
  }
  return nlohmann::json::parse(result.body, nullptr, false);
}

}  // namespace notify::testing
