// notification-server as a process: health, reflection, UNIMPLEMENTED methods, clean shutdown, and
// waiting for a database that is not there yet.
#include <signal.h>

#include <fstream>
#include <set>
#include <sstream>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "notifications/v1/user_service.grpc.pb.h"
#include "notifications/v1/webhook_service.grpc.pb.h"
#include "tests/support/server_options.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_database.h"

namespace notify {
namespace {

using ::notify::testing::Subprocess;
using ::notify::testing::TestDatabase;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

constexpr absl::Duration kStartTimeout = absl::Seconds(30);

std::unique_ptr<Subprocess> StartServer(const std::string& database_url,
                                        std::vector<std::string> extra = {}) {
  auto process =
      Subprocess::Start(NOTIFY_SERVER_BIN, ::notify::testing::ServerOptions(database_url, extra));
  EXPECT_TRUE(process.ok()) << process.status();
  return process.ok() ? std::move(*process) : nullptr;
}

std::shared_ptr<grpc::Channel> ChannelTo(Subprocess& server) {
  std::optional<nlohmann::json> listening = server.WaitForLog("listening", kStartTimeout);
  if (!listening.has_value()) {
    ADD_FAILURE() << "the server did not start:\n" << server.Output();
    return nullptr;
  }
  return grpc::CreateChannel(listening->at("address").get<std::string>(),
                             grpc::InsecureChannelCredentials());
}

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
}

// Asks server reflection for its services; how the stream ended.
grpc::Status ListServices(const std::shared_ptr<grpc::Channel>& channel,
                          std::set<std::string>& services) {
  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(context);
  auto stream = reflection->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  stream->Write(request);
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  while (stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service()) {
      services.insert(service.name());
    }
  }
  return stream->Finish();
}

TEST(ServerE2eTest, ReportsServingAndListsTheThreeServicesThenStopsOnSigterm) {
  TestDatabase db;
  auto server = StartServer(db.url(), {"--reflection"});
  ASSERT_NE(server, nullptr);
  auto channel = ChannelTo(*server);
  ASSERT_NE(channel, nullptr);

  auto health = grpc::health::v1::Health::NewStub(channel);
  for (const std::string service :
       {"", "notifications.v1.AdminService", "notifications.v1.UserService",
        "notifications.v1.WebhookService"}) {
    grpc::ClientContext context;
    SetDeadline(context);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = health->Check(&context, request, &response);
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }

  std::set<std::string> services;
  EXPECT_TRUE(ListServices(channel, services).ok());
  EXPECT_THAT(services,
              IsSupersetOf({"notifications.v1.AdminService", "notifications.v1.UserService",
                            "notifications.v1.WebhookService", "grpc.health.v1.Health"}));

  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(absl::Seconds(20)), 0) << server->Output();
  EXPECT_TRUE(server->WaitForLog("stopped", absl::ZeroDuration()).has_value());
}

