// Daily message quotas: the company's admin sets theirs (GetCompany/UpdateCompany), the operator
// sets a ceiling per channel for every company (the server's --max-daily-* flags).
#ifndef NOTIFY_SERVER_CORE_QUOTAS_H_
#define NOTIFY_SERVER_CORE_QUOTAS_H_

#include <algorithm>

#include "notifications/v1/resources.pb.h"

namespace notify {

// The operator's ceilings, messages a UTC day per company and channel; 0: none.
struct DailyQuotaCeilings {
  int email = 0;
  int sms = 0;
  int push = 0;

  // The ceiling of `type`'s channel (in-app messages have none).
  int For(notifications::v1::NotificationType type) const {
    switch (type) {
      case notifications::v1::NOTIFICATION_TYPE_EMAIL:
        return email;
      case notifications::v1::NOTIFICATION_TYPE_SMS:
        return sms;
      case notifications::v1::NOTIFICATION_TYPE_PUSH:
        return push;
      default:
        return 0;
    }
  }
};

// The quota a company's messages are held to: its admin's under the operator's ceiling, the lower
// of the two, where 0 on either side sets no limit of its own. An admin can only lower the
// ceiling: their 0 ("no limit") is the ceiling.
inline int EffectiveDailyQuota(int admin, int ceiling) {
  if (ceiling <= 0) return std::max(admin, 0);
  if (admin <= 0) return ceiling;
  return std::min(admin, ceiling);
}

}  // namespace notify

#endif  // NOTIFY_SERVER_CORE_QUOTAS_H_
