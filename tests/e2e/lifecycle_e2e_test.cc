// The platform's lifecycle calls end to end: the platform simulator, notification-server and
// notification-gateway as processes, and the platform's JSON through the gateway.
#include <signal.h>

#include <thread>

#include <pqxx/pqxx>

#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "tests/support/http_client.h"
#include "tests/support/platform_sim.h"
#include "tests/support/server_options.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_database.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;
using ::notify::testing::HttpClient;
using ::notify::testing::HttpResult;
using ::notify::testing::PlatformSim;
using ::notify::testing::Subprocess;
using ::notify::testing::TestDatabase;

constexpr char kPublicUrl[] = "https://notify.example.test/api/";

std::string AddressOf(Subprocess& process) {
  std::optional<nlohmann::json> listening = process.WaitForLog("listening", absl::Seconds(30));
  if (!listening.has_value()) {
    ADD_FAILURE() << "did not start:\n" << process.Output();
    return "";
  }
  return listening->at("address").get<std::string>();
}

class LifecycleE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = PlatformSim::Start();
    ASSERT_NE(sim_, nullptr);
    auto server = Subprocess::Start(
        NOTIFY_SERVER_BIN,
        ::notify::testing::ServerOptions(
            db_.url(), {"--platform-url=" + sim_->url(), std::string("--public-url=") + kPublicUrl,
                        "--platform-retries=0"}));
    ASSERT_TRUE(server.ok());
    server_ = std::move(*server);
    server_address_ = AddressOf(*server_);
    ASSERT_FALSE(server_address_.empty());
    auto gateway = Subprocess::Start(
        NOTIFY_GATEWAY_BIN, {.args = {"--listen=127.0.0.1:0", "--server=" + server_address_}});
    ASSERT_TRUE(gateway.ok());
    gateway_ = std::move(*gateway);
    const std::string gateway_address = AddressOf(*gateway_);
    ASSERT_FALSE(gateway_address.empty());
    base_ = "http://" + gateway_address + "/api/";
    stub_ = v1::AdminService::NewStub(
        grpc::CreateChannel(server_address_, grpc::InsecureChannelCredentials()));
  }

  HttpResult Post(const std::string& route, const nlohmann::json& body) {
    return client_.Request("POST", base_ + route, body.dump(),
                           {{"Content-Type", "application/json"}});
  }

  grpc::Status GetCompany(const std::string& token, v1::Company* company = nullptr) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Token " + token);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::GetCompanyResponse response;
    grpc::Status status = stub_->GetCompany(&context, {}, &response);
    if (company != nullptr) *company = response.company();
    return status;
  }

  std::set<std::string> Secrets(const std::string& company) {
    std::set<std::string> secrets;
    for (const auto& webhook : sim_->Webhooks(company)) {
      EXPECT_EQ(webhook["url"], std::string(kPublicUrl) + "webhook/");
      secrets.insert(webhook["secret"].get<std::string>());
    }
    return secrets;
  }

  TestDatabase db_;
  std::unique_ptr<PlatformSim> sim_;
  std::unique_ptr<Subprocess> server_;
  std::unique_ptr<Subprocess> gateway_;
  std::string server_address_;
  std::string base_;
  HttpClient client_;
  std::unique_ptr<v1::AdminService::Stub> stub_;
};

