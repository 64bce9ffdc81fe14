// The checks in front of every AdminService and UserService call, with a fake platform and store.
#include "server/auth/authorizer.h"

#include <string>

#include "gtest/gtest.h"
#include "server/common/status.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_company_store.h"
#include "tests/fakes/fake_platform_client.h"

namespace notify {
namespace {

using ::notify::testing::FakeCompanyStore;
using ::notify::testing::FakePlatformClient;

class AuthorizerTest : public ::testing::Test {
 protected:
  AuthorizerTest()
      : cache_({.ttl = absl::Seconds(60)}, &clock_),
        box_(*SecretBox::FromHex(std::string(64, 'a'))),
        directory_(&store_, &box_, &clock_, absl::Seconds(5)),
        authorizer_(&platform_, &cache_, &directory_) {
    platform_.AddUser("admin", "u-admin", "acme", {"admin"});
    platform_.AddUser("service", "u-service", "acme", {"service"});
    platform_.AddUser("user", "u-user", "acme", {"user"});
    platform_.AddUser("other", "u-other", "globex", {"admin"});
    platform_.AddUser("orphan", "u-orphan", "", {"admin"});
    CompanyRecord acme;
    acme.id = "acme";
    acme.active = true;
    acme.sealed_webhook_secret = box_.Seal("acme-secret", "companies.webhook_secret:acme");
    store_.Put(acme);
    CompanyRecord globex;
    globex.id = "globex";
    globex.active = false;
    store_.Put(globex);
  }

