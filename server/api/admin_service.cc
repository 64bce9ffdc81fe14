#include "server/api/convert.h"
#include "server/api/grpc_status.h"
#include "server/api/services.h"

namespace notify::api {
namespace {

namespace v1 = notifications::v1;

}  // namespace

std::string AuthorizationOf(const grpc::ServerContext* context) {
  auto it = context->client_metadata().find("authorization");
  if (it == context->client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

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
  // From the directory: the authorization just read it, so the cheapest call costs no query.
  absl::StatusOr<CompanyRecord> company = deps_.directory->Get(caller->company);
  if (!company.ok()) return ToGrpcStatus(company.status());
  ToProto(*company, response->mutable_company());
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ListEvents(grpc::ServerContext* context,
                                          const v1::ListEventsRequest* request,
                                          v1::ListEventsResponse* response) {
  absl::StatusOr<Caller> caller = authorizer_->Admin(AuthorizationOf(context));
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<int> page_size = PageSize(request->page_size());
  if (!page_size.ok()) return ToGrpcStatus(page_size.status());
  absl::StatusOr<nlohmann::json> cursor =
      page_tokens_->Read("events", caller->company, *request, request->page_token());
  if (!cursor.ok()) return ToGrpcStatus(cursor.status());

  EventFilter filter;
  filter.name = request->event();
  filter.status = EventStatusName(request->status());
  for (const auto& [present, time, field] :
       {std::tuple(request->has_start_time(), &request->start_time(), "start_time"),
        std::tuple(request->has_end_time(), &request->end_time(), "end_time")}) {
    if (!present) continue;
    if (absl::Status s = CheckTimestamp(*time, field); !s.ok()) return ToGrpcStatus(s);
  }
  if (request->has_start_time()) filter.start = FromTimestamp(request->start_time());
  if (request->has_end_time()) filter.end = FromTimestamp(request->end_time());
  std::optional<EventCursor> after;
  if (cursor->is_object()) {
    after =
        EventCursor{absl::FromUnixMicros(cursor->value("r", int64_t{0})), cursor->value("i", "")};
  }
  // One more than asked tells whether there is a next page.
  absl::StatusOr<std::vector<EventRecord>> events =
      events_->List(caller->company, filter, after, *page_size + 1, request->skip());
  if (!events.ok()) return ToGrpcStatus(events.status());
  const bool more = static_cast<int>(events->size()) > *page_size;
  if (more) events->resize(*page_size);
  for (const EventRecord& event : *events) ToProto(event, response->add_events());
  if (more) {
    const EventRecord& last = events->back();
    response->set_next_page_token(
        page_tokens_->Make("events", caller->company, *request,
                           {{"r", absl::ToUnixMicros(last.received)}, {"i", last.id}}));
  }
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::GetEvent(grpc::ServerContext* context,
                                        const v1::GetEventRequest* request,
                                        v1::GetEventResponse* response) {
  absl::StatusOr<Caller> caller = authorizer_->Admin(AuthorizationOf(context));
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<EventRecord> event = events_->Get(caller->company, request->id());
  if (!event.ok()) return ToGrpcStatus(event.status());
  ToProto(*event, response->mutable_event());
  return grpc::Status::OK;
}

}  // namespace notify::api
