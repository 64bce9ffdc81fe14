// AdminService's lifecycle and authorization, served in process by the real App over a real
// PostgreSQL, with a fake platform behind it.
#include <pqxx/pqxx>

#include <thread>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "server/app/app.h"
#include "server/common/crypto.h"
#include "server/core/lifecycle.h"
#include "server/store/pg/migrations.h"
#include "tests/fakes/fake_platform_client.h"
#include "tests/support/server_options.h"
#include "tests/support/test_database.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;
using ::notify::testing::FakePlatformClient;
using ::notify::testing::TestDatabase;
using ::testing::HasSubstr;

constexpr char kAcmeAdmin[] = "acme-admin-token";
constexpr char kAcmeService[] = "acme-service-token";
constexpr char kAcmeUser[] = "acme-user-token";
constexpr char kGlobexAdmin[] = "globex-admin-token";

struct Details {
  std::string reason;
  std::string field;
  std::optional<int64_t> retry_seconds;
};

Details DetailsOf(const grpc::Status& status) {
  Details out;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return out;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&info)) {
      out.reason = info.reason();
      if (info.metadata().count("field")) out.field = info.metadata().at("field");
    } else if (any.UnpackTo(&retry)) {
      out.retry_seconds = retry.retry_delay().seconds();
    }
  }
  return out;
}

class LifecycleServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto platform = std::make_unique<FakePlatformClient>();
    platform_ = platform.get();
    platform_->AddCompany("acme", "Acme Wallet");
    platform_->AddCompany("globex", "Globex Pay");
    platform_->AddUser(kAcmeAdmin, "u-acme-admin", "acme", {"admin"});
    platform_->AddUser(kAcmeService, "u-acme-service", "acme", {"service"});
    platform_->AddUser(kAcmeUser, "u-acme-user", "acme", {"user"});
    platform_->AddUser(kGlobexAdmin, "u-globex-admin", "globex", {"admin"});

    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.database_url = db_.url();
    config.public_url = "https://notify.test/api/";
    config.secret_key_hex = ::notify::testing::kTestSecretKey;
    config.events = PlatformEventNames();
    app_ = std::make_unique<App>(config, std::move(platform));
    ASSERT_TRUE(pg::ApplyMigrations(app_->pool(), pg::EmbeddedMigrations()).ok());
    ASSERT_TRUE(app_->Start().ok());
    stub_ = v1::AdminService::NewStub(
        grpc::CreateChannel(app_->address(), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override { app_->Shutdown(absl::ZeroDuration()); }

  grpc::Status GetCompany(const std::string& authorization, v1::Company* company = nullptr) {
    grpc::ClientContext context;
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    v1::GetCompanyResponse response;
    grpc::Status status = stub_->GetCompany(&context, {}, &response);
    if (company != nullptr) *company = response.company();
    return status;
  }

  grpc::Status Activate(const std::string& token, v1::Company* company = nullptr) {
    grpc::ClientContext context;
    v1::ActivateRequest request;
    request.set_token(token);
    v1::ActivateResponse response;
    grpc::Status status = stub_->Activate(&context, request, &response);
    if (company != nullptr) *company = response.company();
    return status;
  }

  grpc::Status Deactivate(const std::string& token, bool purge = false) {
    grpc::ClientContext context;
    v1::DeactivateRequest request;
    request.set_token(token);
    request.set_purge(purge);
    v1::DeactivateResponse response;
    return stub_->Deactivate(&context, request, &response);
  }

  grpc::Status Rotate(const std::string& token) {
    grpc::ClientContext context;
    v1::RotateRequest request;
    request.set_token(token);
    v1::RotateResponse response;
    return stub_->Rotate(&context, request, &response);
  }

  // The stored, sealed column of a company, or "" when the row or the value is missing.
  std::string Sealed(const std::string& company, const std::string& column) {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    pqxx::result rows =
        tx.exec_params("SELECT " + column + " FROM companies WHERE id = $1", company);
    if (rows.empty() || rows[0][0].is_null()) return "";
    return pqxx::binarystring(rows[0][0]).str();
  }

  std::string Open(const std::string& sealed, const std::string& context) {
    absl::StatusOr<SecretBox> box = SecretBox::FromHex(::notify::testing::kTestSecretKey);
    absl::StatusOr<std::string> plain = box->Open(sealed, context);
    return plain.ok() ? *plain : "<" + std::string(plain.status().message()) + ">";
  }

  TestDatabase db_;
  FakePlatformClient* platform_ = nullptr;
  std::unique_ptr<App> app_;
  std::unique_ptr<v1::AdminService::Stub> stub_;
};

TEST_F(LifecycleServiceTest, ActivationStoresTheCompanySubscribesAndEncryptsTheSecrets) {
  v1::Company company;
  ASSERT_TRUE(Activate(kAcmeAdmin, &company).ok());
  EXPECT_EQ(company.id(), "acme");
  EXPECT_EQ(company.name(), "Acme Wallet");
  EXPECT_TRUE(company.active());
  EXPECT_TRUE(company.has_activated());

  const auto subscriptions = platform_->subscriptions("acme");
  ASSERT_EQ(subscriptions.size(), PlatformEventNames().size());
  const std::string secret = subscriptions[0].secret;
  EXPECT_EQ(secret.size(), 48u);
  for (const auto& s : subscriptions) {
    EXPECT_EQ(s.url, "https://notify.test/api/webhook/");
    EXPECT_EQ(s.secret, secret);
  }
  // At rest: ciphertext that opens to the token and the secret, under their own contexts only.
  const std::string sealed_token = Sealed("acme", "platform_token");
  EXPECT_EQ(sealed_token.find(kAcmeAdmin), std::string::npos);
  EXPECT_EQ(Open(sealed_token, PlatformTokenContext("acme")), kAcmeAdmin);
  EXPECT_EQ(Open(Sealed("acme", "webhook_secret"), WebhookSecretContext("acme")), secret);
  EXPECT_NE(Open(sealed_token, PlatformTokenContext("globex")), kAcmeAdmin);
}

TEST_F(LifecycleServiceTest, ActivatingTwiceChangesNothing) {
  ASSERT_TRUE(Activate(kAcmeAdmin).ok());
  const std::string secret = platform_->subscriptions("acme")[0].secret;
  v1::Company again;
  ASSERT_TRUE(Activate(kAcmeService, &again).ok());
  EXPECT_TRUE(again.active());
  EXPECT_EQ(platform_->subscriptions("acme").size(), PlatformEventNames().size());
  EXPECT_EQ(Open(Sealed("acme", "webhook_secret"), WebhookSecretContext("acme")), secret);
}

// A plain user of the company can neither deactivate it nor rotate its token.
TEST_F(LifecycleServiceTest, APlainUserCannotDeactivateOrRotate) {
  ASSERT_TRUE(Activate(kAcmeAdmin).ok());
  const std::string token_before = Sealed("acme", "platform_token");
  grpc::Status deactivate = Deactivate(kAcmeUser, /*purge=*/true);
  EXPECT_EQ(deactivate.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(deactivate).reason, "ADMIN_REQUIRED");
  grpc::Status rotate = Rotate(kAcmeUser);
  EXPECT_EQ(rotate.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(rotate).reason, "ADMIN_REQUIRED");
  EXPECT_TRUE(GetCompany(std::string("Token ") + kAcmeAdmin).ok()) << "still active";
  EXPECT_EQ(Sealed("acme", "platform_token"), token_before) << "and its token unchanged";
}

TEST_F(LifecycleServiceTest, BadAndNonAdminTokensAreInvalidArgumentsOnTheTokenField) {
  grpc::Status bad = Activate("no-such-token");
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(bad).reason, "TOKEN_INVALID");
  EXPECT_EQ(DetailsOf(bad).field, "token");

  grpc::Status user = Activate(kAcmeUser);
  EXPECT_EQ(user.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(user).reason, "ADMIN_REQUIRED");

  // Refused before it reaches the platform, where it would be a header of its own.
  const int asked = platform_->authenticate_calls();
  grpc::Status smuggled = Activate(std::string(kAcmeAdmin) + "\r\nX-Injected: 1");
  EXPECT_EQ(smuggled.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(smuggled).reason, "TOKEN_INVALID");
  EXPECT_EQ(platform_->authenticate_calls(), asked) << "the platform was never asked";
  grpc::Status spaced = Activate(std::string(kAcmeAdmin) + " x");
  EXPECT_EQ(DetailsOf(spaced).reason, "TOKEN_INVALID");
  EXPECT_EQ(platform_->authenticate_calls(), asked);

  grpc::Status empty = Activate("");
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(empty).field, "token");
  EXPECT_EQ(Sealed("acme", "webhook_secret"), "") << "nothing stored";
}

