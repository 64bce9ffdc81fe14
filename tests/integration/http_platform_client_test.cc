// HttpPlatformClient against a real HTTP peer: tools/platform-sim.
#include "server/auth/http_platform_client.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/status.h"
#include "tests/support/platform_sim.h"

namespace notify {
namespace {

using ::notify::testing::PlatformSim;
using ::testing::HasSubstr;

class HttpPlatformClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = PlatformSim::Start();
    ASSERT_NE(sim_, nullptr);
    client_ = std::make_unique<HttpPlatformClient>(
        HttpPlatformClient::Options{.base_url = sim_->url(),
                                    .timeout = absl::Seconds(3),
                                    .retries = 2,
                                    .backoff = absl::Milliseconds(20)});
  }

  std::unique_ptr<PlatformSim> sim_;
  std::unique_ptr<HttpPlatformClient> client_;
};

TEST_F(HttpPlatformClientTest, AuthenticatesAndReadsTheCompany) {
  absl::StatusOr<PlatformUser> admin = client_->Authenticate(testing::kSimAcmeAdminToken);
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->company, "acme");
  EXPECT_TRUE(admin->IsAdmin());
  absl::StatusOr<PlatformCompany> company = client_->GetCompany(testing::kSimAcmeAdminToken);
  ASSERT_TRUE(company.ok()) << company.status();
  EXPECT_EQ(company->id, "acme");
  EXPECT_EQ(company->name, "Acme Wallet");
  EXPECT_EQ(company->mode, "test");

  absl::StatusOr<PlatformUser> user = client_->Authenticate(testing::kSimAcmeUserToken);
  ASSERT_TRUE(user.ok());
  EXPECT_FALSE(user->IsAdmin());
  EXPECT_EQ(client_->GetCompany(testing::kSimAcmeUserToken).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(HttpPlatformClientTest, AnInvalidTokenIsUnauthenticatedAndNeverLogged) {
  absl::StatusOr<PlatformUser> user = client_->Authenticate("an-invalid-token-value");
  EXPECT_EQ(user.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(user.status().message(), ::testing::Not(HasSubstr("an-invalid-token-value")));
}

TEST_F(HttpPlatformClientTest, RetriesServerErrorsThenSucceeds) {
  sim_->Control("POST", "faults", {{"path", "/3/auth/"}, {"status", 503}, {"count", 2}});
  absl::StatusOr<PlatformUser> user = client_->Authenticate(testing::kSimAcmeAdminToken);
  EXPECT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(sim_->Calls("GET /3/auth/"), 3);
}

TEST_F(HttpPlatformClientTest, GivesUpAfterTheRetriesAsUnavailable) {
  sim_->Control("POST", "faults", {{"path", "/3/auth/"}, {"status", 500}});
  absl::StatusOr<PlatformUser> user = client_->Authenticate(testing::kSimAcmeAdminToken);
  EXPECT_EQ(user.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(user.status()), "PLATFORM_UNAVAILABLE");
  EXPECT_EQ(sim_->Calls("GET /3/auth/"), 3) << "one try and two retries";
}

TEST_F(HttpPlatformClientTest, RateLimitingIsNotRetriedAndKeepsRetryAfter) {
  sim_->Control("POST", "faults",
                {{"path", "/3/auth/"}, {"status", 429}, {"count", 1}, {"retry_after", 17}});
  absl::StatusOr<PlatformUser> user = client_->Authenticate(testing::kSimAcmeAdminToken);
  EXPECT_EQ(user.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfterOf(user.status()), absl::Seconds(17));
  EXPECT_EQ(sim_->Calls("GET /3/auth/"), 1);
}

TEST_F(HttpPlatformClientTest, AClosedConnectionIsRetried) {
  sim_->Control("POST", "faults", {{"path", "/3/auth/"}, {"status", -1}, {"count", 1}});
  EXPECT_TRUE(client_->Authenticate(testing::kSimAcmeAdminToken).ok());
  EXPECT_EQ(sim_->Calls("GET /3/auth/"), 2) << "the closed one and its retry";
}

TEST_F(HttpPlatformClientTest, ASlowPlatformIsCutOffAtTheBudget) {
  sim_->Control("POST", "faults", {{"path", "/3/auth/"}, {"status", 0}, {"delay_ms", 5000}});
  HttpPlatformClient quick({.base_url = sim_->url(),
                            .timeout = absl::Milliseconds(500),
                            .retries = 2,
                            .backoff = absl::Milliseconds(10)});
  const absl::Time start = absl::Now();
  absl::StatusOr<PlatformUser> user = quick.Authenticate(testing::kSimAcmeAdminToken);
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(user.status().code(), absl::StatusCode::kUnavailable);
  // Three attempts of 500 ms each would take 1.5 s; the budget is 500 ms for all of them.
  EXPECT_GE(took, absl::Milliseconds(450));
  EXPECT_LT(took, absl::Milliseconds(1400)) << "the budget bounds all attempts together";
}

TEST_F(HttpPlatformClientTest, NobodyListeningIsUnavailable) {
  HttpPlatformClient nowhere({.base_url = "http://127.0.0.1:1",
                              .timeout = absl::Seconds(1),
                              .retries = 1,
                              .backoff = absl::Milliseconds(10)});
  EXPECT_EQ(nowhere.Authenticate("t").status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(HttpPlatformClientTest, WebhooksAreCreatedOnceListedAndDeleted) {
  const std::string url = "https://notify.test/api/webhook/";
  ASSERT_TRUE(
      client_->CreateWebhook(testing::kSimAcmeAdminToken, url, "user.create", "s3cret").ok());
  EXPECT_TRUE(
      client_->CreateWebhook(testing::kSimAcmeAdminToken, url, "user.create", "s3cret").ok())
      << "an existing subscription is a success";
  ASSERT_TRUE(
      client_->CreateWebhook(testing::kSimAcmeAdminToken, url, "transaction.create", "s3cret")
          .ok());
  ASSERT_TRUE(client_
                  ->CreateWebhook(testing::kSimAcmeAdminToken, "https://elsewhere.test/",
                                  "user.create", "x")
                  .ok());
  absl::StatusOr<std::vector<PlatformWebhook>> mine =
      client_->ListWebhooks(testing::kSimAcmeAdminToken, url);
  ASSERT_TRUE(mine.ok()) << mine.status();
  ASSERT_EQ(mine->size(), 2u);
  for (const PlatformWebhook& webhook : *mine) {
    EXPECT_TRUE(client_->DeleteWebhook(testing::kSimAcmeAdminToken, webhook.id).ok());
  }
  EXPECT_TRUE(client_->ListWebhooks(testing::kSimAcmeAdminToken, url)->empty());
  EXPECT_EQ(sim_->Webhooks("acme").size(), 1u) << "the other URL's subscription stays";
  EXPECT_EQ(client_->DeleteWebhook(testing::kSimAcmeAdminToken, "999999").code(),
            absl::StatusCode::kNotFound);
}

TEST_F(HttpPlatformClientTest, ReadsUsersOfItsOwnCompanyOnly) {
  absl::StatusOr<PlatformUser> user =
      client_->GetUser(testing::kSimAcmeAdminToken, testing::kSimAcmeUserId);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->id, testing::kSimAcmeUserId);
  EXPECT_EQ(user->email, "thabo.nkosi@mail.example");
  EXPECT_EQ(user->mobile, "+447700900456");
  EXPECT_EQ(user->company, "acme");
  EXPECT_EQ(
      client_->GetUser(testing::kSimGlobexAdminToken, testing::kSimAcmeUserId).status().code(),
      absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace notify
