// Logs (the admin's view and the user's inbox) and users' push devices.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "server/api/convert.h"
#include "server/api/grpc_status.h"
#include "server/api/services.h"
#include "server/common/status.h"
#include "server/store/notification_store.h"

namespace notify::api {
namespace {

namespace v1 = notifications::v1;

// What a device may hold: FCM tokens are under 200 characters today, APNs ones 64; a name is for
// people to tell their devices apart (and is copied into every push delivery of the device).
constexpr std::size_t kMaxDeviceTokenBytes = 1024;
constexpr std::size_t kMaxDeviceNameBytes = 200;

// One page of logs newest first, with the next page's token (bound to `scope`) and the count.
template <typename Request, typename Response>
absl::Status ListLogPage(const ServiceDeps& deps, const std::string& company,
                         const std::string& scope, const Request& request, const LogFilter& filter,
                         bool for_user, Response* response) {
  NOTIFY_ASSIGN_OR_RETURN(const PageRequest page,
                          ReadPage(*deps.page_tokens, "logs", scope, request));
  std::optional<LogCursor> after;
  if (page.cursor.is_object()) {
    after = LogCursor{absl::FromUnixMicros(page.cursor.value("c", int64_t{0})),
                      page.cursor.value("i", "")};
  }
  NOTIFY_ASSIGN_OR_RETURN(std::vector<v1::Log> logs,
                          deps.logs->List(company, filter, after, page.size + 1, page.skip));
  response->set_next_page_token(
      FinishPage(*deps.page_tokens, "logs", scope, request, page, &logs, [](const v1::Log& last) {
        const int64_t created = last.created().seconds() * 1000000 + last.created().nanos() / 1000;
        return nlohmann::json{{"c", created}, {"i", last.id()}};
      }));
  for (v1::Log& log : logs) {
    if (for_user) log.clear_last_error();
    *response->add_logs() = std::move(log);
  }
  NOTIFY_ASSIGN_OR_RETURN(const int total, deps.logs->Count(company, filter));
  response->set_total_size(total);
  return absl::OkStatus();
}

// A request's time bound into `out`; InvalidArgument naming `field` when out of range.
absl::Status TimeBound(bool present, const google::protobuf::Timestamp& time,
                       absl::string_view field, std::optional<absl::Time>* out) {
  if (!present) return absl::OkStatus();
  NOTIFY_RETURN_IF_ERROR(CheckTimestamp(time, field));
  *out = FromTimestamp(time);
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
    filter.type = request->type();
    for (int type : request->types())
      filter.types.push_back(static_cast<v1::NotificationType>(type));
    filter.status = request->status();
    NOTIFY_RETURN_IF_ERROR(
        TimeBound(request->has_start_time(), request->start_time(), "start_time", &filter.start));
    NOTIFY_RETURN_IF_ERROR(
        TimeBound(request->has_end_time(), request->end_time(), "end_time", &filter.end));
    NOTIFY_RETURN_IF_ERROR(TimeBound(request->has_created_after(), request->created_after(),
                                     "created_after", &filter.created_after));
    if (request->has_sent()) filter.sent = request->sent();
    if (request->has_received()) filter.received = request->received();
    filter.notification_name = request->notification_name();
    filter.notification_name_contains = request->notification_name_contains();
    filter.recipient_contains = request->recipient_contains();
    filter.user_identifier = request->user_identifier();
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
    filter.type = request->type();
    if (request->has_received()) filter.received = request->received();
    NOTIFY_RETURN_IF_ERROR(TimeBound(request->has_created_after(), request->created_after(),
                                     "created_after", &filter.created_after));
    NOTIFY_RETURN_IF_ERROR(TimeBound(request->has_created_before(), request->created_before(),
                                     "created_before", &filter.created_before));
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
    if (device.token().empty()) {
      return InvalidField("token", "the FCM registration token is required");
    }
    if (device.token().size() > kMaxDeviceTokenBytes ||
        !std::all_of(device.token().begin(), device.token().end(),
                     [](unsigned char c) { return c > 0x20 && c < 0x7f; })) {
      return InvalidField("token",
                          absl::StrCat("an FCM registration token is printable ASCII without "
                                       "spaces, at most ",
                                       kMaxDeviceTokenBytes, " characters"));
    }
    if (device.name().size() > kMaxDeviceNameBytes) {
      return InvalidField("name",
                          absl::StrCat("the name is ", device.name().size(), " bytes; at most ",
                                       kMaxDeviceNameBytes, " are allowed"));
    }
    NOTIFY_ASSIGN_OR_RETURN(*response->mutable_device(),
                            deps_.devices->Register(caller.company, caller.user.id, device,
                                                    deps_.max_devices_per_user));
    return absl::OkStatus();
  });
}

grpc::Status UserServiceImpl::ListDevices(grpc::ServerContext* context,
                                          const v1::ListDevicesRequest* request,
                                          v1::ListDevicesResponse* response) {
  return WithCaller(deps_.authorizer->User(AuthorizationOf(context)), [&](const Caller& caller) {
    const std::string scope = UserScope(caller);
    NOTIFY_ASSIGN_OR_RETURN(const PageRequest page,
                            ReadPage(*deps_.page_tokens, "devices", scope, *request));
    NOTIFY_ASSIGN_OR_RETURN(std::vector<v1::Device> devices,
                            deps_.devices->List(caller.company, caller.user.id, page.after_id(),
                                                page.size + 1, page.skip));
    response->set_next_page_token(FinishPage(*deps_.page_tokens, "devices", scope, *request, page,
                                             &devices, [](const v1::Device& d) { return d.id(); }));
    for (v1::Device& d : devices) *response->add_devices() = std::move(d);
    NOTIFY_ASSIGN_OR_RETURN(const int total, deps_.devices->Count(caller.company, caller.user.id));
    response->set_total_size(total);
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
