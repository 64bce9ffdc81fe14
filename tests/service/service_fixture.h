// The real App in process over a fresh PostgreSQL database, a fake platform with two companies
// (both activated), and stubs of the three services. For service tests.
#ifndef NOTIFY_TESTS_SERVICE_SERVICE_FIXTURE_H_
#define NOTIFY_TESTS_SERVICE_SERVICE_FIXTURE_H_

#include <memory>
#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "notifications/v1/user_service.grpc.pb.h"
#include "server/app/app.h"
#include "server/store/pg/migrations.h"
#include "tests/fakes/fake_platform_client.h"
#include "tests/support/server_options.h"
#include "tests/support/test_database.h"

namespace notify::testing {

inline constexpr char kAdmin[] = "acme-admin";
inline constexpr char kUser[] = "acme-user";
inline constexpr char kUserId[] = "0b0b0b0b-0000-4000-8000-000000000001";
inline constexpr char kOtherUser[] = "acme-user-2";
inline constexpr char kOtherUserId[] = "0b0b0b0b-0000-4000-8000-000000000002";
inline constexpr char kGlobexAdmin[] = "globex-admin";
inline constexpr char kGlobexUser[] = "globex-user";

struct ErrorDetails {
  std::string reason;
  std::string field;
};

inline ErrorDetails DetailsOf(const grpc::Status& status) {
  ErrorDetails out;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return out;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      out.reason = info.reason();
      if (info.metadata().count("field")) out.field = info.metadata().at("field");
    }
  }
  return out;
}

class ServiceTest : public ::testing::Test {
 protected:
  // A test's own settings, on top of the fixture's.
  virtual void Configure(ServerConfig&) {}

  void SetUp() override {
    auto platform = std::make_unique<FakePlatformClient>();
    platform->AddCompany("acme", "Acme Wallet");
    platform->AddCompany("globex", "Globex Pay");
    platform->AddUser(kAdmin, "u-admin", "acme", {"admin"});
    platform->AddUser(kUser, kUserId, "acme", {"user"});
    platform->AddUser(kOtherUser, kOtherUserId, "acme", {"user"});
    platform->AddUser(kGlobexAdmin, "u-globex-admin", "globex", {"admin"});
    platform->AddUser(kGlobexUser, "u-globex-user", "globex", {"user"});
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.database_url = db_.url();
    config.public_url = "https://notify.test/api/";
    config.secret_key_hex = kTestSecretKey;
    config.events = {"user.create"};
    config.deliver = false;  // Service tests look at the API; delivery has its own tests.
    Configure(config);
    app_ = std::make_unique<App>(config, std::move(platform));
    ASSERT_TRUE(pg::ApplyMigrations(app_->pool(), pg::EmbeddedMigrations()).ok());
    ASSERT_TRUE(app_->Start().ok());
    auto channel = grpc::CreateChannel(app_->address(), grpc::InsecureChannelCredentials());
    admin_ = notifications::v1::AdminService::NewStub(channel);
    user_ = notifications::v1::UserService::NewStub(channel);
    for (const char* token : {kAdmin, kGlobexAdmin}) {
      grpc::ClientContext context;
      notifications::v1::ActivateRequest request;
      request.set_token(token);
      notifications::v1::ActivateResponse response;
      ASSERT_TRUE(admin_->Activate(&context, request, &response).ok());
    }
  }

  void TearDown() override { app_->Shutdown(absl::ZeroDuration()); }

  // A call context carrying `token`.
  static std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Token " + token);
    return context;
  }

  TestDatabase db_;
  std::unique_ptr<App> app_;
  std::unique_ptr<notifications::v1::AdminService::Stub> admin_;
  std::unique_ptr<notifications::v1::UserService::Stub> user_;
};

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_SERVICE_SERVICE_FIXTURE_H_
