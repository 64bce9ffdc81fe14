#include "server/common/settings.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_env.h"

namespace notify {
namespace {

using ::notify::testing::FakeEnv;
using ::testing::HasSubstr;

SettingsParser Parser() {
  return SettingsParser("prog", "A test program.",
                        {
                            {"listen", "T_LISTEN", "0.0.0.0:80", "Where to listen."},
                            {"count", "T_COUNT", "3", "How many."},
                            {"timeout", "T_TIMEOUT", "10s", "How long."},
                            {"url", "T_URL", "", "Where."},
                            {"password", "T_PASSWORD", "", "Secret.", false, true},
                            {"dry-run", "T_DRY_RUN", "false", "Do nothing.", true},
                        });
}

TEST(SettingsTest, DefaultsApplyWhenNothingIsGiven) {
  absl::StatusOr<Settings> s = Parser().Parse({}, FakeEnv({}));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->Get("listen"), "0.0.0.0:80");
  EXPECT_EQ(s->Source("listen"), SettingSource::kDefault);
  EXPECT_EQ(*s->GetInt("count", 0, 10), 3);
  EXPECT_EQ(*s->GetDuration("timeout", absl::ZeroDuration()), absl::Seconds(10));
  EXPECT_FALSE(*s->GetBool("dry-run"));
}

TEST(SettingsTest, EnvironmentOverridesDefaultAndFlagOverridesEnvironment) {
  absl::StatusOr<Settings> s =
      Parser().Parse({"--count=7"}, FakeEnv({{"T_COUNT", "5"}, {"T_LISTEN", "1.2.3.4:5"}}));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->Get("count"), "7");
  EXPECT_EQ(s->Source("count"), SettingSource::kFlag);
  EXPECT_EQ(s->Get("listen"), "1.2.3.4:5");
  EXPECT_EQ(s->Source("listen"), SettingSource::kEnvironment);
}

TEST(SettingsTest, AcceptsValueAsNextArgumentAndBareSwitches) {
  absl::StatusOr<Settings> s = Parser().Parse({"--url", "http://x", "--dry-run"}, FakeEnv({}));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->Get("url"), "http://x");
  EXPECT_TRUE(*s->GetBool("dry-run"));
}

TEST(SettingsTest, RejectsUnknownFlagMissingValueAndPositionalArguments) {
  absl::StatusOr<Settings> unknown = Parser().Parse({"--colour=red"}, FakeEnv({}));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown flag --colour"));

  absl::StatusOr<Settings> missing = Parser().Parse({"--url"}, FakeEnv({}));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("--url needs a value"));

  absl::StatusOr<Settings> positional = Parser().Parse({"serve"}, FakeEnv({}));
  EXPECT_EQ(positional.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(positional.status().message(), HasSubstr("unexpected argument \"serve\""));
}

TEST(SettingsTest, HelpAndVersionAreRecognised) {
  absl::StatusOr<Settings> s = Parser().Parse({"--help"}, FakeEnv({}));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->help_requested());
  EXPECT_TRUE(Parser().Parse({"--version"}, FakeEnv({}))->version_requested());
  const std::string usage = Parser().Usage();
  EXPECT_THAT(usage, HasSubstr("--count=VALUE"));
  EXPECT_THAT(usage, HasSubstr("environment: T_COUNT; default: 3"));
  EXPECT_THAT(usage, HasSubstr("--dry-run\n"));
}

TEST(SettingsTest, TypedGettersNameTheSettingAndItsTwinInErrors) {
  absl::StatusOr<Settings> s = Parser().Parse(
      {"--count=many", "--timeout=soon", "--dry-run=perhaps", "--listen=nowhere"}, FakeEnv({}));
  ASSERT_TRUE(s.ok());
  absl::StatusOr<int64_t> count = s->GetInt("count", 1, 10);
  EXPECT_EQ(count.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(count.status().message(),
            "--count (T_COUNT) must be a whole number from 1 to 10, got \"many\"");
  EXPECT_THAT(s->GetDuration("timeout", absl::ZeroDuration()).status().message(),
              HasSubstr("--timeout (T_TIMEOUT) must be a duration"));
  EXPECT_THAT(s->GetBool("dry-run").status().message(),
              HasSubstr("--dry-run (T_DRY_RUN) must be true or false"));
  EXPECT_THAT(s->GetHostPort("listen").status().message(), HasSubstr("must be HOST:PORT"));
  EXPECT_THAT(s->GetRequired("url").status().message(), HasSubstr("--url (T_URL) is required"));
}

TEST(SettingsTest, OutOfRangeNumbersAreRejected) {
  absl::StatusOr<Settings> s = Parser().Parse({"--count=11"}, FakeEnv({}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->GetInt("count", 1, 10).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*s->GetInt("count", 1, 11), 11);
}

TEST(SettingsTest, SecretValuesAreNeverEchoed) {
  absl::StatusOr<Settings> s = Parser().Parse({"--password=hunter2"}, FakeEnv({}));
  ASSERT_TRUE(s.ok());
  absl::StatusOr<int64_t> bad = s->GetInt("password", 0, 1);
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::Not(HasSubstr("hunter2")));
}

TEST(SettingsTest, HostPortAcceptsPortZeroAndBracketedIpv6) {
  absl::StatusOr<Settings> s = Parser().Parse({"--listen=[::1]:0"}, FakeEnv({}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s->GetHostPort("listen"), "[::1]:0");
  for (const char* bad : {"host", ":80", "host:65536", "host:-1", "[::1:80"}) {
    absl::StatusOr<Settings> b = Parser().Parse({std::string("--listen=") + bad}, FakeEnv({}));
    ASSERT_TRUE(b.ok());
    EXPECT_FALSE(b->GetHostPort("listen").ok()) << bad;
  }
}

TEST(SettingsTest, HttpUrlMustHaveAnHttpScheme) {
  absl::StatusOr<Settings> s = Parser().Parse({"--url=ftp://x"}, FakeEnv({}));
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(s->GetHttpUrl("url", true).status().message(),
              HasSubstr("must be an http:// or https:// URL"));
  EXPECT_EQ(*Parser().Parse({}, FakeEnv({}))->GetHttpUrl("url", true), "");
  EXPECT_FALSE(Parser().Parse({}, FakeEnv({}))->GetHttpUrl("url", false).ok());
}

TEST(RedactUrlTest, HidesPasswordsInUrlsAndConnectionStrings) {
  EXPECT_EQ(RedactUrl("postgresql://app:s3cret@db:5432/notify"),
            "postgresql://app:***@db:5432/notify");
  EXPECT_EQ(RedactUrl("postgresql://app@db/notify"), "postgresql://app@db/notify");
  EXPECT_EQ(RedactUrl("host=db user=app password=s3cret dbname=notify"),
            "host=db user=app password=*** dbname=notify");
  EXPECT_EQ(RedactUrl("postgresql://db/notify?user=app&password=s3cret&sslmode=require"),
            "postgresql://db/notify?user=app&password=***&sslmode=require");
  EXPECT_EQ(RedactUrl("postgresql://a:b@c@db/x"), "postgresql://a:***@db/x");
}

}  // namespace
}  // namespace notify