TEST_F(LifecycleE2eTest, TheWholeLifecycle) {
  // Activate: 200 with the company, a subscription per event with one strong secret.
  HttpResult activated = Post("activate/", {{"token", testing::kSimAcmeAdminToken}});
  ASSERT_EQ(activated.status, 200) << activated.body;
  const nlohmann::json body = nlohmann::json::parse(activated.body);
  EXPECT_EQ(body["status"], "success");
  EXPECT_EQ(body["data"]["id"], "acme");
  EXPECT_EQ(body["data"]["name"], "Acme Wallet");
  EXPECT_EQ(body["data"]["active"], true);
  EXPECT_TRUE(body["data"]["created"].is_number_integer());
  EXPECT_EQ(activated.body.find(testing::kSimAcmeAdminToken), std::string::npos);
  EXPECT_EQ(sim_->Webhooks("acme").size(), 38u);
  std::set<std::string> secrets = Secrets("acme");
  ASSERT_EQ(secrets.size(), 1u);
  const std::string secret = *secrets.begin();
  EXPECT_EQ(secret.size(), 48u);
  // The company's own webhook secret is answered to its own admin (CONTRACT.md section 5); its
  // platform token never is.
  EXPECT_EQ(body["data"]["secret"], secret);
  v1::Company company;
  ASSERT_TRUE(GetCompany(testing::kSimAcmeAdminToken, &company).ok());
  EXPECT_EQ(company.id(), "acme");

  // Again: nothing changes.
  ASSERT_EQ(Post("activate/", {{"token", testing::kSimAcmeServiceToken}}).status, 200);
  EXPECT_EQ(sim_->Webhooks("acme").size(), 38u);
  EXPECT_EQ(Secrets("acme"), secrets);

  // Rotate to the service token: the stored token changes.
  std::string sealed_before;
  {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    sealed_before =
        pqxx::binarystring(tx.exec("SELECT platform_token FROM companies WHERE id = 'acme'")[0][0])
            .str();
  }
  HttpResult rotated = Post("rotate/", {{"token", testing::kSimAcmeServiceToken}});
  EXPECT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_EQ(rotated.body, R"({"status":"success"})");
  {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    const std::string sealed_after =
        pqxx::binarystring(tx.exec("SELECT platform_token FROM companies WHERE id = 'acme'")[0][0])
            .str();
    EXPECT_NE(sealed_after, sealed_before);
    EXPECT_EQ(sealed_after.find(testing::kSimAcmeServiceToken), std::string::npos);
  }

  // Deactivate: answered, subscriptions gone, calls refused at once.
  HttpResult deactivated = Post("deactivate/", {{"token", testing::kSimAcmeAdminToken}});
  EXPECT_EQ(deactivated.status, 200) << deactivated.body;
  EXPECT_TRUE(sim_->Webhooks("acme").empty());
  grpc::Status refused = GetCompany(testing::kSimAcmeAdminToken);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(refused.error_message(), "Inactive company.");

  // Re-activate: the same secret.
  ASSERT_EQ(Post("activate/", {{"token", testing::kSimAcmeAdminToken}}).status, 200);
  EXPECT_EQ(Secrets("acme"), secrets);
  EXPECT_TRUE(GetCompany(testing::kSimAcmeAdminToken).ok());

  // Purge: every row gone; the next activation gets a new secret.
  ASSERT_EQ(Post("deactivate/", {{"token", testing::kSimAcmeAdminToken}, {"purge", true}}).status,
            200);
  {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    EXPECT_EQ(tx.exec("SELECT count(*) FROM companies")[0][0].as<int>(), 0);
  }
  ASSERT_EQ(Post("activate/", {{"token", testing::kSimAcmeAdminToken}}).status, 200);
  EXPECT_NE(Secrets("acme"), secrets);
}

TEST_F(LifecycleE2eTest, BadTokensAreRefusedOnTheTokenField) {
  for (const nlohmann::json& body : {nlohmann::json{{"token", "not-a-valid-token"}},
                                     nlohmann::json{{"token", testing::kSimAcmeUserToken}},
                                     nlohmann::json::object(), nlohmann::json{{"token", 42}}}) {
    HttpResult answer = Post("activate/", body);
    EXPECT_EQ(answer.status, 400) << body << " " << answer.body;
    const nlohmann::json json = nlohmann::json::parse(answer.body, nullptr, false);
    EXPECT_EQ(json["status"], "error") << answer.body;
    EXPECT_TRUE(json["data"]["token"].is_array()) << answer.body;
  }
  EXPECT_TRUE(sim_->Webhooks("acme").empty()) << "nothing subscribed";
  HttpResult malformed = client_.Request("POST", base_ + "activate/", "{not json",
                                         {{"Content-Type", "application/json"}});
  EXPECT_EQ(malformed.status, 400);
}

TEST_F(LifecycleE2eTest, DeactivatingAnUnknownCompanyIs400) {
  HttpResult answer = Post("deactivate/", {{"token", testing::kSimGlobexAdminToken}});
  EXPECT_EQ(answer.status, 400) << answer.body;
}

