#include "tests/support/platform_sim.h"

#include "gtest/gtest.h"

namespace notify::testing {

std::unique_ptr<PlatformSim> PlatformSim::Start() {
  auto process = Subprocess::Start(NOTIFY_PLATFORM_SIM, {.args = {"--listen=127.0.0.1:0"}});
  if (!process.ok()) {
    ADD_FAILURE() << process.status();
    return nullptr;
  }
  std::optional<nlohmann::json> listening = (*process)->WaitForLog("listening", absl::Seconds(20));
  if (!listening.has_value()) {
    ADD_FAILURE() << "the platform simulator did not start:\n" << (*process)->Output();
    return nullptr;
  }
  auto sim = std::unique_ptr<PlatformSim>(new PlatformSim());
  sim->process_ = std::move(*process);
  sim->url_ = "http://" + listening->at("address").get<std::string>();
  return sim;
}

nlohmann::json PlatformSim::Control(const std::string& method, const std::string& path,
                                    const nlohmann::json& body) {
  HttpResult result =
      client_.Request(method, url_ + "/_sim/" + path, body.is_null() ? "" : body.dump(),
                      {{"Content-Type", "application/json"}});
  if (result.status < 200 || result.status >= 300) {
    ADD_FAILURE() << method << " /_sim/" << path << ": " << result.status << " " << result.error
                  << " " << result.body;
    return nullptr;
  }
  return nlohmann::json::parse(result.body, nullptr, false);
}

int PlatformSim::Calls(const std::string& method_and_path) {
  nlohmann::json calls = Control("GET", "calls");
  if (!calls.is_object()) return -1;
  return calls["counts"].value(method_and_path, 0);
}

std::vector<nlohmann::json> PlatformSim::Webhooks(const std::string& company) {
  std::vector<nlohmann::json> out;
  nlohmann::json answer = Control("GET", "webhooks");
  if (!answer.is_object()) return out;
  nlohmann::json results = answer.contains("data") ? answer["data"]["results"] : answer["results"];
  for (const auto& webhook : results) {
    if (webhook.value("company", "") == company) out.push_back(webhook);
  }
  return out;
}

}  // namespace notify::testing
