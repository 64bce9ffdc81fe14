// What the README says of the code itself, checked against the code: the settings tables list every
// flag, its twin and its default, and every error reason the programs give is a value of
// ErrorReason, so neither can drift.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "gateway/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "notifications/v1/resources.pb.h"
#include "server/app/config.h"

namespace notify {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string Readme() { return ReadFile(NOTIFY_SOURCE_DIR "/README.md"); }

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

// Every string literal in server/ and gateway/ shaped like a reason ("WORD_WORD") is an ErrorReason
// value, but for the settings' environment names and the words of Google's own error answers that
// the FCM sender reads.
TEST(ReadmeTest, EveryErrorReasonTheProgramsGiveIsInTheProto) {
  const std::set<std::string> not_reasons = {"INVALID_ARGUMENT", "NOT_FOUND", "NOTIFICATION_TYPE"};
  const std::regex literal("\"([A-Z][A-Z0-9]*(_[A-Z0-9]+)+)\"");
  const google::protobuf::EnumDescriptor* reasons = notifications::v1::ErrorReason_descriptor();
  int checked = 0;
  for (const char* dir : {"/server", "/gateway"}) {
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(std::string(NOTIFY_SOURCE_DIR) + dir)) {
      const std::string ext = entry.path().extension().string();
      if (ext != ".cc" && ext != ".h") continue;
      // Django's date filter takes the names of Django's settings (DATE_FORMAT...) as formats.
      if (entry.path().filename() == "django_filters.cc") continue;
      const std::string text = ReadFile(entry.path().string());
      for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it) {
        const std::string word = (*it)[1].str();
        if (word.rfind("NOTIFY_", 0) == 0 || not_reasons.count(word) > 0) continue;
        ++checked;
        EXPECT_NE(reasons->FindValueByName(word), nullptr)
            << entry.path() << " gives reason " << word << ", which ErrorReason lacks";
      }
    }
  }
  EXPECT_GT(checked, 20) << "the sources were read";
}

}  // namespace
}  // namespace notify
