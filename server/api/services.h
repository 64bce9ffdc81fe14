// The gRPC services of notifications.v1: AdminService, UserService and WebhookService over what
// ServiceDeps holds. Each method's contract (fields, errors, reasons) is in its .proto; these
// classes check the caller, convert between messages and records, and convert errors once.
#ifndef NOTIFY_SERVER_API_SERVICES_H_
#define NOTIFY_SERVER_API_SERVICES_H_

#include <functional>

#include "notifications/v1/admin_service.grpc.pb.h"
#include "notifications/v1/user_service.grpc.pb.h"
#include "notifications/v1/webhook_service.grpc.pb.h"
#include "server/api/grpc_status.h"
#include "server/api/page_token.h"
#include "server/auth/authorizer.h"
#include "server/core/event_planner.h"
#include "server/core/ingest.h"
#include "server/core/lifecycle.h"
#include "server/core/notification_rules.h"
#include "server/core/quotas.h"
#include "server/store/company_store.h"
#include "server/store/credential_store.h"
#include "server/store/delivery_store.h"
#include "server/store/event_store.h"
#include "server/store/inbox_store.h"
#include "server/store/layout_store.h"
#include "server/store/notification_store.h"

namespace notify::api {

// What the services work with; `app/` builds it.
struct ServiceDeps {
  Authorizer* authorizer = nullptr;
  // Companies as recently read (GetCompany); told to forget one that changes here.
  CompanyDirectory* directory = nullptr;
  Lifecycle* lifecycle = nullptr;
  CompanyStore* companies = nullptr;
  EventStore* events = nullptr;
  NotificationStore* notifications = nullptr;
  LayoutStore* layouts = nullptr;
  DeviceStore* devices = nullptr;
  // How many devices a user keeps (RegisterDevice drops the least recently registered past it).
  int max_devices_per_user = 20;
  // The operator's daily quota ceilings: UpdateCompany refuses a quota above one.
  DailyQuotaCeilings quota_ceilings;
  LogStore* logs = nullptr;
  CredentialStore* credentials = nullptr;
  const SecretBox* box = nullptr;
  const PageTokens* page_tokens = nullptr;
  const TemplateChecker* templates = nullptr;
  DeliveryStore* deliveries = nullptr;
  const EventPlanner* planner = nullptr;
  // Loads a company as the planner needs it (its platform token opened).
  std::function<absl::StatusOr<CompanyContext>(const std::string&)> load_company;
  // The platform users in a group (with the company's token).
  std::function<absl::StatusOr<std::vector<PlatformUser>>(const std::string&, const std::string&)>
      list_group_users;
  // Wakes the event workers (after a replay); may be empty.
  std::function<void()> wake_events;
};

// Runs `body` for an authorized caller, or answers the authorization's error.
template <typename Body>
grpc::Status WithCaller(const absl::StatusOr<Caller>& caller, Body body);

// AdminService: the extension's lifecycle and what a company's admins manage. Every method but
// Activate, Deactivate and Rotate (which carry their token in the request) needs an admin token in
// the `authorization` metadata and works on that token's company only.
class AdminServiceImpl final : public notifications::v1::AdminService::Service {
 public:
  explicit AdminServiceImpl(const ServiceDeps& deps)
      : authorizer_(deps.authorizer),
        lifecycle_(deps.lifecycle),
        companies_(deps.companies),
        events_(deps.events),
        page_tokens_(deps.page_tokens),
        deps_(deps) {}

