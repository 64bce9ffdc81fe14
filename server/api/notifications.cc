// Notifications: AdminService's CRUD and UserService's view with preferences.
#include "absl/strings/str_join.h"
#include "server/api/convert.h"
#include "server/api/field_mask.h"
#include "server/api/grpc_status.h"
#include "server/api/services.h"
#include "server/common/status.h"
#include "server/core/ready_made_templates.h"

namespace notify::api {
namespace {

namespace v1 = notifications::v1;

// What a caller may not set: the server's own fields.
const std::set<std::string>& OutputOnly() {
  static const std::set<std::string>* const kFields = new std::set<std::string>{
      "id", "created", "updated", "layout_summary", "template_summary", "company"};
  return *kFields;
}

absl::Status CheckTemplateId(absl::string_view id) {
  if (id.empty() || FindReadyMadeTemplate(id) != nullptr) return absl::OkStatus();
  return WithField(WithReason(absl::InvalidArgumentError(absl::StrCat(
                                  "template: no ready-made template is called \"", id, "\"")),
                              "TEMPLATE_NOT_FOUND"),
                   "template");
}

// A notification made from a ready-made template takes the template's type, event, name and
// parts wherever the request left them empty (its layout, a ready-made one, is not copied).
absl::Status FillFromTemplate(v1::Notification* n) {
  NOTIFY_RETURN_IF_ERROR(CheckTemplateId(n->template_()));
  if (n->template_().empty()) return absl::OkStatus();
  const v1::Notification& from = FindReadyMadeTemplate(n->template_())->notification();
  if (n->type() == v1::NOTIFICATION_TYPE_UNSPECIFIED) n->set_type(from.type());
  if (n->syntax() == v1::TEMPLATE_SYNTAX_UNSPECIFIED) n->set_syntax(from.syntax());
  const auto fill = [](std::string* to, const std::string& value) {
    if (to->empty()) *to = value;
  };
  fill(n->mutable_name(), from.name());
  fill(n->mutable_description(), from.description());
  fill(n->mutable_event(), from.event());
  fill(n->mutable_subject(), from.subject());
  fill(n->mutable_text_message(), from.text_message());
  fill(n->mutable_html_message(), from.html_message());
  fill(n->mutable_sms_message(), from.sms_message());
  fill(n->mutable_push_message(), from.push_message());
  fill(n->mutable_expression(), from.expression());
  fill(n->mutable_to_email(), from.to_email());
  fill(n->mutable_to_mobile(), from.to_mobile());
  fill(n->mutable_to_user(), from.to_user());
  return absl::OkStatus();
}

// The fields the server derives: the company, and the template's summary.
void Decorate(const std::string& company, v1::Notification* n) {
  n->set_company(company);
  if (const v1::Template* t = FindReadyMadeTemplate(n->template_()); t != nullptr) {
    v1::TemplateSummary* summary = n->mutable_template_summary();
    summary->set_id(t->id());
    summary->set_default_(t->default_());
    summary->set_deletable(t->deletable());
  }
}

NotificationFilter FilterOf(const v1::ListNotificationsRequest& request) {
  NotificationFilter filter;
  filter.event = request.event();
  if (request.type() != v1::NOTIFICATION_TYPE_UNSPECIFIED) filter.types = {request.type()};
  filter.name_contains = request.name();
  if (request.has_enabled()) filter.enabled = request.enabled();
  filter.layout = request.layout();
  return filter;
}

void ToUserNotification(const UserNotificationRecord& record, v1::UserNotification* out) {
  const v1::Notification& n = record.notification;
  out->set_id(n.id());
  out->set_type(n.type());
  out->set_name(n.name());
  out->set_description(n.description());
  out->set_event(n.event());
  out->set_enabled(record.enabled);
  out->set_preference_enabled(n.preference_enabled());
}

}  // namespace

grpc::Status AdminServiceImpl::CreateNotification(grpc::ServerContext* context,
                                                  const v1::CreateNotificationRequest* request,
                                                  v1::CreateNotificationResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    v1::Notification notification = request->notification();
    notification.clear_id();
    notification.clear_created();
    notification.clear_updated();
    NOTIFY_RETURN_IF_ERROR(FillFromTemplate(&notification));
    NOTIFY_RETURN_IF_ERROR(ValidateNotification(notification, *deps_.templates));
    NOTIFY_ASSIGN_OR_RETURN(
        *response->mutable_notification(),
        deps_.notifications->Create(caller.company, notification, request->request_id()));
    Decorate(caller.company, response->mutable_notification());
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetNotification(grpc::ServerContext* context,
                                               const v1::GetNotificationRequest* request,
                                               v1::GetNotificationResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(*response->mutable_notification(),
                            deps_.notifications->Get(caller.company, request->id()));
    Decorate(caller.company, response->mutable_notification());
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListNotifications(grpc::ServerContext* context,
                                                 const v1::ListNotificationsRequest* request,
                                                 v1::ListNotificationsResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(const PageRequest page_request,
                            ReadPage(*page_tokens_, "notifications", caller.company, *request));
    const NotificationFilter filter = FilterOf(*request);
    NOTIFY_ASSIGN_OR_RETURN(
        std::vector<v1::Notification> page,
        deps_.notifications->List(caller.company, filter, page_request.after_id(),
                                  page_request.size + 1, page_request.skip));
    response->set_next_page_token(FinishPage(*page_tokens_, "notifications", caller.company,
                                             *request, page_request, &page,
                                             [](const v1::Notification& n) { return n.id(); }));
    for (v1::Notification& n : page) {
      Decorate(caller.company, &n);
      *response->add_notifications() = std::move(n);
    }
    NOTIFY_ASSIGN_OR_RETURN(const int total, deps_.notifications->Count(caller.company, filter));
    response->set_total_size(total);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::UpdateNotification(grpc::ServerContext* context,
                                                  const v1::UpdateNotificationRequest* request,
                                                  v1::UpdateNotificationResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(
        *response->mutable_notification(),
        deps_.notifications->Update(
            caller.company, request->notification().id(), [&](v1::Notification& stored) {
              NOTIFY_RETURN_IF_ERROR(ApplyUpdateMask(
                  request->notification(), request->update_mask(), OutputOnly(), &stored));
              NOTIFY_RETURN_IF_ERROR(CheckTemplateId(stored.template_()));
              return ValidateNotification(stored, *deps_.templates);
            }));
    Decorate(caller.company, response->mutable_notification());
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::DeleteNotification(grpc::ServerContext* context,
                                                  const v1::DeleteNotificationRequest* request,
                                                  v1::DeleteNotificationResponse*) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    return deps_.notifications->Delete(caller.company, request->id());
  });
}

grpc::Status UserServiceImpl::ListNotifications(grpc::ServerContext* context,
                                                const v1::ListUserNotificationsRequest* request,
                                                v1::ListUserNotificationsResponse* response) {
  return WithCaller(deps_.authorizer->User(AuthorizationOf(context)), [&](const Caller& caller) {
    // Tokens are per user as well as per company.
    const std::string scope = absl::StrCat(caller.company, "/", caller.user.id);
    NOTIFY_ASSIGN_OR_RETURN(const PageRequest page_request,
                            ReadPage(*deps_.page_tokens, "user_notifications", scope, *request));
    // The types this user can receive: push only where the company turned push on.
    NOTIFY_ASSIGN_OR_RETURN(CompanyRecord company, deps_.companies->Get(caller.company));
    std::vector<v1::NotificationType> types;
    for (v1::NotificationType type : {v1::NOTIFICATION_TYPE_EMAIL, v1::NOTIFICATION_TYPE_SMS,
                                      v1::NOTIFICATION_TYPE_PUSH, v1::NOTIFICATION_TYPE_SYSTEM}) {
      if (type == v1::NOTIFICATION_TYPE_PUSH && !company.push_enabled) continue;
      if (request->type() != v1::NOTIFICATION_TYPE_UNSPECIFIED && request->type() != type) continue;
      types.push_back(type);
    }
    if (types.empty()) return absl::OkStatus();
    NotificationFilter filter;
    filter.types = std::move(types);
    filter.event = request->event();
    filter.name_contains = request->name();
    filter.layout = request->layout();
    NOTIFY_ASSIGN_OR_RETURN(std::vector<UserNotificationRecord> page,
                            deps_.notifications->ListForUser(
                                caller.company, caller.user.id, filter, page_request.after_id(),
                                page_request.size + 1, page_request.skip));
    response->set_next_page_token(
        FinishPage(*deps_.page_tokens, "user_notifications", scope, *request, page_request, &page,
                   [](const UserNotificationRecord& r) { return r.notification.id(); }));
    for (const UserNotificationRecord& record : page) {
      ToUserNotification(record, response->add_notifications());
    }
    filter.enabled = true;  // What ListForUser lists.
    NOTIFY_ASSIGN_OR_RETURN(const int total, deps_.notifications->Count(caller.company, filter));
    response->set_total_size(total);
    return absl::OkStatus();
  });
}

grpc::Status UserServiceImpl::GetNotification(grpc::ServerContext* context,
                                              const v1::GetUserNotificationRequest* request,
                                              v1::GetUserNotificationResponse* response) {
  return WithCaller(deps_.authorizer->User(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(
        UserNotificationRecord record,
        deps_.notifications->GetForUser(caller.company, caller.user.id, request->id()));
    ToUserNotification(record, response->mutable_notification());
    return absl::OkStatus();
  });
}

grpc::Status UserServiceImpl::UpdateNotificationPreference(
    grpc::ServerContext* context, const v1::UpdateNotificationPreferenceRequest* request,
    v1::UpdateNotificationPreferenceResponse* response) {
  return WithCaller(deps_.authorizer->User(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(
        UserNotificationRecord record,
        deps_.notifications->GetForUser(caller.company, caller.user.id, request->id()));
    if (!record.notification.preference_enabled()) {
      return WithReason(
          absl::FailedPreconditionError("The admin did not let users change this notification."),
          "PREFERENCE_NOT_ALLOWED");
    }
    NOTIFY_RETURN_IF_ERROR(deps_.notifications->SetPreference(caller.company, caller.user.id,
                                                              request->id(), request->enabled()));
    record.enabled = request->enabled();
    ToUserNotification(record, response->mutable_notification());
    return absl::OkStatus();
  });
}

}  // namespace notify::api