TEST(ServerE2eTest, ReflectionIsOffUnlessAskedFor) {
  TestDatabase db;
  auto server = StartServer(db.url());
  ASSERT_NE(server, nullptr);
  auto channel = ChannelTo(*server);
  ASSERT_NE(channel, nullptr);
  std::set<std::string> services;
  EXPECT_EQ(ListServices(channel, services).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_TRUE(services.empty());
}

TEST(ServerE2eTest, EveryServiceRefusesCallsWithoutCredentials) {
  TestDatabase db;
  auto server = StartServer(db.url());
  ASSERT_NE(server, nullptr);
  auto channel = ChannelTo(*server);
  ASSERT_NE(channel, nullptr);
  {
    grpc::ClientContext context;
    SetDeadline(context);
    notifications::v1::ReplayEventResponse response;
    EXPECT_EQ(notifications::v1::AdminService::NewStub(channel)
                  ->ReplayEvent(&context, {}, &response)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << "built: a call without an admin token is refused";
  }
  {
    grpc::ClientContext context;
    SetDeadline(context);
    notifications::v1::ListDevicesResponse response;
    EXPECT_EQ(notifications::v1::UserService::NewStub(channel)
                  ->ListDevices(&context, {}, &response)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << "built: a call without a token is refused";
  }
  {
    grpc::ClientContext context;
    SetDeadline(context);
    notifications::v1::ReceiveEventResponse response;
    EXPECT_EQ(notifications::v1::WebhookService::NewStub(channel)
                  ->ReceiveEvent(&context, {}, &response)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << "built: a call without the company's secret is refused";
  }
  server->Signal(SIGINT);
  EXPECT_EQ(server->Wait(absl::Seconds(20)), 0) << server->Output();
}

TEST(ServerE2eTest, WaitsForTheDatabaseWithBackoffThenServes) {
  TestDatabase db(/*create=*/false);
  auto server = StartServer(db.url());
  ASSERT_NE(server, nullptr);
  std::optional<nlohmann::json> retry =
      server->WaitForLog("database unavailable at start-up; retrying", kStartTimeout, 2);
  ASSERT_TRUE(retry.has_value()) << server->Output();
  EXPECT_EQ(retry->at("level"), "warn");
  EXPECT_EQ(retry->at("attempt"), 2);
  EXPECT_FALSE(server->Wait(absl::ZeroDuration()).has_value()) << "still running, not crashing";

  db.Create();
  auto channel = ChannelTo(*server);
  ASSERT_NE(channel, nullptr);
  grpc::ClientContext context;
  SetDeadline(context);
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_TRUE(grpc::health::v1::Health::NewStub(channel)->Check(&context, {}, &response).ok());
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(absl::Seconds(20)), 0);
}

TEST(ServerE2eTest, SigtermWhileWaitingForTheDatabaseExitsCleanly) {
  auto server = StartServer("postgresql://postgres@127.0.0.1:1/none");
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->WaitForLog("database unavailable at start-up; retrying", kStartTimeout))
      << server->Output();
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(absl::Seconds(10)), 0) << server->Output();
}

TEST(ServerE2eTest, InvalidConfigurationExitsWithUsageErrorNamingTheSetting) {
  auto process = Subprocess::Start(
      NOTIFY_SERVER_BIN,
      {.args = {"--listen=nowhere"}, .env = {{"NOTIFY_DATABASE_URL", "postgresql://db/x"}}});
  ASSERT_TRUE(process.ok());
  EXPECT_EQ((*process)->Wait(absl::Seconds(10)), 2);
  std::optional<nlohmann::json> error =
      (*process)->WaitForLog("invalid configuration", absl::ZeroDuration());
  ASSERT_TRUE(error.has_value()) << (*process)->Output();
  EXPECT_THAT(error->at("error").get<std::string>(), HasSubstr("--listen (NOTIFY_LISTEN)"));
}

TEST(ServerE2eTest, RefusesToServeWithoutASecretKeyAndSaysWhy) {
  ::notify::testing::Subprocess::Options options =
      ::notify::testing::ServerOptions("postgresql://postgres@127.0.0.1:1/none");
  options.env = {{"NOTIFY_SECRET_KEY", std::nullopt}, {"NOTIFY_SECRET_KEY_FILE", std::nullopt}};
  auto process = Subprocess::Start(NOTIFY_SERVER_BIN, options);
  ASSERT_TRUE(process.ok());
  EXPECT_EQ((*process)->Wait(absl::Seconds(10)), 2);
  std::optional<nlohmann::json> error =
      (*process)->WaitForLog("invalid configuration", absl::ZeroDuration());
  ASSERT_TRUE(error.has_value()) << (*process)->Output();
  EXPECT_THAT(error->at("error").get<std::string>(), HasSubstr("no secret key"));
}

TEST(ServerE2eTest, DatabasePasswordNeverReachesTheLogs) {
  auto server = StartServer("postgresql://postgres:hunter2secret@127.0.0.1:1/none");
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->WaitForLog("database unavailable at start-up; retrying", kStartTimeout));
  server->Signal(SIGTERM);
  server->Wait(absl::Seconds(10));
  EXPECT_THAT(server->Output(), ::testing::Not(HasSubstr("hunter2secret")));
  EXPECT_THAT(server->Output(), HasSubstr("postgres:***@127.0.0.1:1"));
}

// Both programs run on jemalloc unless built with -DNOTIFY_USE_JEMALLOC=OFF.
TEST(ServerE2eTest, BothProgramsRunOnJemalloc) {
#ifndef NOTIFY_WITH_JEMALLOC
  GTEST_SKIP() << "built with -DNOTIFY_USE_JEMALLOC=OFF";
#else
  TestDatabase db;
  std::unique_ptr<Subprocess> server = StartServer(db.url());
  ASSERT_NE(server, nullptr);
  ASSERT_NE(ChannelTo(*server), nullptr);
  auto gateway = Subprocess::Start(NOTIFY_GATEWAY_BIN,
                                   {.args = {"--listen=127.0.0.1:0", "--server=127.0.0.1:1"}});
  ASSERT_TRUE(gateway.ok());
  ASSERT_TRUE((*gateway)->WaitForLog("listening", kStartTimeout).has_value());
  for (Subprocess* process : {server.get(), gateway->get()}) {
    std::ifstream maps("/proc/" + std::to_string(process->pid()) + "/maps");
    std::stringstream text;
    text << maps.rdbuf();
    EXPECT_THAT(text.str(), HasSubstr("libjemalloc")) << "pid " << process->pid();
  }
#endif
}

TEST(ServerE2eTest, HelpListsEverySettingWithItsTwin) {
  auto process = Subprocess::Start(NOTIFY_SERVER_BIN, {.args = {"--help"}});
  ASSERT_TRUE(process.ok());
  EXPECT_EQ((*process)->Wait(absl::Seconds(10)), 0);
  const std::string help = (*process)->Output();
  EXPECT_THAT(help, HasSubstr("--database-url=VALUE"));
  EXPECT_THAT(help, HasSubstr("NOTIFY_DATABASE_URL"));
  EXPECT_THAT(help, HasSubstr("--migrate-only"));
}

}  // namespace
}  // namespace notify
