// Which origins may call the REST face from a browser, and what the answers tell the browser.
#include "gateway/cors.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace notify::gateway {
namespace {

using ::testing::Contains;
using ::testing::Pair;

std::string Header(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST(CorsTest, OnlyTheListedOriginsAreAllowed) {
  Cors cors({"https://dashboard.rehive.com", "https://wallet.example"});
  EXPECT_TRUE(cors.Allowed("https://dashboard.rehive.com"));
  EXPECT_TRUE(cors.Allowed("https://wallet.example"));
  EXPECT_FALSE(cors.Allowed("https://evil.example"));
  EXPECT_FALSE(cors.Allowed("https://dashboard.rehive.com.evil.example"));
  EXPECT_FALSE(cors.Allowed(""));
}

TEST(CorsTest, NoOriginsAllowNoneAndAStarAllowsAny) {
  EXPECT_FALSE(Cors({}).Allowed("https://dashboard.rehive.com"));
  EXPECT_TRUE(Cors({"*"}).Allowed("https://anything.example"));
}

TEST(CorsTest, AnAllowedOriginIsEchoedAndAnotherGetsNothing) {
  Cors cors({"https://dashboard.rehive.com"});
  HttpResponse allowed;
  cors.Decorate("https://dashboard.rehive.com", &allowed);
  EXPECT_EQ(Header(allowed, "Access-Control-Allow-Origin"), "https://dashboard.rehive.com");
  EXPECT_THAT(allowed.headers, Contains(Pair("Vary", "Origin")));
  HttpResponse refused;
  cors.Decorate("https://evil.example", &refused);
  EXPECT_TRUE(refused.headers.empty());
}

TEST(CorsTest, PreflightsAreAnsweredForAllowedOriginsAndMethodsOnly) {
  Cors cors({"https://dashboard.rehive.com"});
  HttpResponse ok = cors.Preflight("https://dashboard.rehive.com", "PATCH", {"GET", "PATCH"});
  EXPECT_EQ(ok.status, 204u);
  EXPECT_EQ(Header(ok, "Access-Control-Allow-Origin"), "https://dashboard.rehive.com");
  EXPECT_THAT(Header(ok, "Access-Control-Allow-Methods"), ::testing::HasSubstr("PATCH"));
  EXPECT_THAT(Header(ok, "Access-Control-Allow-Headers"), ::testing::HasSubstr("Authorization"));
  EXPECT_EQ(cors.Preflight("https://evil.example", "GET", {"GET"}).status, 403u);
  EXPECT_EQ(cors.Preflight("https://dashboard.rehive.com", "DELETE", {"GET"}).status, 403u);
}

}  // namespace
}  // namespace notify::gateway
