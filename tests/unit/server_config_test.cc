#include "server/app/config.h"

#include <fstream>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_env.h"

namespace notify {
namespace {

using ::testing::HasSubstr;

constexpr char kKey[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// Parses with a valid secret key in the environment unless `env` says otherwise.
absl::StatusOr<ServerConfig> Parse(std::vector<std::string> args,
                                   std::map<std::string, std::string> env = {}) {
  env.try_emplace("NOTIFY_SECRET_KEY", kKey);
  absl::StatusOr<Settings> settings =
      ServerSettingsParser().Parse(args, ::notify::testing::FakeEnv(env));
  if (!settings.ok()) return settings.status();
  return ServerConfigFromSettings(*settings);
}

TEST(ServerConfigTest, DefaultsNeedOnlyADatabaseUrl) {
  absl::StatusOr<ServerConfig> config = Parse({"--database-url=postgresql://db/notify"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "127.0.0.1:50051") << "this host only, unless told otherwise";
  EXPECT_TRUE(config->tls.cert_chain.empty());
  EXPECT_FALSE(config->reflection);
  EXPECT_EQ(config->database_url, "postgresql://db/notify");
  EXPECT_EQ(config->platform_url, "https://api.rehive.com");
  EXPECT_EQ(config->public_url, "");
  EXPECT_EQ(config->db_pool_size, 16);
  EXPECT_EQ(config->db_acquire_timeout, absl::Seconds(5));
  EXPECT_EQ(config->shutdown_timeout, absl::Seconds(10));
  EXPECT_EQ(config->log_level, log::Level::kInfo);
  EXPECT_FALSE(config->migrate_only);
  EXPECT_TRUE(config->deliver);
  EXPECT_EQ(config->engine.retry.max_attempts, 8);
  EXPECT_EQ(config->engine.retry.base, absl::Seconds(60));
  EXPECT_EQ(config->engine.send_lease, absl::Minutes(2));
  EXPECT_EQ(config->engine.handoff_limit, 1000);
  EXPECT_EQ(config->engine.event_batch, 100);
  EXPECT_EQ(config->sender.timeout, absl::Seconds(30));
  EXPECT_EQ(config->channels.twilio.url, "https://api.twilio.com");
  EXPECT_TRUE(config->channels.smtp.url.empty());
}

TEST(ServerConfigTest, DeliverySettingsAreReadAndChecked) {
  absl::StatusOr<ServerConfig> config =
      Parse({"--database-url=postgresql://db/notify", "--smtp-url=smtp://mail:2525",
             "--twilio-url=http://peer:1/", "--twilio-account-sid=AC1",
             "--twilio-from=+15550001111", "--sms-senders=7", "--delivery-max-attempts=3",
             "--lease=90s", "--send-queue=250", "--event-batch=200"},
            {{"NOTIFY_TWILIO_AUTH_TOKEN", "t0ken"}, {"NOTIFY_SMTP_PASSWORD", "pw"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->channels.smtp.url, "smtp://mail:2525");
  EXPECT_EQ(config->channels.smtp.password, "pw");
  EXPECT_EQ(config->channels.twilio.url, "http://peer:1") << "no trailing slash";
  EXPECT_EQ(config->channels.twilio.auth_token, "t0ken");
  EXPECT_EQ(config->engine.senders.at(notifications::v1::NOTIFICATION_TYPE_SMS), 7);
  EXPECT_EQ(config->engine.retry.max_attempts, 3);
  EXPECT_EQ(config->engine.event_lease, absl::Seconds(90));
  EXPECT_EQ(config->engine.handoff_limit, 250);
  EXPECT_EQ(config->engine.event_batch, 200);

  auto error = [](std::vector<std::string> args) {
    args.push_back("--database-url=postgresql://db/notify");
    absl::StatusOr<ServerConfig> c = Parse(args);
    return c.ok() ? std::string("ok") : std::string(c.status().message());
  };
  EXPECT_THAT(error({"--smtp-url=http://mail"}), HasSubstr("--smtp-url"));
  EXPECT_THAT(error({"--smtp-url=smtp://user:pw@mail"}),
              HasSubstr("with no user or password in it"));
  EXPECT_THAT(error({"--twilio-account-sid=AC1"}), HasSubstr("--twilio-auth-token"));
  EXPECT_THAT(error({"--tls-cert=/nonexistent/server.pem"}),
              HasSubstr("--tls-cert (NOTIFY_TLS_CERT) names a file that cannot be read: "
                        "\"/nonexistent/server.pem\""));
  EXPECT_THAT(error({"--tls-cert=/dev/null"}),
              HasSubstr("--tls-cert (NOTIFY_TLS_CERT) names an empty file"))
      << "never TLS silently off";
  // The checks stop at what makes no sense before TLS ever starts; gRPC checks the PEM itself.
  const std::string pem = ::testing::TempDir() + "/notify-config-test.pem";
  {
    std::ofstream file(pem);
    file << "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
  }
  EXPECT_THAT(error({"--tls-key=" + pem}), HasSubstr("give both or neither"));
  EXPECT_THAT(error({"--tls-client-ca=" + pem}), HasSubstr("needs --tls-cert"));
  EXPECT_THAT(error({"--tls-cert=/proc/self/cmdline", "--tls-key=" + pem}),
              HasSubstr("--tls-cert (NOTIFY_TLS_CERT) names a file that is not PEM"));
  EXPECT_THAT(error({"--reflection=maybe"}), HasSubstr("--reflection"));
  EXPECT_THAT(error({"--lease=10s", "--send-timeout=30s"}), HasSubstr("--lease"));
  EXPECT_THAT(error({"--delivery-max-attempts=0"}), HasSubstr("--delivery-max-attempts"));
  EXPECT_THAT(error({"--send-queue=0"}), HasSubstr("--send-queue"));
  EXPECT_THAT(error({"--event-batch=0"}), HasSubstr("--event-batch"));
  EXPECT_THAT(error({"--event-batch=1001"}), HasSubstr("--event-batch"));
  EXPECT_THAT(error({"--fcm-credentials-file=/nonexistent"}), HasSubstr("--fcm-credentials-file"));
}

TEST(ServerConfigTest, SmtpPasswordIsEnvironmentOnly) {
  absl::StatusOr<ServerConfig> config =
      Parse({"--database-url=postgresql://db/notify", "--smtp-password=pw"});
  EXPECT_FALSE(config.ok());
}

TEST(ServerConfigTest, MissingDatabaseUrlNamesTheFlagAndItsTwin) {
  absl::StatusOr<ServerConfig> config = Parse({});
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(), "--database-url (NOTIFY_DATABASE_URL) is required");
}

TEST(ServerConfigTest, EnvironmentTwinsAreRead) {
  absl::StatusOr<ServerConfig> config = Parse({}, {{"NOTIFY_DATABASE_URL", "host=db dbname=notify"},
                                                   {"NOTIFY_LISTEN", "127.0.0.1:0"},
                                                   {"NOTIFY_DB_POOL_SIZE", "3"},
                                                   {"NOTIFY_LOG_LEVEL", "debug"},
                                                   {"NOTIFY_MIGRATE_ONLY", "true"},
                                                   {"NOTIFY_SHUTDOWN_TIMEOUT", "2s"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "127.0.0.1:0");
  EXPECT_EQ(config->db_pool_size, 3);
  EXPECT_EQ(config->log_level, log::Level::kDebug);
  EXPECT_TRUE(config->migrate_only);
  EXPECT_EQ(config->shutdown_timeout, absl::Seconds(2));
}

TEST(ServerConfigTest, FlagsWinOverTwins) {
  absl::StatusOr<ServerConfig> config =
      Parse({"--db-pool-size=5"},
            {{"NOTIFY_DATABASE_URL", "postgresql://db/x"}, {"NOTIFY_DB_POOL_SIZE", "3"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->db_pool_size, 5);
}

TEST(ServerConfigTest, UrlsAreNormalised) {
  absl::StatusOr<ServerConfig> config =
      Parse({"--database-url=postgresql://db/x", "--platform-url=http://platform.local:9000/",
             "--public-url=https://notify.example.com/api"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->platform_url, "http://platform.local:9000");
  EXPECT_EQ(config->public_url, "https://notify.example.com/api/");
}

TEST(ServerConfigTest, InvalidValuesAreRejectedWithTheSettingNamed) {
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"--database-url=mysql://db/x"},
       "--database-url (NOTIFY_DATABASE_URL) must be a postgresql://"},
      {{"--database-url=postgresql://db/x", "--listen=50051"},
       "--listen (NOTIFY_LISTEN) must be HOST:PORT"},
      {{"--database-url=postgresql://db/x", "--platform-url=api.rehive.com"},
       "--platform-url (NOTIFY_PLATFORM_URL) must be an http:// or https:// URL"},
      {{"--database-url=postgresql://db/x", "--public-url=notify.example.com"},
       "--public-url (NOTIFY_PUBLIC_URL) must be an http:// or https:// URL"},
      {{"--database-url=postgresql://db/x", "--db-pool-size=0"},
       "--db-pool-size (NOTIFY_DB_POOL_SIZE) must be a whole number from 1 to 200"},
      {{"--database-url=postgresql://db/x", "--shutdown-timeout=-1s"},
       "--shutdown-timeout (NOTIFY_SHUTDOWN_TIMEOUT) must be a duration"},
      {{"--database-url=postgresql://db/x", "--log-level=loud"},
       "--log-level (NOTIFY_LOG_LEVEL): unknown log level \"loud\""},
      {{"--database-url=postgresql://db/x", "--migrate-only=maybe"},
       "--migrate-only (NOTIFY_MIGRATE_ONLY) must be true or false"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ServerConfig> config = Parse(c.args);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << c.expected;
    EXPECT_THAT(config.status().message(), HasSubstr(c.expected));
  }
}

TEST(ServerConfigTest, DatabasePasswordIsNotEchoedInErrors) {
  absl::StatusOr<ServerConfig> config = Parse({"--database-url=mysql://u:topsecret@db/x"});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), ::testing::Not(HasSubstr("topsecret")));
}

TEST(ServerConfigTest, SecretKeyComesFromTheEnvironmentOrAFile) {
  absl::StatusOr<ServerConfig> from_env = Parse({"--database-url=postgresql://db/x"});
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_EQ(from_env->secret_key_hex, kKey);

  const std::string path = ::testing::TempDir() + "/notify-key";
  {
    std::ofstream file(path);
    file << kKey << "\n";
  }
  absl::StatusOr<ServerConfig> from_file =
      Parse({"--database-url=postgresql://db/x", "--secret-key-file=" + path},
            {{"NOTIFY_SECRET_KEY", ""}});
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(from_file->secret_key_hex, kKey);
}

TEST(ServerConfigTest, SecretKeyProblemsAreExplainedWithoutEchoingTheKey) {
  absl::StatusOr<ServerConfig> none =
      Parse({"--database-url=postgresql://db/x"}, {{"NOTIFY_SECRET_KEY", ""}});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(none.status().message(), HasSubstr("no secret key: set NOTIFY_SECRET_KEY"));

  absl::StatusOr<ServerConfig> bad =
      Parse({"--database-url=postgresql://db/x"}, {{"NOTIFY_SECRET_KEY", "not-a-key-supersecret"}});
  EXPECT_THAT(bad.status().message(), HasSubstr("64 hex characters"));
  EXPECT_THAT(bad.status().message(), ::testing::Not(HasSubstr("supersecret")));

  absl::StatusOr<ServerConfig> flag =
      Parse({"--database-url=postgresql://db/x", std::string("--secret-key=") + kKey});
  EXPECT_THAT(flag.status().message(), HasSubstr("--secret-key cannot be a flag"));
  EXPECT_THAT(flag.status().message(), ::testing::Not(HasSubstr(kKey)));

  absl::StatusOr<ServerConfig> missing_file =
      Parse({"--database-url=postgresql://db/x", "--secret-key-file=/nonexistent/key"},
            {{"NOTIFY_SECRET_KEY", ""}});
  EXPECT_THAT(missing_file.status().message(), HasSubstr("cannot be read"));

  absl::StatusOr<ServerConfig> migrate_only =
      Parse({"--database-url=postgresql://db/x", "--migrate-only"}, {{"NOTIFY_SECRET_KEY", ""}});
  EXPECT_TRUE(migrate_only.ok()) << "migrating needs no key: " << migrate_only.status();
}

TEST(ServerConfigTest, EventsAreAllByDefaultOrAList) {
  absl::StatusOr<ServerConfig> all = Parse({"--database-url=postgresql://db/x"});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->events.size(), 38u);
  absl::StatusOr<ServerConfig> some =
      Parse({"--database-url=postgresql://db/x", "--events=user.create, transaction.create"});
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_THAT(some->events, ::testing::ElementsAre("user.create", "transaction.create"));
  EXPECT_FALSE(Parse({"--database-url=postgresql://db/x", "--events=,"}).ok());
}

TEST(ServerConfigTest, EveryFlagHasAnEnvironmentTwinAndHelp) {
  const SettingsParser parser = ServerSettingsParser();
  for (const SettingSpec& spec : parser.specs()) {
    EXPECT_FALSE(spec.env.empty()) << spec.flag;
    EXPECT_EQ(spec.env.rfind("NOTIFY_", 0), 0u) << spec.flag;
    EXPECT_FALSE(spec.help.empty()) << spec.flag;
  }
}

}  // namespace
}  // namespace notify