TEST_F(LifecycleE2eTest, PlatformDownIs503AndLeavesNothingHalfActive) {
  sim_->Control("POST", "faults", {{"path", "/3/admin/webhooks/"}, {"status", 503}});
  HttpResult answer = Post("activate/", {{"token", testing::kSimAcmeAdminToken}});
  EXPECT_EQ(answer.status, 503) << answer.body;
  EXPECT_FALSE(answer.headers["retry-after"].empty());
  EXPECT_EQ(GetCompany(testing::kSimAcmeAdminToken).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  sim_->Control("DELETE", "faults");
  EXPECT_EQ(Post("activate/", {{"token", testing::kSimAcmeAdminToken}}).status, 200);
  EXPECT_TRUE(GetCompany(testing::kSimAcmeAdminToken).ok());
}

TEST_F(LifecycleE2eTest, FiftyCallsWithOneTokenMakeOneAuthCall) {
  ASSERT_EQ(Post("activate/", {{"token", testing::kSimAcmeAdminToken}}).status, 200);
  sim_->Control("POST", "calls/reset");
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(GetCompany(testing::kSimAcmeServiceToken).ok());
  }
  EXPECT_EQ(sim_->Calls("GET /3/auth/"), 1);
}

// On SIGTERM the server lets a call in flight finish within --shutdown-timeout, and cancels it
// when that runs out, then exits 0.
TEST_F(LifecycleE2eTest, SigtermLetsACallInFlightFinishWithinTheShutdownTimeout) {
  ASSERT_EQ(Post("activate/", {{"token", testing::kSimAcmeAdminToken}}).status, 200);
  // The platform takes 2 s to answer who the (not yet cached) service token is.
  sim_->Control("POST", "faults", {{"path", "/3/auth/"}, {"status", 0}, {"delay_ms", 2000}});
  struct Result {
    grpc::Status status;
    absl::Duration took;
  };
  // Calls GetCompany on `server` and sends it SIGTERM 500 ms into the call.
  auto stop_during_call = [&](Subprocess& server, const std::string& address) {
    auto stub =
        v1::AdminService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    Result result;
    std::thread call([&] {
      grpc::ClientContext context;
      context.AddMetadata("authorization", std::string("Token ") + testing::kSimAcmeServiceToken);
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      v1::GetCompanyResponse response;
      const absl::Time start = absl::Now();
      result.status = stub->GetCompany(&context, {}, &response);
      result.took = absl::Now() - start;
    });
    absl::SleepFor(absl::Milliseconds(500));  // The call is now waiting on the platform.
    server.Signal(SIGTERM);
    call.join();
    return result;
  };

  // 10 s to finish: the call is answered after the platform's 2 s.
  auto patient = Subprocess::Start(
      NOTIFY_SERVER_BIN,
      ::notify::testing::ServerOptions(
          db_.url(), {"--platform-url=" + sim_->url(), std::string("--public-url=") + kPublicUrl,
                      "--platform-retries=0", "--shutdown-timeout=10s"}));
  ASSERT_TRUE(patient.ok());
  const std::string patient_address = AddressOf(**patient);
  ASSERT_FALSE(patient_address.empty());
  Result finished = stop_during_call(**patient, patient_address);
  EXPECT_TRUE(finished.status.ok()) << finished.status.error_message();
  EXPECT_GE(finished.took, absl::Milliseconds(1900));
  EXPECT_EQ((*patient)->Wait(absl::Seconds(20)), 0) << (*patient)->Output();

  // 1 s to finish (the tests' setting): the call is cancelled 1 s after SIGTERM.
  Result cut = stop_during_call(*server_, server_address_);
  EXPECT_FALSE(cut.status.ok());
  EXPECT_GE(cut.took, absl::Milliseconds(1300));
  EXPECT_LT(cut.took, absl::Milliseconds(1900)) << "cancelled before the platform answered";
  EXPECT_EQ(server_->Wait(absl::Seconds(20)), 0) << server_->Output();
}

TEST_F(LifecycleE2eTest, WrongMethodsAndUnknownRoutes) {
  EXPECT_EQ(client_.Get(base_ + "activate/").status, 405);
  EXPECT_EQ(Post("activat/", {{"token", "x"}}).status, 404);
}

}  // namespace
}  // namespace notify
