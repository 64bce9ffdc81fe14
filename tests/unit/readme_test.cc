// The README's settings tables list every flag, its twin and its default, so they cannot drift.
#include <fstream>
#include <sstream>

#include "gateway/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/app/config.h"

namespace notify {
namespace {

std::string Readme() {
  std::ifstream file(NOTIFY_SOURCE_DIR "/README.md");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void ExpectDocumented(const SettingsParser& parser, const std::string& readme) {
  for (const SettingSpec& spec : parser.specs()) {
    const std::string default_cell =
        spec.default_value.empty() ? std::string("| (") : "| `" + spec.default_value + "` |";
    const std::string flag_cell =
        spec.env_only ? "| (environment only) |" : "| `--" + spec.flag + "` |";
    const std::string row_start = flag_cell + " `" + spec.env + "` " + default_cell;
    EXPECT_NE(readme.find(row_start), std::string::npos)
        << "README.md lacks a row starting " << row_start;
  }
}

TEST(ReadmeTest, ListsEveryServerSetting) { ExpectDocumented(ServerSettingsParser(), Readme()); }

TEST(ReadmeTest, ListsEveryGatewaySetting) {
  ExpectDocumented(gateway::GatewaySettingsParser(), Readme());
}

}  // namespace
}  // namespace notify
