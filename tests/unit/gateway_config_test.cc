#include "gateway/config.h"

#include <fstream>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_env.h"

namespace notify::gateway {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<GatewayConfig> Parse(std::vector<std::string> args,
                                    std::map<std::string, std::string> env = {}) {
  absl::StatusOr<Settings> settings =
      GatewaySettingsParser().Parse(args, ::notify::testing::FakeEnv(env));
  if (!settings.ok()) return settings.status();
  return GatewayConfigFromSettings(*settings);
}

TEST(GatewayConfigTest, Defaults) {
  absl::StatusOr<GatewayConfig> config = Parse({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "0.0.0.0:8080");
  EXPECT_EQ(config->server, "127.0.0.1:50051");
  EXPECT_EQ(config->threads, 2);
  EXPECT_EQ(config->body_limit, 1024u * 1024u);
  EXPECT_EQ(config->call_timeout, absl::Seconds(4));
  EXPECT_EQ(config->idle_timeout, absl::Seconds(60));
}

TEST(GatewayConfigTest, TwinsAndFlags) {
  absl::StatusOr<GatewayConfig> config =
      Parse({"--threads=4"}, {{"NOTIFY_GATEWAY_LISTEN", "127.0.0.1:0"},
                              {"NOTIFY_GATEWAY_SERVER", "server:9000"},
                              {"NOTIFY_GATEWAY_THREADS", "8"},
                              {"NOTIFY_GATEWAY_BODY_LIMIT", "2048"},
                              {"NOTIFY_GATEWAY_CALL_TIMEOUT", "1500ms"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "127.0.0.1:0");
  EXPECT_EQ(config->server, "server:9000");
  EXPECT_EQ(config->threads, 4);
  EXPECT_EQ(config->body_limit, 2048u);
  EXPECT_EQ(config->call_timeout, absl::Milliseconds(1500));
}

TEST(GatewayConfigTest, InvalidValuesNameTheSetting) {
  EXPECT_THAT(Parse({"--server=nowhere"}).status().message(),
              HasSubstr("--server (NOTIFY_GATEWAY_SERVER) must be HOST:PORT"));
  EXPECT_THAT(Parse({"--threads=0"}).status().message(),
              HasSubstr("--threads (NOTIFY_GATEWAY_THREADS) must be a whole number from 1 to 256"));
  EXPECT_THAT(Parse({"--body-limit=10"}).status().message(),
              HasSubstr("--body-limit (NOTIFY_GATEWAY_BODY_LIMIT)"));
  EXPECT_THAT(Parse({"--call-timeout=forever"}).status().message(),
              HasSubstr("--call-timeout (NOTIFY_GATEWAY_CALL_TIMEOUT) must be a duration"));
  EXPECT_THAT(Parse({"--server-tls-ca=/nonexistent/ca.pem"}).status().message(),
              HasSubstr("--server-tls-ca (NOTIFY_GATEWAY_SERVER_TLS_CA) names a file that cannot "
                        "be read"));
  EXPECT_THAT(Parse({"--server-tls-ca=/proc/self/cmdline"}).status().message(),
              HasSubstr("--server-tls-ca (NOTIFY_GATEWAY_SERVER_TLS_CA) names a file that is not "
                        "PEM"));
  EXPECT_THAT(Parse({"--server-tls-name=localhost"}).status().message(),
              HasSubstr("--server-tls-ca (NOTIFY_GATEWAY_SERVER_TLS_CA) is needed"));
  const std::string pem = ::testing::TempDir() + "/notify-gateway-config-test.pem";
  {
    std::ofstream file(pem);
    file << "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
  }
  EXPECT_THAT(Parse({"--server-tls-ca=" + pem, "--server-tls-cert=" + pem}).status().message(),
              HasSubstr("give both or neither"));
}

}  // namespace
}  // namespace notify::gateway
