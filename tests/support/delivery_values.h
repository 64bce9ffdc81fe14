// The delivery flow's proto enums under short names, for tests that spell many of them.
#ifndef NOTIFY_TESTS_SUPPORT_DELIVERY_VALUES_H_
#define NOTIFY_TESTS_SUPPORT_DELIVERY_VALUES_H_

#include "notifications/v1/resources.pb.h"

namespace notify::testing::delivery_values {

inline constexpr notifications::v1::NotificationType kEmail =
    notifications::v1::NOTIFICATION_TYPE_EMAIL;
inline constexpr notifications::v1::NotificationType kSms =
    notifications::v1::NOTIFICATION_TYPE_SMS;
inline constexpr notifications::v1::NotificationType kPush =
    notifications::v1::NOTIFICATION_TYPE_PUSH;
inline constexpr notifications::v1::LogStatus kPending = notifications::v1::LOG_STATUS_PENDING;
inline constexpr notifications::v1::LogStatus kSent = notifications::v1::LOG_STATUS_SENT;
inline constexpr notifications::v1::LogStatus kRetrying = notifications::v1::LOG_STATUS_RETRYING;
inline constexpr notifications::v1::LogStatus kDead = notifications::v1::LOG_STATUS_DEAD;
inline constexpr notifications::v1::LogStatus kSkipped = notifications::v1::LOG_STATUS_SKIPPED;
inline constexpr notifications::v1::LogStatus kDeferred = notifications::v1::LOG_STATUS_DEFERRED;
inline constexpr notifications::v1::EventStatus kProcessed =
    notifications::v1::EVENT_STATUS_PROCESSED;
inline constexpr notifications::v1::EventStatus kFailed = notifications::v1::EVENT_STATUS_FAILED;

}  // namespace notify::testing::delivery_values

#endif  // NOTIFY_TESTS_SUPPORT_DELIVERY_VALUES_H_
