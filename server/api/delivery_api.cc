// AdminService's methods that go through the delivery machinery: preview, trigger, resend, replay.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "server/api/convert.h"
#include "server/api/grpc_status.h"
#include "server/api/services.h"
#include "server/common/crypto.h"
#include "server/common/status.h"

namespace notify::api {
namespace {

namespace v1 = notifications::v1;
using json = nlohmann::json;

// Most users one trigger sends to.
constexpr int kMaxTriggerUsers = 1000;

json DataOf(const google::protobuf::Struct& data) {
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(data, &text).ok()) return json::object();
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_object() ? parsed : json::object();
}

// A template failure while rendering a preview, as the admin's error: INVALID_ARGUMENT when a
// filter or tag fails, RESOURCE_EXHAUSTED (reason TEMPLATE_BUDGET) when the render ran past its
// budget of steps, bytes, elements or time, which is about this template, never the server's load.
absl::Status RenderError(const absl::Status& status) {
  if (absl::IsInvalidArgument(status)) {
    return WithReason(absl::InvalidArgumentError(status.message()), "TEMPLATE_INVALID");
  }
  if (absl::IsResourceExhausted(status)) {
    return WithReason(absl::ResourceExhaustedError(status.message()), "TEMPLATE_BUDGET");
  }
  return status;
}

}  // namespace

