// The gRPC services of notifications.v1. Methods a later piece of work implements answer
// UNIMPLEMENTED (the generated base class's answer) until then.
#ifndef NOTIFY_SERVER_API_SERVICES_H_
#define NOTIFY_SERVER_API_SERVICES_H_

#include "notifications/v1/admin_service.grpc.pb.h"
#include "notifications/v1/user_service.grpc.pb.h"
#include "notifications/v1/webhook_service.grpc.pb.h"
#include "server/api/page_token.h"
#include "server/auth/authorizer.h"
#include "server/core/ingest.h"
#include "server/core/lifecycle.h"
#include "server/store/company_store.h"
#include "server/store/event_store.h"

namespace notify::api {

// AdminService: the extension's lifecycle and what a company's admins manage. Every method but
// Activate, Deactivate and Rotate (which carry their token in the request) needs an admin token in
// the `authorization` metadata and works on that token's company only.
class AdminServiceImpl final : public notifications::v1::AdminService::Service {
 public:
  AdminServiceImpl(Authorizer* authorizer, Lifecycle* lifecycle, CompanyStore* companies,
                   EventStore* events, const PageTokens* page_tokens)
      : authorizer_(authorizer),
        lifecycle_(lifecycle),
        companies_(companies),
        events_(events),
        page_tokens_(page_tokens) {}

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

 private:
  Authorizer* const authorizer_;
  Lifecycle* const lifecycle_;
  CompanyStore* const companies_;
  EventStore* const events_;
  const PageTokens* const page_tokens_;
};

// UserService: a user's notifications, preferences, inbox and devices.
class UserServiceImpl final : public notifications::v1::UserService::Service {};

// WebhookService: the platform's events, with the company's secret in `authorization` metadata.
class WebhookServiceImpl final : public notifications::v1::WebhookService::Service {
 public:
  explicit WebhookServiceImpl(Ingest* ingest) : ingest_(ingest) {}

  grpc::Status ReceiveEvent(grpc::ServerContext* context,
                            const notifications::v1::ReceiveEventRequest* request,
                            notifications::v1::ReceiveEventResponse* response) override;

 private:
  Ingest* const ingest_;
};

// The `authorization` metadata of a call, or "" when there is none.
std::string AuthorizationOf(const grpc::ServerContext* context);

}  // namespace notify::api

#endif  // NOTIFY_SERVER_API_SERVICES_H_
