// The gRPC services of notifications.v1. Methods a later piece of work implements answer
// UNIMPLEMENTED (the generated base class's answer) until then.
#ifndef NOTIFY_SERVER_API_SERVICES_H_
#define NOTIFY_SERVER_API_SERVICES_H_

#include "notifications/v1/admin_service.grpc.pb.h"
#include "notifications/v1/user_service.grpc.pb.h"
#include "notifications/v1/webhook_service.grpc.pb.h"
#include "server/auth/authorizer.h"
#include "server/core/lifecycle.h"
#include "server/store/company_store.h"

namespace notify::api {

// AdminService: the extension's lifecycle and what a company's admins manage. Every method but
// Activate, Deactivate and Rotate (which carry their token in the request) needs an admin token in
// the `authorization` metadata and works on that token's company only.
class AdminServiceImpl final : public notifications::v1::AdminService::Service {
 public:
  AdminServiceImpl(Authorizer* authorizer, Lifecycle* lifecycle, CompanyStore* companies)
      : authorizer_(authorizer), lifecycle_(lifecycle), companies_(companies) {}

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

 private:
  Authorizer* const authorizer_;
  Lifecycle* const lifecycle_;
  CompanyStore* const companies_;
};

// UserService: a user's notifications, preferences, inbox and devices.
class UserServiceImpl final : public notifications::v1::UserService::Service {};

// WebhookService: the platform's events.
class WebhookServiceImpl final : public notifications::v1::WebhookService::Service {};

}  // namespace notify::api

#endif  // NOTIFY_SERVER_API_SERVICES_H_