  FakeClock clock_;
  FakePlatformClient platform_;
  FakeCompanyStore store_;
  TokenCache cache_;
  SecretBox box_;
  CompanyDirectory directory_;
  Authorizer authorizer_;
};

TEST_F(AuthorizerTest, UserCallsNeedOnlyAValidTokenOfAnActiveCompany) {
  for (const char* token : {"admin", "service", "user"}) {
    absl::StatusOr<Caller> caller = authorizer_.User(std::string("Token ") + token);
    ASSERT_TRUE(caller.ok()) << token << ": " << caller.status();
    EXPECT_EQ(caller->company, "acme");
  }
  absl::StatusOr<Caller> user = authorizer_.User("Token user");
  EXPECT_EQ(user->user.id, "u-user");
  EXPECT_FALSE(user->admin);
}

TEST_F(AuthorizerTest, AdminCallsNeedTheAdminOrServiceGroup) {
  EXPECT_TRUE(authorizer_.Admin("Token admin")->admin);
  EXPECT_TRUE(authorizer_.Admin("Token service")->admin);
  absl::StatusOr<Caller> user = authorizer_.Admin("Token user");
  EXPECT_EQ(user.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(user.status()), "ADMIN_REQUIRED");
}

TEST_F(AuthorizerTest, MissingAndRejectedTokensAreUnauthenticated) {
  EXPECT_EQ(ReasonOf(authorizer_.User("").status()), "UNAUTHENTICATED");
  absl::StatusOr<Caller> rejected = authorizer_.User("Token nobody");
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(rejected.status()), "TOKEN_INVALID");
}

TEST_F(AuthorizerTest, WhatCannotBeATokenIsRefusedWithoutAskingThePlatform) {
  for (const std::string& token : {std::string(513, 'a'),
                                   std::string("ab\x01"
                                               "cd"),
                                   std::string("caf\xc3\xa9")}) {
    absl::StatusOr<Caller> caller = authorizer_.User("Token " + token);
    EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(ReasonOf(caller.status()), "TOKEN_INVALID");
  }
  EXPECT_EQ(platform_.authenticate_calls(), 0);
  EXPECT_TRUE(IsTokenSyntax(std::string(512, 'a')));
  EXPECT_TRUE(IsTokenSyntax("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(IsTokenSyntax(""));
  EXPECT_FALSE(IsTokenSyntax("a b"));
}

TEST_F(AuthorizerTest, InactiveUnknownOrMissingCompaniesAreRefused) {
  absl::StatusOr<Caller> inactive = authorizer_.User("Token other");
  EXPECT_EQ(inactive.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(inactive.status().message(), "Inactive company.");
  EXPECT_EQ(ReasonOf(inactive.status()), "COMPANY_INACTIVE");
  EXPECT_EQ(authorizer_.Admin("Token orphan").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(AuthorizerTest, PlatformAndDatabaseOutagesAreUnavailable) {
  platform_.FailAllWith(absl::UnavailableError("down"));
  EXPECT_EQ(authorizer_.User("Token user").status().code(), absl::StatusCode::kUnavailable);
  platform_.FailAllWith(std::nullopt);
  store_.FailWith(absl::UnavailableError("db down"));
  EXPECT_EQ(authorizer_.User("Token user").status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(AuthorizerTest, TheCompanysStateIsRememberedUntilForgotten) {
  ASSERT_TRUE(authorizer_.User("Token user").ok());
  ASSERT_TRUE(authorizer_.User("Token admin").ok());
  EXPECT_EQ(store_.get_calls(), 1);
  CompanyRecord acme = *store_.Get("acme");
  acme.active = false;
  store_.Put(acme);
  EXPECT_TRUE(authorizer_.User("Token user").ok()) << "still remembered as active";
  directory_.Forget("acme");
  EXPECT_EQ(authorizer_.User("Token user").status().code(), absl::StatusCode::kFailedPrecondition);
  acme.active = true;
  store_.Put(acme);
  clock_.Advance(absl::Seconds(6));
  EXPECT_TRUE(authorizer_.User("Token user").ok()) << "the ttl passed";
}

TEST_F(AuthorizerTest, TheDirectorySharesOneRecordUntilANewerReplacesIt) {
  absl::StatusOr<std::shared_ptr<const CompanyRecord>> first = directory_.Find("acme");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)->id, "acme");
  EXPECT_EQ(directory_.Find("acme")->get(), first->get()) << "shared, not read again";
  EXPECT_EQ(directory_.Get("acme")->id, "acme");
  CompanyRecord acme = *store_.Get("acme");
  acme.name = "Acme Renamed";
  store_.Put(acme);
  directory_.Forget("acme");
  absl::StatusOr<std::shared_ptr<const CompanyRecord>> second = directory_.Find("acme");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->name, "Acme Renamed");
  EXPECT_EQ((*first)->name, "") << "a record handed out never changes";
  EXPECT_EQ(directory_.Find("nobody").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AuthorizerTest, MadeUpCompanyNamesPushOutOnlyEachOther) {
  CompanyDirectory directory(&store_, &box_, &clock_, absl::Seconds(5), {.known = 2, .unknown = 3});
  ASSERT_TRUE(*directory.IsActive("acme"));
  const int reads = store_.get_calls();
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(directory.CheckWebhookSecret("made-up-" + std::to_string(i), "x").code(),
              absl::StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(store_.get_calls(), reads + 100);
  EXPECT_EQ(directory.known_size(), 1u);
  EXPECT_EQ(directory.unknown_size(), 3u) << "unknown names are bounded on their own";
  ASSERT_TRUE(*directory.IsActive("acme"));
  EXPECT_EQ(store_.get_calls(), reads + 100) << "acme is still remembered";
  EXPECT_FALSE(*directory.IsActive("made-up-99"));
  EXPECT_EQ(store_.get_calls(), reads + 100) << "a name asked again within the ttl costs nothing";
}

TEST_F(AuthorizerTest, WebhookSecretsMustMatchAnActiveCompany) {
  EXPECT_TRUE(directory_.CheckWebhookSecret("acme", "acme-secret").ok());
  for (const auto& [company, secret] :
       std::vector<std::pair<std::string, std::string>>{{"acme", "wrong"},
                                                        {"acme", ""},
                                                        {"acme", "acme-secreT"},
                                                        {"globex", "acme-secret"},
                                                        {"nobody", "acme-secret"}}) {
    absl::Status status = directory_.CheckWebhookSecret(company, secret);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << company << " " << secret;
    EXPECT_EQ(ReasonOf(status), "WEBHOOK_SECRET_INVALID");
  }
  const int reads = store_.get_calls();
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(directory_.CheckWebhookSecret("acme", "acme-secret").ok());
  EXPECT_EQ(store_.get_calls(), reads) << "remembered: the webhook path does not read the company";
  store_.FailWith(absl::UnavailableError("db down"));
  EXPECT_EQ(directory_.CheckWebhookSecret("globex2", "x").code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace notify
