#include "server/common/log.h"

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace notify::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetSink([this](absl::string_view line) { lines_.emplace_back(line); });
    SetLevel(Level::kInfo);
  }
  void TearDown() override {
    SetSink(nullptr);
    SetLevel(Level::kInfo);
  }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, WritesOneJsonObjectWithTimeLevelMessageAndFields) {
  Info("listening", {{"address", "127.0.0.1:1"}, {"port", 1}});
  ASSERT_EQ(lines_.size(), 1u);
  const nlohmann::json line = nlohmann::json::parse(lines_[0]);
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["msg"], "listening");
  EXPECT_EQ(line["address"], "127.0.0.1:1");
  EXPECT_EQ(line["port"], 1);
  const std::string time = line["time"];
  EXPECT_EQ(time.size(), 24u) << time;  // 2026-11-28T13:35:07.123Z
  EXPECT_EQ(time.back(), 'Z');
  EXPECT_EQ(lines_[0].find('\n'), std::string::npos);
  EXPECT_EQ(lines_[0].rfind(R"({"time":)", 0), 0u) << "time comes first";
}

TEST_F(LogTest, FieldsAreEscapedAndNeverReplaceTheLinesOwnKeys) {
  SetService("notification-server");
  Info("say \"hi\"\n", {{"msg", "not the message"},
                        {"path", "C:\\x"},
                        {"nested", {{"a", 1}}},
                        {"list", {1, 2}},
                        {"ok", true},
                        {"big", uint64_t{18446744073709551615u}},
                        {"negative", -5}});
  SetService("");
  ASSERT_EQ(lines_.size(), 1u);
  const nlohmann::json line = nlohmann::json::parse(lines_[0]);
  EXPECT_EQ(line["msg"], "say \"hi\"\n");
  EXPECT_EQ(line["service"], "notification-server");
  EXPECT_EQ(line["path"], "C:\\x");
  EXPECT_EQ(line["nested"]["a"], 1);
  EXPECT_EQ(line["list"], nlohmann::json({1, 2}));
  EXPECT_EQ(line["ok"], true);
  EXPECT_EQ(line["big"], uint64_t{18446744073709551615u});
  EXPECT_EQ(line["negative"], -5);
  EXPECT_EQ(line.size(), 10u) << lines_[0];
  EXPECT_EQ(lines_[0].find("not the message"), std::string::npos);
}

TEST_F(LogTest, TheTimeIsUtcToTheMillisecond) {
  const absl::Time before = absl::Now();
  Info("a");
  Info("b");
  const absl::Time after = absl::Now();
  ASSERT_EQ(lines_.size(), 2u);
  for (const std::string& text : lines_) {
    const std::string time = nlohmann::json::parse(text)["time"];
    absl::Time parsed;
    std::string error;
    ASSERT_TRUE(absl::ParseTime("%Y-%m-%dT%H:%M:%E3SZ", time, &parsed, &error)) << time << error;
    EXPECT_GE(parsed, absl::FromUnixMillis(absl::ToUnixMillis(before)));
    EXPECT_LE(parsed, after);
  }
}

TEST_F(LogTest, LinesBelowTheLevelAreDropped) {
  SetLevel(Level::kWarn);
  Debug("d");
  Info("i");
  Warn("w");
  Error("e");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines_[0])["level"], "warn");
  EXPECT_EQ(nlohmann::json::parse(lines_[1])["level"], "error");
}

TEST_F(LogTest, InvalidUtf8IsReplacedNotFatal) {
  Info("bad bytes", {{"value", std::string("a\xff\xfe b")}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_TRUE(nlohmann::json::accept(lines_[0]));
}

TEST(LogLevelTest, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(*ParseLevel("DEBUG"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("warning"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("error"), Level::kError);
  EXPECT_EQ(ParseLevel("verbose").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace notify::log