grpc::Status AdminServiceImpl::PreviewNotification(grpc::ServerContext* context,
                                                   const v1::PreviewNotificationRequest* request,
                                                   v1::PreviewNotificationResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    v1::Notification notification;
    switch (request->source_case()) {
      case v1::PreviewNotificationRequest::kNotification:
        notification = request->notification();
        break;
      case v1::PreviewNotificationRequest::kId: {
        NOTIFY_ASSIGN_OR_RETURN(notification,
                                deps_.notifications->Get(caller.company, request->id()));
        break;
      }
      default:
        return InvalidField("source", "give a notification or the id of a saved one");
    }
    NOTIFY_ASSIGN_OR_RETURN(CompanyContext company, deps_.load_company(caller.company));
    const json context_json =
        EventPlanner::Context(company, notification.event(), DataOf(request->data()));
    ExpressionResult holds = EventPlanner::Evaluate(notification, context_json);
    absl::StatusOr<RenderedParts> parts =
        deps_.planner->Render(company, notification, context_json);
    if (!parts.ok()) return RenderError(parts.status());
    response->set_subject(parts->subject);
    response->set_text_message(parts->text_message);
    response->set_html_message(parts->html_message);
    response->set_sms_message(parts->sms_message);
    response->set_push_message(parts->push_message);
    response->set_fires(holds.fires);
    response->set_expression_error(holds.error);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::TriggerNotification(grpc::ServerContext* context,
                                                   const v1::TriggerNotificationRequest* request,
                                                   v1::TriggerNotificationResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    if (request->user_ids().empty() && request->groups().empty()) {
      return InvalidField("user_ids", "give at least one user id or group");
    }
    std::vector<std::string> users;
    std::set<std::string> seen;
    for (const std::string& id : request->user_ids()) {
      if (id.empty() || id.size() > 200) return InvalidField("user_ids", "each must be a user id");
      if (seen.insert(id).second) users.push_back(id);
    }
    NOTIFY_ASSIGN_OR_RETURN(v1::Notification notification,
                            deps_.notifications->Get(caller.company, request->id()));
    NOTIFY_ASSIGN_OR_RETURN(CompanyContext company, deps_.load_company(caller.company));
    // What the group listings say of their users spares a lookup per user.
    std::map<std::string, nlohmann::json> known;
    for (const std::string& group : request->groups()) {
      if (group.empty()) return InvalidField("groups", "each must be a group name");
      if (company.platform_token.empty()) {
        return absl::FailedPreconditionError("the company has no platform token");
      }
      NOTIFY_ASSIGN_OR_RETURN(std::vector<PlatformUser> members,
                              deps_.list_group_users(company.platform_token, group));
      for (const PlatformUser& member : members) {
        known[member.id] = PlatformUserJson(member);
        if (seen.insert(member.id).second) users.push_back(member.id);
      }
    }
    if (static_cast<int>(users.size()) > kMaxTriggerUsers) {
      return InvalidField("groups", absl::StrCat("a trigger sends to at most ", kMaxTriggerUsers,
                                                 " users; these name ", users.size()));
    }
    const json data = DataOf(request->data());
    const std::string event_uuid = TimeOrderedUuid(absl::Now());
    NOTIFY_ASSIGN_OR_RETURN(
        std::vector<NewDelivery> deliveries,
        deps_.planner->PlanTrigger(company, event_uuid, notification, data, users, known));
    NOTIFY_ASSIGN_OR_RETURN(
        std::vector<v1::Log> logs,
        deps_.deliveries->InsertTriggered(caller.company, event_uuid, notification.event(),
                                          data.dump(), deliveries));
    response->set_event_id(event_uuid);
    for (v1::Log& log : logs) *response->add_logs() = std::move(log);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ResendLog(grpc::ServerContext* context,
                                         const v1::ResendLogRequest* request,
                                         v1::ResendLogResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(NewDelivery d, deps_.deliveries->Load(caller.company, request->id()));
    if (d.status == v1::LOG_STATUS_SKIPPED && d.recipient.empty() && request->recipient().empty()) {
      return WithReason(
          absl::FailedPreconditionError("This log has no recipient to send to; give one."),
          "INVALID_FIELD");
    }
    const std::string original = request->id();
    d.resend_of = original;
    d.dedupe_key = absl::StrCat("resend/", TimeOrderedUuid(absl::Now()));
    d.status =
        d.type == v1::NOTIFICATION_TYPE_SYSTEM ? v1::LOG_STATUS_SENT : v1::LOG_STATUS_PENDING;
    d.last_error.clear();
    const std::string& to = request->recipient();
    if (!to.empty()) {
      if (d.type == v1::NOTIFICATION_TYPE_EMAIL && !IsEmailAddress(to)) {
        return InvalidField("recipient", "must be an email address for an email");
      }
      if (d.type == v1::NOTIFICATION_TYPE_SMS && !IsE164Number(to)) {
        return InvalidField("recipient", "must be a mobile number in E.164 form (+15551234567)");
      }
      if (d.type == v1::NOTIFICATION_TYPE_EMAIL || d.type == v1::NOTIFICATION_TYPE_SMS) {
        d.recipient = to;
        d.user_id.clear();
      } else if (d.type == v1::NOTIFICATION_TYPE_SYSTEM) {
        d.user_id = to;
        d.recipient = to;
      } else {
        // Push: to the other user's newest device.
        NOTIFY_ASSIGN_OR_RETURN(std::vector<v1::Device> devices,
                                deps_.devices->List(caller.company, to, "", 1, 0));
        if (devices.empty()) return InvalidField("recipient", "that user has no registered device");
        d.user_id = to;
        d.device_id = devices[0].id();
        d.recipient = devices[0].name().empty() ? devices[0].id() : devices[0].name();
      }
    } else if (d.type == v1::NOTIFICATION_TYPE_PUSH && d.device_id.empty()) {
      return InvalidField("recipient", "the original device is gone; give a user id");
    }
    NOTIFY_ASSIGN_OR_RETURN(*response->mutable_log(),
                            deps_.deliveries->InsertOne(caller.company, d));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ReplayEvent(grpc::ServerContext* context,
                                           const v1::ReplayEventRequest* request,
                                           v1::ReplayEventResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_RETURN_IF_ERROR(deps_.deliveries->ReplayEvent(caller.company, request->id()));
    NOTIFY_ASSIGN_OR_RETURN(EventRecord event, events_->Get(caller.company, request->id()));
    ToProto(event, response->mutable_event());
    if (deps_.wake_events) deps_.wake_events();
    return absl::OkStatus();
  });
}

}  // namespace notify::api
