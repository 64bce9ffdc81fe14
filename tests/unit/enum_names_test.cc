// The short names the database, the REST face, logs and metrics give the proto enums, read from
// protobuf's own names.
#include "server/common/enum_names.h"

#include "gtest/gtest.h"
#include "notifications/v1/resources.pb.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;

TEST(EnumNamesTest, AValueIsItsNameWithoutTheEnumsPrefixInLowerCase) {
  EXPECT_EQ(
      ShortName(v1::NotificationType_descriptor()->FindValueByName("NOTIFICATION_TYPE_EMAIL")),
      "email");
  EXPECT_EQ(ShortName(v1::CredentialType_descriptor()->FindValueByNumber(3)), "twilio");
  EXPECT_EQ(ShortName(v1::LogStatus_descriptor()->FindValueByNumber(6)), "deferred");
  EXPECT_EQ(ShortName(v1::NOTIFICATION_TYPE_SYSTEM), "system");
  EXPECT_EQ(ShortName(v1::EVENT_STATUS_PROCESSED), "processed");
  EXPECT_EQ(ShortName(v1::DEVICE_PLATFORM_IOS), "ios");
}

TEST(EnumNamesTest, UnspecifiedAndUnknownNumbersHaveNoName) {
  EXPECT_EQ(ShortName(v1::LOG_STATUS_UNSPECIFIED), "");
  EXPECT_EQ(ShortName(static_cast<v1::LogStatus>(99)), "");
  EXPECT_EQ(ShortName(static_cast<v1::LogStatus>(-1)), "");
  EXPECT_EQ(ShortName(v1::NotificationType_descriptor()->FindValueByNumber(0)), "");
}

TEST(EnumNamesTest, ANameReadsBackOnlyExactly) {
  EXPECT_EQ(FromShortName(v1::DevicePlatform_descriptor(), "ios")->number(), 2);
  EXPECT_EQ(FromShortName<v1::LogStatus>("retrying"), v1::LOG_STATUS_RETRYING);
  EXPECT_EQ(FromShortName<v1::EventStatus>("ignored"), v1::EVENT_STATUS_IGNORED);
  EXPECT_EQ(FromShortName(v1::NotificationType_descriptor(), "EMAIL"), nullptr);
  EXPECT_EQ(FromShortName(v1::NotificationType_descriptor(), "unspecified"), nullptr);
  EXPECT_EQ(FromShortName<v1::NotificationType>(""), std::nullopt);
  EXPECT_EQ(FromShortName<v1::NotificationType>("NOTIFICATION_TYPE_EMAIL"), std::nullopt);
  for (v1::LogStatus s : {v1::LOG_STATUS_PENDING, v1::LOG_STATUS_SENT, v1::LOG_STATUS_DEAD,
                          v1::LOG_STATUS_SKIPPED, v1::LOG_STATUS_DEFERRED}) {
    EXPECT_EQ(FromShortName<v1::LogStatus>(ShortName(s)), s);
  }
}

TEST(EnumNamesTest, ListsJoinWithCommas) {
  EXPECT_EQ(JoinShortNames(std::vector<v1::NotificationType>{v1::NOTIFICATION_TYPE_EMAIL,
                                                             v1::NOTIFICATION_TYPE_PUSH}),
            "email,push");
  EXPECT_EQ(JoinShortNames(std::vector<v1::NotificationType>{}), "");
  // Values without a name keep their places: two of them match no type, not every type.
  EXPECT_EQ(JoinShortNames(std::vector<v1::NotificationType>{v1::NOTIFICATION_TYPE_UNSPECIFIED,
                                                             v1::NOTIFICATION_TYPE_UNSPECIFIED}),
            ",");
}

}  // namespace
}  // namespace notify
