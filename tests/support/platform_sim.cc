#include "tests/support/platform_sim.h"

#include "gtest/gtest.h"
#include "tests/support/sim_peer.h"

namespace notify::testing {

std::unique_ptr<PlatformSim> PlatformSim::Start() {
  std::string address;
  std::unique_ptr<Subprocess> process = StartListening(
      NOTIFY_PLATFORM_SIM, {"--listen=127.0.0.1:0"}, "the platform simulator", &address);
  if (process == nullptr) return nullptr;
  auto sim = std::unique_ptr<PlatformSim>(new PlatformSim());
  sim->process_ = std::move(process);
  sim->url_ = "http://" + address;
  return sim;
}

nlohmann::json PlatformSim::Control(const std::string& method, const std::string& path,
                                    const nlohmann::json& body) {
  return SimControl(client_, url_, method, path, body);
}

int PlatformSim::Calls(const std::string& method_and_path) {
  nlohmann::json calls = Control("GET", "calls");
  if (!calls.is_object() || !calls["counts"].is_object()) {
    ADD_FAILURE() << "GET /_sim/calls answered " << calls.dump();
    return -1;
  }
  return calls["counts"].value(method_and_path, 0);
}

std::vector<nlohmann::json> PlatformSim::Webhooks(const std::string& company) {
  std::vector<nlohmann::json> out;
  nlohmann::json answer = Control("GET", "webhooks");
  nlohmann::json results;
  if (answer.is_object()) {
    results = answer.contains("data") ? answer["data"]["results"] : answer["results"];
  }
  if (!results.is_array()) {
    ADD_FAILURE() << "GET /_sim/webhooks answered " << answer.dump();
    return out;
  }
  for (const auto& webhook : results) {
    if (webhook.value("company", "") == company) out.push_back(webhook);
  }
  return out;
}

}  // namespace notify::testing