  grpc::Status Activate(grpc::ServerContext* context,
                        const notifications::v1::ActivateRequest* request,
                        notifications::v1::ActivateResponse* response) override;
  grpc::Status Deactivate(grpc::ServerContext* context,
                          const notifications::v1::DeactivateRequest* request,
                          notifications::v1::DeactivateResponse* response) override;
  grpc::Status Rotate(grpc::ServerContext* context, const notifications::v1::RotateRequest* request,
                      notifications::v1::RotateResponse* response) override;
  grpc::Status GetCompany(grpc::ServerContext* context,
                          const notifications::v1::GetCompanyRequest* request,
                          notifications::v1::GetCompanyResponse* response) override;
  grpc::Status ListEvents(grpc::ServerContext* context,
                          const notifications::v1::ListEventsRequest* request,
                          notifications::v1::ListEventsResponse* response) override;
  grpc::Status GetEvent(grpc::ServerContext* context,
                        const notifications::v1::GetEventRequest* request,
                        notifications::v1::GetEventResponse* response) override;
  grpc::Status ListLogs(grpc::ServerContext* context,
                        const notifications::v1::ListLogsRequest* request,
                        notifications::v1::ListLogsResponse* response) override;
  grpc::Status GetLog(grpc::ServerContext* context, const notifications::v1::GetLogRequest* request,
                      notifications::v1::GetLogResponse* response) override;
  grpc::Status UpdateCompany(grpc::ServerContext* context,
                             const notifications::v1::UpdateCompanyRequest* request,
                             notifications::v1::UpdateCompanyResponse* response) override;
  grpc::Status ListTemplates(grpc::ServerContext* context,
                             const notifications::v1::ListTemplatesRequest* request,
                             notifications::v1::ListTemplatesResponse* response) override;
  grpc::Status GetTemplate(grpc::ServerContext* context,
                           const notifications::v1::GetTemplateRequest* request,
                           notifications::v1::GetTemplateResponse* response) override;
  grpc::Status ListLayoutTemplates(
      grpc::ServerContext* context, const notifications::v1::ListLayoutTemplatesRequest* request,
      notifications::v1::ListLayoutTemplatesResponse* response) override;
  grpc::Status GetLayoutTemplate(grpc::ServerContext* context,
                                 const notifications::v1::GetLayoutTemplateRequest* request,
                                 notifications::v1::GetLayoutTemplateResponse* response) override;
  grpc::Status CreateCredential(grpc::ServerContext* context,
                                const notifications::v1::CreateCredentialRequest* request,
                                notifications::v1::CreateCredentialResponse* response) override;
  grpc::Status GetCredential(grpc::ServerContext* context,
                             const notifications::v1::GetCredentialRequest* request,
                             notifications::v1::GetCredentialResponse* response) override;
  grpc::Status ListCredentials(grpc::ServerContext* context,
                               const notifications::v1::ListCredentialsRequest* request,
                               notifications::v1::ListCredentialsResponse* response) override;
  grpc::Status UpdateCredential(grpc::ServerContext* context,
                                const notifications::v1::UpdateCredentialRequest* request,
                                notifications::v1::UpdateCredentialResponse* response) override;
  grpc::Status DeleteCredential(grpc::ServerContext* context,
                                const notifications::v1::DeleteCredentialRequest* request,
                                notifications::v1::DeleteCredentialResponse* response) override;
  grpc::Status CreateLayout(grpc::ServerContext* context,
                            const notifications::v1::CreateLayoutRequest* request,
                            notifications::v1::CreateLayoutResponse* response) override;
  grpc::Status GetLayout(grpc::ServerContext* context,
                         const notifications::v1::GetLayoutRequest* request,
                         notifications::v1::GetLayoutResponse* response) override;
  grpc::Status ListLayouts(grpc::ServerContext* context,
                           const notifications::v1::ListLayoutsRequest* request,
                           notifications::v1::ListLayoutsResponse* response) override;
  grpc::Status UpdateLayout(grpc::ServerContext* context,
                            const notifications::v1::UpdateLayoutRequest* request,
                            notifications::v1::UpdateLayoutResponse* response) override;
  grpc::Status DeleteLayout(grpc::ServerContext* context,
                            const notifications::v1::DeleteLayoutRequest* request,
                            notifications::v1::DeleteLayoutResponse* response) override;
  grpc::Status CreateNotification(grpc::ServerContext* context,
                                  const notifications::v1::CreateNotificationRequest* request,
                                  notifications::v1::CreateNotificationResponse* response) override;
  grpc::Status GetNotification(grpc::ServerContext* context,
                               const notifications::v1::GetNotificationRequest* request,
                               notifications::v1::GetNotificationResponse* response) override;
  grpc::Status ListNotifications(grpc::ServerContext* context,
                                 const notifications::v1::ListNotificationsRequest* request,
                                 notifications::v1::ListNotificationsResponse* response) override;
  grpc::Status UpdateNotification(grpc::ServerContext* context,
                                  const notifications::v1::UpdateNotificationRequest* request,
                                  notifications::v1::UpdateNotificationResponse* response) override;
  grpc::Status DeleteNotification(grpc::ServerContext* context,
                                  const notifications::v1::DeleteNotificationRequest* request,
                                  notifications::v1::DeleteNotificationResponse* response) override;
  grpc::Status PreviewNotification(
      grpc::ServerContext* context, const notifications::v1::PreviewNotificationRequest* request,
      notifications::v1::PreviewNotificationResponse* response) override;
  grpc::Status TriggerNotification(
      grpc::ServerContext* context, const notifications::v1::TriggerNotificationRequest* request,
      notifications::v1::TriggerNotificationResponse* response) override;
  grpc::Status ResendLog(grpc::ServerContext* context,
                         const notifications::v1::ResendLogRequest* request,
                         notifications::v1::ResendLogResponse* response) override;
  grpc::Status ReplayEvent(grpc::ServerContext* context,
                           const notifications::v1::ReplayEventRequest* request,
                           notifications::v1::ReplayEventResponse* response) override;

