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
  ToAdminProto(*company, *deps_.box, response->mutable_company());
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
  absl::StatusOr<std::shared_ptr<const CompanyRecord>> company =
      deps_.directory->Find(caller->company);
  if (!company.ok()) return ToGrpcStatus(company.status());
  ToAdminProto(**company, *deps_.box, response->mutable_company());
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ListEvents(grpc::ServerContext* context,
                                          const v1::ListEventsRequest* request,
                                          v1::ListEventsResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(const PageRequest page,
                            ReadPage(*page_tokens_, "events", caller.company, *request));
    EventFilter filter;
    filter.name = request->event();
    filter.status = request->status();
    if (request->has_start_time()) {
      NOTIFY_RETURN_IF_ERROR(CheckTimestamp(request->start_time(), "start_time"));
      filter.start = FromTimestamp(request->start_time());
    }
    if (request->has_end_time()) {
      NOTIFY_RETURN_IF_ERROR(CheckTimestamp(request->end_time(), "end_time"));
      filter.end = FromTimestamp(request->end_time());
    }
    std::optional<EventCursor> after;
    if (page.cursor.is_object()) {
      after = EventCursor{absl::FromUnixMicros(page.cursor.value("r", int64_t{0})),
                          page.cursor.value("i", "")};
    }
    NOTIFY_ASSIGN_OR_RETURN(std::vector<EventRecord> events,
                            events_->List(caller.company, filter, after, page.size + 1, page.skip));
    response->set_next_page_token(FinishPage(
        *page_tokens_, "events", caller.company, *request, page, &events,
        [](const EventRecord& last) {
          return nlohmann::json{{"r", absl::ToUnixMicros(last.received)}, {"i", last.id}};
        }));
    for (const EventRecord& event : events) ToProto(event, response->add_events());
    NOTIFY_ASSIGN_OR_RETURN(const int total, events_->Count(caller.company, filter));
    response->set_total_size(total);
    return absl::OkStatus();
  });
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
