// Logs (the admin's view and the user's inbox) and users' push devices.
#include "server/api/convert.h"
#include "server/api/grpc_status.h"
#include "server/api/services.h"
#include "server/common/status.h"
#include "server/store/notification_store.h"

namespace notify::api {
namespace {

namespace v1 = notifications::v1;

std::string LogStatusName(v1::LogStatus status) {
  switch (status) {
    case v1::LOG_STATUS_PENDING:
      return "pending";
    case v1::LOG_STATUS_RETRYING:
      return "retrying";
    case v1::LOG_STATUS_SENT:
      return "sent";
    case v1::LOG_STATUS_DEAD:
      return "dead";
    case v1::LOG_STATUS_SKIPPED:
      return "skipped";
    case v1::LOG_STATUS_DEFERRED:
      return "deferred";
    default:
      return "";
  }
}

// One page of logs newest first, with the next page's token (bound to `scope`).
template <typename Request, typename Response>
absl::Status ListLogPage(const ServiceDeps& deps, const std::string& company,
                         const std::string& scope, const Request& request, LogFilter filter,
                         bool for_user, Response* response) {
  NOTIFY_ASSIGN_OR_RETURN(const int page_size, PageSize(request.page_size()));
  NOTIFY_ASSIGN_OR_RETURN(nlohmann::json cursor,
                          deps.page_tokens->Read("logs", scope, request, request.page_token()));
  std::optional<LogCursor> after;
  if (cursor.is_object()) {
    after = LogCursor{absl::FromUnixMicros(cursor.value("c", int64_t{0})), cursor.value("i", "")};
  }
  NOTIFY_ASSIGN_OR_RETURN(std::vector<v1::Log> page,
                          deps.logs->List(company, filter, after, page_size + 1, request.skip()));
  const bool more = static_cast<int>(page.size()) > page_size;
  if (more) page.resize(page_size);
  for (v1::Log& log : page) {
    if (for_user) log.clear_last_error();
    *response->add_logs() = std::move(log);
  }
  if (more) {
    const v1::Log& last = *response->logs().rbegin();
    const int64_t created = last.created().seconds() * 1000000 + last.created().nanos() / 1000;
    response->set_next_page_token(
        deps.page_tokens->Make("logs", scope, request, {{"c", created}, {"i", last.id()}}));
  }
  return absl::OkStatus();
}

std::string UserScope(const Caller& caller) {
  return absl::StrCat(caller.company, "/", caller.user.id);
}

}  // namespace

grpc::Status AdminServiceImpl::ListLogs(grpc::ServerContext* context,
                                        const v1::ListLogsRequest* request,
                                        v1::ListLogsResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    LogFilter filter;
    filter.user_id = request->user_id();
    filter.notification_id = request->notification_id();
    filter.recipient = request->recipient();
    filter.type = NotificationTypeName(request->type());
    filter.status = LogStatusName(request->status());
    if (request->has_start_time()) {
      NOTIFY_RETURN_IF_ERROR(CheckTimestamp(request->start_time(), "start_time"));
      filter.start = FromTimestamp(request->start_time());
    }
    if (request->has_end_time()) {
      NOTIFY_RETURN_IF_ERROR(CheckTimestamp(request->end_time(), "end_time"));
      filter.end = FromTimestamp(request->end_time());
    }
    return ListLogPage(deps_, caller.company, caller.company, *request, filter, false, response);
  });
}

grpc::Status AdminServiceImpl::GetLog(grpc::ServerContext* context,
                                      const v1::GetLogRequest* request,
                                      v1::GetLogResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(*response->mutable_log(),
                            deps_.logs->Get(caller.company, "", request->id(), true));
    return absl::OkStatus();
  });
}

grpc::Status UserServiceImpl::ListLogs(grpc::ServerContext* context,
                                       const v1::ListUserLogsRequest* request,
                                       v1::ListUserLogsResponse* response) {
  return WithCaller(deps_.authorizer->User(AuthorizationOf(context)), [&](const Caller& caller) {
    LogFilter filter;
    filter.user_id = caller.user.id;
    filter.type = NotificationTypeName(request->type());
    if (request->has_received()) filter.received = request->received();
    return ListLogPage(deps_, caller.company, UserScope(caller), *request, filter, true, response);
  });
}

