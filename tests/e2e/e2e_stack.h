// The whole stack for end-to-end tests: the platform simulator, the real server and the real
// gateway (at the server's public URL), each a process on its own port (the gateway's picked
// beforehand).
#ifndef NOTIFY_TESTS_E2E_E2E_STACK_H_
#define NOTIFY_TESTS_E2E_E2E_STACK_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "tests/support/free_port.h"
#include "tests/support/http_client.h"
#include "tests/support/platform_sim.h"
#include "tests/support/server_options.h"
#include "tests/support/subprocess.h"

namespace notify::testing {

inline std::optional<nlohmann::json> Listening(Subprocess& process) {
  std::optional<nlohmann::json> line = process.WaitForLog("listening", absl::Seconds(30));
  if (!line.has_value()) ADD_FAILURE() << "did not start:\n" << process.Output();
  return line;
}

// The simulator, the server and the gateway, with the gateway at the server's public URL.
class Stack {
 public:
  Stack(const std::string& database_url, std::vector<std::string> server_args = {})
      : database_url_(database_url) {
    sim_ = PlatformSim::Start();
    if (sim_ == nullptr) return;
    const std::string gateway_listen = "127.0.0.1:" + std::to_string(FreePort());
    gateway_url_ = "http://" + gateway_listen + "/api/";
    server_args.push_back("--platform-url=" + sim_->url());
    server_args.push_back("--public-url=" + gateway_url_);
    server_args_ = server_args;
    if (!StartServer("127.0.0.1:0")) return;
    auto gateway = Subprocess::Start(
        NOTIFY_GATEWAY_BIN, {.args = {"--listen=" + gateway_listen, "--server=" + server_address_,
                                      "--call-timeout=2s"}});
    if (!gateway.ok()) {
      ADD_FAILURE() << gateway.status();
      return;
    }
    gateway_ = std::move(*gateway);
    if (!Listening(*gateway_).has_value()) return;
    admin_ = notifications::v1::AdminService::NewStub(
        grpc::CreateChannel(server_address_, grpc::InsecureChannelCredentials()));
    ready_ = true;
  }

  bool ready() const { return ready_; }

  // Starts the server (again, after it was stopped) on `listen`, with the same arguments.
  bool StartServer(const std::string& listen) {
    std::vector<std::string> args = server_args_;
    args.push_back("--listen=" + listen);
    auto server = Subprocess::Start(NOTIFY_SERVER_BIN, ServerOptions(database_url_, args));
    if (!server.ok()) {
      ADD_FAILURE() << server.status();
      return false;
    }
    server_ = std::move(*server);
    std::optional<nlohmann::json> listening = Listening(*server_);
    if (!listening.has_value()) return false;
    server_address_ = listening->at("address").get<std::string>();
    metrics_url_ = "http://" + listening->at("metrics").get<std::string>() + "/metrics";
    return true;
  }

  // Restarts a stopped server on the address it had, so the gateway finds it again.
  bool RestartServer() { return StartServer(server_address_); }

  // The admin's metadata for calls with admin().
  static void AsAdmin(grpc::ClientContext& context) {
    context.AddMetadata("authorization", std::string("Token ") + kSimAcmeAdminToken);
  }
  notifications::v1::AdminService::Stub& admin() { return *admin_; }
  const std::string& server_address() const { return server_address_; }

  // Activates acme through the gateway and returns its webhook secret.
  std::string Activate() {
    HttpResult answer = Post("activate/", nlohmann::json{{"token", kSimAcmeAdminToken}}.dump());
    EXPECT_EQ(answer.status, 200) << answer.body;
    std::vector<nlohmann::json> webhooks = sim_->Webhooks("acme");
    return webhooks.empty() ? "" : webhooks[0]["secret"].get<std::string>();
  }

  HttpResult Post(const std::string& route, const std::string& body,
                  std::map<std::string, std::string> headers = {
                      {"Content-Type", "application/json"}}) {
    return client_.Request("POST", gateway_url_ + route, body, headers);
  }

  HttpResult Webhook(const nlohmann::json& event, const std::string& authorization) {
    std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}};
    if (!authorization.empty()) headers["Authorization"] = authorization;
    return Post("webhook/", event.dump(), headers);
  }

  std::vector<std::string> ListedEventIds() {
    grpc::ClientContext context;
    context.AddMetadata("authorization", std::string("Token ") + kSimAcmeAdminToken);
    notifications::v1::ListEventsRequest request;
    request.set_page_size(250);
    notifications::v1::ListEventsResponse response;
    grpc::Status status = admin_->ListEvents(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> ids;
    for (const auto& event : response.events()) ids.push_back(event.event_id());
    return ids;
  }

  PlatformSim& sim() { return *sim_; }
  Subprocess& server() { return *server_; }
  HttpClient& client() { return client_; }
  const std::string& gateway_url() const { return gateway_url_; }
  const std::string& metrics_url() const { return metrics_url_; }

 private:
  std::string database_url_;
  std::vector<std::string> server_args_;
  std::unique_ptr<PlatformSim> sim_;
  std::unique_ptr<Subprocess> server_;
  std::unique_ptr<Subprocess> gateway_;
  std::string server_address_;
  std::string gateway_url_;
  std::string metrics_url_;
  HttpClient client_;
  std::unique_ptr<notifications::v1::AdminService::Stub> admin_;
  bool ready_ = false;
};

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_E2E_E2E_STACK_H_