 private:
  Authorizer* const authorizer_;
  Lifecycle* const lifecycle_;
  CompanyStore* const companies_;
  EventStore* const events_;
  const PageTokens* const page_tokens_;
  const ServiceDeps deps_;
};

// UserService: a user's notifications, preferences, inbox and devices. Every call needs a valid
// platform token and works on that user's own data only.
class UserServiceImpl final : public notifications::v1::UserService::Service {
 public:
  explicit UserServiceImpl(const ServiceDeps& deps) : deps_(deps) {}

  grpc::Status ListNotifications(
      grpc::ServerContext* context, const notifications::v1::ListUserNotificationsRequest* request,
      notifications::v1::ListUserNotificationsResponse* response) override;
  grpc::Status GetNotification(grpc::ServerContext* context,
                               const notifications::v1::GetUserNotificationRequest* request,
                               notifications::v1::GetUserNotificationResponse* response) override;
  grpc::Status UpdateNotificationPreference(
      grpc::ServerContext* context,
      const notifications::v1::UpdateNotificationPreferenceRequest* request,
      notifications::v1::UpdateNotificationPreferenceResponse* response) override;
  grpc::Status ListLogs(grpc::ServerContext* context,
                        const notifications::v1::ListUserLogsRequest* request,
                        notifications::v1::ListUserLogsResponse* response) override;
  grpc::Status GetLog(grpc::ServerContext* context,
                      const notifications::v1::GetUserLogRequest* request,
                      notifications::v1::GetUserLogResponse* response) override;
  grpc::Status UpdateLog(grpc::ServerContext* context,
                         const notifications::v1::UpdateUserLogRequest* request,
                         notifications::v1::UpdateUserLogResponse* response) override;
  grpc::Status RegisterDevice(grpc::ServerContext* context,
                              const notifications::v1::RegisterDeviceRequest* request,
                              notifications::v1::RegisterDeviceResponse* response) override;
  grpc::Status ListDevices(grpc::ServerContext* context,
                           const notifications::v1::ListDevicesRequest* request,
                           notifications::v1::ListDevicesResponse* response) override;
  grpc::Status DeleteDevice(grpc::ServerContext* context,
                            const notifications::v1::DeleteDeviceRequest* request,
                            notifications::v1::DeleteDeviceResponse* response) override;

 private:
  const ServiceDeps deps_;
};

// WebhookService: the platform's events, with the company's secret in `authorization` metadata.
class WebhookServiceImpl final : public notifications::v1::WebhookService::Service {
 public:
  explicit WebhookServiceImpl(Ingest* ingest) : ingest_(ingest) {}

  grpc::Status ReceiveEvent(grpc::ServerContext* context,
                            const notifications::v1::ReceiveEventRequest* request,
                            notifications::v1::ReceiveEventResponse* response) override;
  grpc::Status ReceiveEvents(grpc::ServerContext* context,
                             const notifications::v1::ReceiveEventsRequest* request,
                             notifications::v1::ReceiveEventsResponse* response) override;

 private:
  Ingest* const ingest_;
};

// The `authorization` metadata of a call, or "" when there is none.
std::string AuthorizationOf(const grpc::ServerContext* context);

template <typename Body>
grpc::Status WithCaller(const absl::StatusOr<Caller>& caller, Body body) {
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ToGrpcStatus(body(*caller));
}

}  // namespace notify::api

#endif  // NOTIFY_SERVER_API_SERVICES_H_
