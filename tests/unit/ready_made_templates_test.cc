#include "server/core/ready_made_templates.h"

#include <map>
#include <set>

#include "gtest/gtest.h"
#include "server/core/notification_rules.h"

namespace notify {
namespace {

TEST(ReadyMadeTemplatesTest, ShipTheTemplatesAdminsNeedAndEachIsAValidNotification) {
  const auto& templates = ReadyMadeTemplates();
  std::set<std::string> ids;
  std::set<std::string> events;
  EngineTemplateChecker checker;  // The engine that renders them.
  for (const auto& t : templates) {
    EXPECT_TRUE(ids.insert(t.id()).second) << "duplicate id " << t.id();
    EXPECT_FALSE(t.name().empty()) << t.id();
    EXPECT_FALSE(t.description().empty()) << t.id();
    EXPECT_TRUE(t.notification().id().empty()) << t.id();
    events.insert(t.notification().event());
    absl::Status valid = ValidateNotification(t.notification(), checker);
    EXPECT_TRUE(valid.ok()) << t.id() << ": " << valid;
  }
  for (const char* id : {"welcome_email", "password_reset_email", "email_verification",
                         "mobile_verification_sms", "mfa_sms_code", "deposit_completed_email",
                         "withdrawal_completed_email", "transaction_failed_email"}) {
    EXPECT_TRUE(ids.count(id)) << id;
  }
  EXPECT_TRUE(events.count("user.create"));
  EXPECT_TRUE(events.count("user.password.reset"));
  EXPECT_TRUE(events.count("mfa.sms.verify"));
}

TEST(ReadyMadeTemplatesTest, LayoutsAreValidAndEveryTemplateNamesOneOfItsType) {
  const auto& layouts = ReadyMadeLayouts();
  ASSERT_EQ(layouts.size(), 4u);
  std::map<std::string, notifications::v1::NotificationType> types;
  EngineTemplateChecker checker;
  for (const auto& l : layouts) {
    EXPECT_TRUE(types.emplace(l.id(), l.type()).second) << "duplicate id " << l.id();
    EXPECT_FALSE(l.name().empty()) << l.id();
    EXPECT_FALSE(l.description().empty()) << l.id();
    EXPECT_NE(l.type(), notifications::v1::NOTIFICATION_TYPE_UNSPECIFIED) << l.id();
    absl::Status valid = ValidateLayout(l, checker);
    EXPECT_TRUE(valid.ok()) << l.id() << ": " << valid;
  }
  int with_layout = 0;
  for (const auto& t : ReadyMadeTemplates()) {
    EXPECT_TRUE(t.deletable()) << t.id();
    EXPECT_TRUE(t.notification().layout().empty()) << t.id() << ": a copy names no layout";
    if (t.layout().empty()) continue;
    ++with_layout;
    auto it = types.find(t.layout());
    ASSERT_NE(it, types.end()) << t.id() << " names " << t.layout();
    EXPECT_EQ(it->second, t.notification().type()) << t.id();
  }
  EXPECT_EQ(with_layout, 8);
}

TEST(NotificationRulesTest, AddressesAndNumbers) {
  EXPECT_TRUE(IsEmailAddress("keiko@example.org"));
  for (const char* bad :
       {"keiko", "@example.org", "keiko@", "keiko@example", "a b@example.org", "a@b@example.org"}) {
    EXPECT_FALSE(IsEmailAddress(bad)) << bad;
  }
  EXPECT_TRUE(IsE164Number("+27821234567"));
  for (const char* bad : {"0821234567", "+0821234567", "+27 82 123", "+2782abc4567", "+1234"}) {
    EXPECT_FALSE(IsE164Number(bad)) << bad;
  }
}

}  // namespace
}  // namespace notify