grpc::Status UserServiceImpl::GetLog(grpc::ServerContext* context,
                                     const v1::GetUserLogRequest* request,
                                     v1::GetUserLogResponse* response) {
  return WithCaller(deps_.authorizer->User(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(v1::Log log,
                            deps_.logs->Get(caller.company, caller.user.id, request->id(), false));
    log.clear_last_error();
    *response->mutable_log() = std::move(log);
    return absl::OkStatus();
  });
}

grpc::Status UserServiceImpl::UpdateLog(grpc::ServerContext* context,
                                        const v1::UpdateUserLogRequest* request,
                                        v1::UpdateUserLogResponse* response) {
  return WithCaller(deps_.authorizer->User(AuthorizationOf(context)), [&](const Caller& caller) {
    for (const std::string& path : request->update_mask().paths()) {
      if (path != "received") {
        return WithField(
            WithReason(absl::InvalidArgumentError(absl::StrCat(
                           "update_mask: \"", path, "\" cannot be changed; only \"received\" can")),
                       "INVALID_UPDATE_MASK"),
            "update_mask");
      }
    }
    NOTIFY_ASSIGN_OR_RETURN(
        v1::Log log, deps_.logs->SetReceived(caller.company, caller.user.id, request->log().id(),
                                             request->log().received()));
    log.clear_last_error();
    *response->mutable_log() = std::move(log);
    return absl::OkStatus();
  });
}

grpc::Status UserServiceImpl::RegisterDevice(grpc::ServerContext* context,
                                             const v1::RegisterDeviceRequest* request,
                                             v1::RegisterDeviceResponse* response) {
  return WithCaller(deps_.authorizer->User(AuthorizationOf(context)), [&](const Caller& caller) {
    const v1::Device& device = request->device();
    if (device.platform() == v1::DEVICE_PLATFORM_UNSPECIFIED) {
      return WithField(WithReason(absl::InvalidArgumentError(
                                      "platform: a platform is required: ANDROID, IOS or WEB"),
                                  "INVALID_FIELD"),
                       "platform");
    }
    if (device.token().empty() || device.token().size() > 4096 ||
        device.token().find_first_of(" \t\n") != std::string::npos) {
      return WithField(
          WithReason(absl::InvalidArgumentError("token: the FCM registration token is required"),
                     "INVALID_FIELD"),
          "token");
    }
    NOTIFY_ASSIGN_OR_RETURN(*response->mutable_device(),
                            deps_.devices->Register(caller.company, caller.user.id, device));
    return absl::OkStatus();
  });
}

grpc::Status UserServiceImpl::ListDevices(grpc::ServerContext* context,
                                          const v1::ListDevicesRequest* request,
                                          v1::ListDevicesResponse* response) {
  return WithCaller(deps_.authorizer->User(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(const int page_size, PageSize(request->page_size()));
    const std::string scope = UserScope(caller);
    NOTIFY_ASSIGN_OR_RETURN(
        nlohmann::json cursor,
        deps_.page_tokens->Read("devices", scope, *request, request->page_token()));
    NOTIFY_ASSIGN_OR_RETURN(std::vector<v1::Device> page,
                            deps_.devices->List(caller.company, caller.user.id,
                                                cursor.is_string() ? cursor.get<std::string>() : "",
                                                page_size + 1, request->skip()));
    const bool more = static_cast<int>(page.size()) > page_size;
    if (more) page.resize(page_size);
    for (v1::Device& d : page) *response->add_devices() = std::move(d);
    if (more) {
      response->set_next_page_token(
          deps_.page_tokens->Make("devices", scope, *request, response->devices().rbegin()->id()));
    }
    return absl::OkStatus();
  });
}

grpc::Status UserServiceImpl::DeleteDevice(grpc::ServerContext* context,
                                           const v1::DeleteDeviceRequest* request,
                                           v1::DeleteDeviceResponse*) {
  return WithCaller(deps_.authorizer->User(AuthorizationOf(context)), [&](const Caller& caller) {
    return deps_.devices->Delete(caller.company, caller.user.id, request->id());
  });
}

}  // namespace notify::api
