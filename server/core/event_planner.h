// Turning an event into messages: which notifications fire (their expressions), who receives them
// (the event's user, fixed recipients, the user's devices), whether the user opted out, and what
// each message says (templates inside layouts). The result is a list of deliveries to create; the
// caller stores them with the event in one transaction.
#ifndef NOTIFY_SERVER_CORE_EVENT_PLANNER_H_
#define NOTIFY_SERVER_CORE_EVENT_PLANNER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "notifications/v1/resources.pb.h"
#include "server/auth/platform_client.h"
#include "server/core/company_context.h"
#include "server/core/template/template.h"
#include "server/store/delivery_store.h"
#include "server/store/inbox_store.h"
#include "server/store/layout_store.h"
#include "server/store/notification_store.h"

namespace notify {

// Every part of a notification, rendered (inside its layout).
struct RenderedParts {
  std::string subject;
  std::string text_message;
  std::string html_message;
  std::string sms_message;
  std::string push_message;
};

struct ExpressionResult {
  bool fires = false;
  std::string error;  // Why it did not parse or evaluate (then fires is false).
};

struct EventPlan {
  std::vector<NewDelivery> deliveries;
  // Problems the admin should see on the event: expressions that failed.
  std::vector<std::string> problems;
};

// What the event workers ask of the planner. Thread-safe.
class MessagePlanner {
 public:
  virtual ~MessagePlanner() = default;
  // The company's enabled notifications for `event_name`, in id order.
  virtual absl::StatusOr<std::vector<notifications::v1::Notification>> EnabledNotifications(
      absl::string_view company, absl::string_view event_name) const = 0;
  // The messages the event produces given the company's enabled notifications for it (see
  // EventPlanner::Plan).
  virtual absl::StatusOr<EventPlan> Plan(
      const CompanyContext& company, absl::string_view event_uuid, absl::string_view event_name,
      const nlohmann::json& data,
      const std::vector<notifications::v1::Notification>& notifications) const = 0;
};

class EventPlanner final : public MessagePlanner {
 public:
  struct Options {
    // The sender of emails whose notification and company give none.
    std::string default_from_email;
    RenderOptions render;
  };

  // The stores and the platform client must outlive the planner.
  EventPlanner(Options options, NotificationStore* notifications, LayoutStore* layouts,
               DeviceStore* devices, PlatformClient* platform);

  // The template context of event `event_name`: its data's members, plus context.company; on
  // transaction events also `computed`, as the official extension gives it: `computed.fee` (the
  // transaction's fee, or the sum of its `fees`) and `computed.total_amount` (the amount with the
  // fee), both as positive integers in the currency's smallest unit, whatever the direction, for
  // messages such as "you sent {{ computed.total_amount|money:currency.divisibility }}".
  static nlohmann::json Context(const CompanyContext& company, absl::string_view event_name,
                                const nlohmann::json& data);

  // Renders every part of `notification` over `context` in its syntax, each inside the
  // notification's layout (in the layout's syntax). Liquid's include and render show the same part
  // of the company's layout of that name (subjects show its text part); it must be a Liquid one.
  // InvalidArgument or ResourceExhausted (with the part's name) when a template fails;
  // Unavailable when the layout cannot be read.
  absl::StatusOr<RenderedParts> Render(const CompanyContext& company,
                                       const notifications::v1::Notification& notification,
                                       const nlohmann::json& context) const;

  // Whether the notification's expression holds over `context`, in the notification's syntax.
  static ExpressionResult Evaluate(const notifications::v1::Notification& notification,
                                   const nlohmann::json& context);

  // The messages the event `event_uuid` (named `event_name`, with `data`) produces. Messages that
  // cannot be sent (no address, opted out, a template failing) are planned as skipped or dead with
  // the reason, so the admin sees them. Unavailable or ResourceExhausted when the database or the
  // platform cannot answer now: the caller tries again later.
  absl::StatusOr<EventPlan> Plan(const CompanyContext& company, absl::string_view event_uuid,
                                 absl::string_view event_name, const nlohmann::json& data) const;

  // The same with the company's enabled notifications for the event already read (a batch of
  // events reads them once per company and event name).
  absl::StatusOr<EventPlan> Plan(
      const CompanyContext& company, absl::string_view event_uuid, absl::string_view event_name,
      const nlohmann::json& data,
      const std::vector<notifications::v1::Notification>& notifications) const override;

  absl::StatusOr<std::vector<notifications::v1::Notification>> EnabledNotifications(
      absl::string_view company, absl::string_view event_name) const override;

  // The messages of one notification sent by an admin to `user_ids` with `data` (a trigger). Each
  // is rendered with its user as `user` (unless the data has one). `known` holds users already
  // read from the platform, by id; the others are looked up.
  absl::StatusOr<std::vector<NewDelivery>> PlanTrigger(
      const CompanyContext& company, absl::string_view event_uuid,
      const notifications::v1::Notification& notification, const nlohmann::json& data,
      const std::vector<std::string>& user_ids,
      const std::map<std::string, nlohmann::json>& known = {}) const;

 private:
  class Run;

  Options options_;
  NotificationStore* notifications_;
  LayoutStore* layouts_;
  DeviceStore* devices_;
  PlatformClient* platform_;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_CORE_EVENT_PLANNER_H_
