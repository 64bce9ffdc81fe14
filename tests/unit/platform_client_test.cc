// The platform client's pure parts: reading answers and mapping statuses.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/authorizer.h"
#include "server/auth/http_platform_client.h"
#include "server/common/status.h"

namespace notify {
namespace {

TEST(StatusFromPlatformAnswerTest, MapsEveryClassOfAnswer) {
  EXPECT_TRUE(StatusFromPlatformAnswer(200, "{}", std::nullopt, "GET /3/auth/").ok());
  EXPECT_TRUE(StatusFromPlatformAnswer(201, "{}", std::nullopt, "POST /x").ok());

  absl::Status unauthenticated = StatusFromPlatformAnswer(401, "", std::nullopt, "GET /3/auth/");
  EXPECT_EQ(unauthenticated.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(unauthenticated), "TOKEN_INVALID");

  EXPECT_EQ(StatusFromPlatformAnswer(403, "", std::nullopt, "x").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(StatusFromPlatformAnswer(404, "", std::nullopt, "x").code(),
            absl::StatusCode::kNotFound);

  absl::Status limited = StatusFromPlatformAnswer(429, "", absl::Seconds(12), "x");
  EXPECT_EQ(limited.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfterOf(limited), absl::Seconds(12));
  EXPECT_EQ(RetryAfterOf(StatusFromPlatformAnswer(429, "", std::nullopt, "x")), absl::Seconds(1));

  for (long code : {400L, 405L, 500L, 502L, 503L, 302L}) {
    absl::Status other = StatusFromPlatformAnswer(code, R"({"status":"error","message":"Boom."})",
                                                  std::nullopt, "GET /3/auth/");
    EXPECT_EQ(other.code(), absl::StatusCode::kUnavailable) << code;
    EXPECT_EQ(ReasonOf(other), "PLATFORM_UNAVAILABLE");
    EXPECT_THAT(other.message(), ::testing::HasSubstr("Boom."));
  }
}

TEST(ParsePlatformUserTest, ReadsTheAuthAnswer) {
  const nlohmann::json data = nlohmann::json::parse(R"({
    "id": "5f1d6a8e-3c2b-4f0a-9d7e-2b8c1a4e6f01", "username": "ops", "email": "ops@acme.example",
    "mobile": "+27820000001", "first_name": "Olga", "last_name": "Ops", "company": "acme",
    "groups": [{"name": "admin", "label": "Admin", "section": "admin"}, {"name": "user"}]})");
  absl::StatusOr<PlatformUser> user = ParsePlatformUser(data);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->id, "5f1d6a8e-3c2b-4f0a-9d7e-2b8c1a4e6f01");
  EXPECT_EQ(user->company, "acme");
  EXPECT_EQ(user->email, "ops@acme.example");
  EXPECT_EQ(user->first_name, "Olga");
  EXPECT_THAT(user->groups, ::testing::ElementsAre("admin", "user"));
  EXPECT_TRUE(user->IsAdmin());
  EXPECT_EQ(user->raw["mobile"], "+27820000001");
}

TEST(ParsePlatformUserTest, ServiceUsersAreAdminsPlainUsersAreNot) {
  EXPECT_TRUE(ParsePlatformUser({{"id", "1"}, {"groups", {{{"name", "service"}}}}})->IsAdmin());
  EXPECT_FALSE(ParsePlatformUser({{"id", "1"}, {"groups", {{{"name", "user"}}}}})->IsAdmin());
  EXPECT_FALSE(ParsePlatformUser({{"id", "1"}})->IsAdmin());
  EXPECT_FALSE(ParsePlatformUser({{"email", "x"}}).ok());
  EXPECT_EQ(ParsePlatformUser({{"id", "1"}, {"company", {{"id", "acme"}}}})->company, "acme");
}

TEST(TokenFromAuthorizationTest, AcceptsOnlyTheTokenScheme) {
  EXPECT_EQ(*TokenFromAuthorization("Token abc123"), "abc123");
  EXPECT_EQ(*TokenFromAuthorization("token   abc123  "), "abc123");
  EXPECT_EQ(*TokenFromAuthorization("TOKEN abc123"), "abc123");
  for (const char* bad : {"", "Token", "Token ", "Bearer abc", "abc123", "Token a b"}) {
    absl::StatusOr<std::string> token = TokenFromAuthorization(bad);
    EXPECT_EQ(token.status().code(), absl::StatusCode::kUnauthenticated) << bad;
    EXPECT_EQ(ReasonOf(token.status()), "UNAUTHENTICATED");
  }
}

}  // namespace
}  // namespace notify