TEST_F(LifecycleServiceTest, AFailedSubscriptionLeavesTheCompanyInactive) {
  platform_->FailSubscriptionTo("transaction.create", absl::UnavailableError("platform down"));
  grpc::Status status = Activate(kAcmeAdmin);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(GetCompany(std::string("Token ") + kAcmeAdmin).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Sealed("acme", "platform_token"), "") << "no token stored for a failed activation";
}

TEST_F(LifecycleServiceTest, ThePlatformDownOrRateLimitingPassesThrough) {
  platform_->FailAllWith(absl::UnavailableError("down"));
  EXPECT_EQ(Activate(kAcmeAdmin).error_code(), grpc::StatusCode::UNAVAILABLE);
  platform_->FailAllWith(
      WithRetryAfter(absl::ResourceExhaustedError("slow down"), absl::Seconds(7)));
  grpc::Status limited = Activate(kAcmeAdmin);
  EXPECT_EQ(limited.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(DetailsOf(limited).retry_seconds, 7);
}

class AuthorizedCallsTest : public LifecycleServiceTest {
 protected:
  void SetUp() override {
    LifecycleServiceTest::SetUp();
    ASSERT_TRUE(Activate(kAcmeAdmin).ok());
  }
};

TEST_F(AuthorizedCallsTest, AdminAndServiceUsersGetTheirCompany) {
  v1::Company company;
  ASSERT_TRUE(GetCompany(std::string("Token ") + kAcmeAdmin, &company).ok());
  EXPECT_EQ(company.id(), "acme");
  ASSERT_TRUE(GetCompany(std::string("token ") + kAcmeService, &company).ok());
  EXPECT_EQ(company.id(), "acme");
}

TEST_F(AuthorizedCallsTest, APlainUserIsDeniedAdminCalls) {
  grpc::Status status = GetCompany(std::string("Token ") + kAcmeUser);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(DetailsOf(status).reason, "ADMIN_REQUIRED");
}

TEST_F(AuthorizedCallsTest, MissingMalformedAndInvalidTokensAreUnauthenticated) {
  grpc::Status none = GetCompany("");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DetailsOf(none).reason, "UNAUTHENTICATED");
  EXPECT_EQ(GetCompany(std::string("Bearer ") + kAcmeAdmin).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetCompany(kAcmeAdmin).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status invalid = GetCompany("Token not-a-real-token");
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DetailsOf(invalid).reason, "TOKEN_INVALID");
  EXPECT_THAT(invalid.error_message(), ::testing::Not(HasSubstr("not-a-real-token")));
}

