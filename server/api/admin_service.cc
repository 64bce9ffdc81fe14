#include "server/api/convert.h"
#include "server/api/grpc_status.h"
#include "server/api/services.h"

namespace notify::api {
namespace {

namespace v1 = notifications::v1;

// The `authorization` metadata of a call, or "" when there is none.
std::string AuthorizationOf(const grpc::ServerContext* context) {
  auto it = context->client_metadata().find("authorization");
  if (it == context->client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

grpc::Status AdminServiceImpl::Activate(grpc::ServerContext*, const v1::ActivateRequest* request,
                                        v1::ActivateResponse* response) {
  absl::StatusOr<CompanyRecord> company = lifecycle_->Activate(request->token());
  if (!company.ok()) return ToGrpcStatus(company.status());
  ToProto(*company, response->mutable_company());
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::Deactivate(grpc::ServerContext*,
                                          const v1::DeactivateRequest* request,
                                          v1::DeactivateResponse*) {
  return ToGrpcStatus(lifecycle_->Deactivate(request->token(), request->purge()));
}

grpc::Status AdminServiceImpl::Rotate(grpc::ServerContext*, const v1::RotateRequest* request,
                                      v1::RotateResponse*) {
  return ToGrpcStatus(lifecycle_->Rotate(request->token()));
}

grpc::Status AdminServiceImpl::GetCompany(grpc::ServerContext* context,
                                          const v1::GetCompanyRequest*,
                                          v1::GetCompanyResponse* response) {
  absl::StatusOr<Caller> caller = authorizer_->Admin(AuthorizationOf(context));
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<CompanyRecord> company = companies_->Get(caller->company);
  if (!company.ok()) return ToGrpcStatus(company.status());
  ToProto(*company, response->mutable_company());
  return grpc::Status::OK;
}

}  // namespace notify::api
