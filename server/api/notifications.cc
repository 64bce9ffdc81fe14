// Notifications: AdminService's CRUD and UserService's view with preferences.
#include "server/api/convert.h"
#include "server/api/field_mask.h"
#include "server/api/grpc_status.h"
#include "server/api/services.h"
#include "server/common/status.h"

namespace notify::api {
namespace {

namespace v1 = notifications::v1;

// What a caller may not set: the server's own fields.
const std::set<std::string>& OutputOnly() {
  static const std::set<std::string>* const kFields =
      new std::set<std::string>{"id", "created", "updated"};
  return *kFields;
}

NotificationFilter FilterOf(const v1::ListNotificationsRequest& request) {
  NotificationFilter filter;
  filter.event = request.event();
  filter.type = NotificationTypeName(request.type());
  filter.name_contains = request.name();
  if (request.has_enabled()) filter.enabled = request.enabled();
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
    NOTIFY_RETURN_IF_ERROR(ValidateNotification(notification, *deps_.templates));
    NOTIFY_ASSIGN_OR_RETURN(
        *response->mutable_notification(),
        deps_.notifications->Create(caller.company, notification, request->request_id()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetNotification(grpc::ServerContext* context,
                                               const v1::GetNotificationRequest* request,
                                               v1::GetNotificationResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(*response->mutable_notification(),
                            deps_.notifications->Get(caller.company, request->id()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListNotifications(grpc::ServerContext* context,
                                                 const v1::ListNotificationsRequest* request,
                                                 v1::ListNotificationsResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(const int page_size, PageSize(request->page_size()));
    NOTIFY_ASSIGN_OR_RETURN(
        nlohmann::json cursor,
        page_tokens_->Read("notifications", caller.company, *request, request->page_token()));
    const NotificationFilter filter = FilterOf(*request);
    NOTIFY_ASSIGN_OR_RETURN(
        std::vector<v1::Notification> page,
        deps_.notifications->List(caller.company, filter,
                                  cursor.is_string() ? cursor.get<std::string>() : "",
                                  page_size + 1, request->skip()));
    const bool more = static_cast<int>(page.size()) > page_size;
    if (more) page.resize(page_size);
    for (v1::Notification& n : page) *response->add_notifications() = std::move(n);
    if (more) {
      response->set_next_page_token(page_tokens_->Make("notifications", caller.company, *request,
                                                       response->notifications().rbegin()->id()));
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
              return ValidateNotification(stored, *deps_.templates);
            }));
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
    NOTIFY_ASSIGN_OR_RETURN(const int page_size, PageSize(request->page_size()));
    // Tokens are per user as well as per company.
    const std::string scope = absl::StrCat(caller.company, "/", caller.user.id);
    NOTIFY_ASSIGN_OR_RETURN(
        nlohmann::json cursor,
        deps_.page_tokens->Read("user_notifications", scope, *request, request->page_token()));
    // The types this user can receive: push only where the company turned push on.
    NOTIFY_ASSIGN_OR_RETURN(CompanyRecord company, deps_.companies->Get(caller.company));
    std::vector<std::string> types;
    for (v1::NotificationType type : {v1::NOTIFICATION_TYPE_EMAIL, v1::NOTIFICATION_TYPE_SMS,
                                      v1::NOTIFICATION_TYPE_PUSH, v1::NOTIFICATION_TYPE_SYSTEM}) {
      if (type == v1::NOTIFICATION_TYPE_PUSH && !company.push_enabled) continue;
      if (request->type() != v1::NOTIFICATION_TYPE_UNSPECIFIED && request->type() != type) continue;
      types.push_back(NotificationTypeName(type));
    }
    if (types.empty()) return absl::OkStatus();
    NOTIFY_ASSIGN_OR_RETURN(
        std::vector<UserNotificationRecord> page,
        deps_.notifications->ListForUser(caller.company, caller.user.id, types,
                                         cursor.is_string() ? cursor.get<std::string>() : "",
                                         page_size + 1, request->skip()));
    const bool more = static_cast<int>(page.size()) > page_size;
    if (more) page.resize(page_size);
    for (const UserNotificationRecord& record : page) {
      ToUserNotification(record, response->add_notifications());
    }
    if (more) {
      response->set_next_page_token(deps_.page_tokens->Make(
          "user_notifications", scope, *request, response->notifications().rbegin()->id()));
    }
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