TEST_F(AuthorizedCallsTest, PlatformDownIsUnavailableAndRateLimitKeepsRetryAfter) {
  platform_->FailAllWith(absl::UnavailableError("down"));
  EXPECT_EQ(GetCompany(std::string("Token ") + kAcmeAdmin).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  platform_->FailAllWith(
      WithReason(WithRetryAfter(absl::ResourceExhaustedError("slow"), absl::Seconds(30)),
                 "PLATFORM_RATE_LIMITED"));
  grpc::Status limited = GetCompany(std::string("Token ") + kAcmeAdmin);
  EXPECT_EQ(limited.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(DetailsOf(limited).reason, "PLATFORM_RATE_LIMITED");
  EXPECT_EQ(DetailsOf(limited).retry_seconds, 30);
  platform_->FailAllWith(std::nullopt);
  EXPECT_TRUE(GetCompany(std::string("Token ") + kAcmeAdmin).ok())
      << "transient errors are not kept";
}

TEST_F(AuthorizedCallsTest, AnotherCompanysAdminSeesAndChangesNothingHere) {
  // globex never activated: its admin is refused, and cannot read acme by any means.
  grpc::Status status = GetCompany(std::string("Token ") + kGlobexAdmin);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "Inactive company.");
  EXPECT_EQ(Deactivate(kGlobexAdmin).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Rotate(kGlobexAdmin).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Once globex activates, it sees itself, and acme is untouched.
  v1::Company company;
  ASSERT_TRUE(Activate(kGlobexAdmin).ok());
  ASSERT_TRUE(GetCompany(std::string("Token ") + kGlobexAdmin, &company).ok());
  EXPECT_EQ(company.id(), "globex");
  ASSERT_TRUE(Deactivate(kGlobexAdmin, /*purge=*/true).ok());
  ASSERT_TRUE(GetCompany(std::string("Token ") + kAcmeAdmin, &company).ok());
  EXPECT_EQ(company.id(), "acme");
  EXPECT_TRUE(company.active());
  EXPECT_EQ(platform_->subscriptions("acme").size(), PlatformEventNames().size());
}

TEST_F(AuthorizedCallsTest, DeactivationTakesEffectAtOnceAndReactivationKeepsTheSecret) {
  const std::string secret = platform_->subscriptions("acme")[0].secret;
  ASSERT_TRUE(GetCompany(std::string("Token ") + kAcmeAdmin).ok());  // Warm every cache.
  ASSERT_TRUE(Deactivate(kAcmeAdmin).ok());
  grpc::Status after = GetCompany(std::string("Token ") + kAcmeAdmin);
  EXPECT_EQ(after.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(DetailsOf(after).reason, "COMPANY_INACTIVE");
  EXPECT_TRUE(platform_->subscriptions("acme").empty()) << "subscriptions removed";
  EXPECT_EQ(Sealed("acme", "platform_token"), "") << "token forgotten";

  ASSERT_TRUE(Activate(kAcmeAdmin).ok());
  EXPECT_TRUE(GetCompany(std::string("Token ") + kAcmeAdmin).ok());
  EXPECT_EQ(platform_->subscriptions("acme")[0].secret, secret);
}

TEST_F(AuthorizedCallsTest, PurgeDeletesEverythingAndTheNextActivationStartsAfresh) {
  const std::string secret = platform_->subscriptions("acme")[0].secret;
  ASSERT_TRUE(Deactivate(kAcmeAdmin, /*purge=*/true).ok());
  EXPECT_EQ(Sealed("acme", "webhook_secret"), "") << "the row is gone";
  ASSERT_TRUE(Activate(kAcmeAdmin).ok());
  EXPECT_NE(platform_->subscriptions("acme")[0].secret, secret);
}

TEST_F(AuthorizedCallsTest, RotateDoesNotGiveADeactivatedCompanyATokenAgain) {
  ASSERT_TRUE(Deactivate(kAcmeAdmin).ok());
  EXPECT_EQ(Rotate(kAcmeService).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Sealed("acme", "platform_token"), "");
}

TEST_F(AuthorizedCallsTest, RotateReplacesTheStoredToken) {
  ASSERT_TRUE(Rotate(kAcmeService).ok());
  EXPECT_EQ(Open(Sealed("acme", "platform_token"), PlatformTokenContext("acme")), kAcmeService);
  EXPECT_EQ(Rotate("bogus").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Rotate(kAcmeUser).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuthorizedCallsTest, FiftyCallsWithOneTokenAskThePlatformOnce) {
  const int before = platform_->authenticate_calls();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 5; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (GetCompany(std::string("Token ") + kAcmeService).ok()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 50);
  EXPECT_EQ(platform_->authenticate_calls() - before, 1);
}

}  // namespace
}  // namespace notify
