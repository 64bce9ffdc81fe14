// The gRPC services of notifications.v1. Methods a later piece of work implements answer
// UNIMPLEMENTED (the generated base class's answer) until then.
#ifndef NOTIFY_SERVER_API_SERVICES_H_
#define NOTIFY_SERVER_API_SERVICES_H_

#include "notifications/v1/admin_service.grpc.pb.h"
#include "notifications/v1/user_service.grpc.pb.h"
#include "notifications/v1/webhook_service.grpc.pb.h"

namespace notify::api {

// AdminService: the extension's lifecycle and what a company's admins manage.
class AdminServiceImpl final : public notifications::v1::AdminService::Service {};

// UserService: a user's notifications, preferences, inbox and devices.
class UserServiceImpl final : public notifications::v1::UserService::Service {};

// WebhookService: the platform's events.
class WebhookServiceImpl final : public notifications::v1::WebhookService::Service {};

}  // namespace notify::api

#endif  // NOTIFY_SERVER_API_SERVICES_H_
