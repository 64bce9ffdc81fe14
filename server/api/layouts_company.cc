// Layouts (AdminService CRUD) and the company's settings (UpdateCompany).
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "server/api/convert.h"
#include "server/api/field_mask.h"
#include "server/api/grpc_status.h"
#include "server/api/services.h"
#include "server/common/status.h"
#include "server/core/ready_made_templates.h"

namespace notify::api {
namespace {

namespace v1 = notifications::v1;

const std::set<std::string>& LayoutOutputOnly() {
  static const std::set<std::string>* const kFields =
      new std::set<std::string>{"id", "created", "updated"};
  return *kFields;
}

const std::set<std::string>& CompanyOutputOnly() {
  static const std::set<std::string>* const kFields = new std::set<std::string>{
      "id", "mode", "active", "activated", "deactivated", "created", "updated"};
  return *kFields;
}

absl::Status InvalidCompanyField(absl::string_view field, absl::string_view message) {
  return WithField(
      WithReason(absl::InvalidArgumentError(absl::StrCat(field, ": ", message)), "INVALID_FIELD"),
      field);
}

absl::Status ValidateCompany(const v1::Company& c) {
  if (absl::StripAsciiWhitespace(c.name()).empty()) {
    return InvalidCompanyField("name", "a name is required");
  }
  if (!c.system_email().empty() && !IsEmailAddress(c.system_email())) {
    return InvalidCompanyField("system_email", "not an email address");
  }
  if (!c.support_email().empty() && !IsEmailAddress(c.support_email())) {
    return InvalidCompanyField("support_email", "not an email address");
  }
  if (!c.logo_url().empty() && !absl::StartsWith(c.logo_url(), "https://") &&
      !absl::StartsWith(c.logo_url(), "http://")) {
    return InvalidCompanyField("logo_url", "must be an http:// or https:// URL");
  }
  for (const auto& [field, value] :
       {std::pair<const char*, int>{"email_daily_quota", c.email_daily_quota()},
        {"sms_daily_quota", c.sms_daily_quota()},
        {"push_daily_quota", c.push_daily_quota()}}) {
    if (value < 0) return InvalidCompanyField(field, "must be 0 (no limit) or more");
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status AdminServiceImpl::UpdateCompany(grpc::ServerContext* context,
                                             const v1::UpdateCompanyRequest* request,
                                             v1::UpdateCompanyResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(
        CompanyRecord updated,
        companies_->UpdateSettings(caller.company, [&](CompanyRecord& record) {
          v1::Company company;
          ToProto(record, &company);
          NOTIFY_RETURN_IF_ERROR(ApplyUpdateMask(request->company(), request->update_mask(),
                                                 CompanyOutputOnly(), &company));
          NOTIFY_RETURN_IF_ERROR(ValidateCompany(company));
          record.name = company.name();
          record.system_email = company.system_email();
          record.support_email = company.support_email();
          record.logo_url = company.logo_url();
          record.push_enabled = company.push_enabled();
          record.email_daily_quota = company.email_daily_quota();
          record.sms_daily_quota = company.sms_daily_quota();
          record.push_daily_quota = company.push_daily_quota();
          return absl::OkStatus();
        }));
    deps_.directory->Forget(caller.company);  // GetCompany here shows the change at once.
    ToProto(updated, response->mutable_company());
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::CreateLayout(grpc::ServerContext* context,
                                            const v1::CreateLayoutRequest* request,
                                            v1::CreateLayoutResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    v1::Layout layout = request->layout();
    NOTIFY_RETURN_IF_ERROR(ValidateLayout(layout, *deps_.templates));
    NOTIFY_ASSIGN_OR_RETURN(*response->mutable_layout(),
                            deps_.layouts->Create(caller.company, std::move(layout)));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetLayout(grpc::ServerContext* context,
                                         const v1::GetLayoutRequest* request,
                                         v1::GetLayoutResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(*response->mutable_layout(),
                            deps_.layouts->Get(caller.company, request->id()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListLayouts(grpc::ServerContext* context,
                                           const v1::ListLayoutsRequest* request,
                                           v1::ListLayoutsResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(const int page_size, PageSize(request->page_size()));
    NOTIFY_ASSIGN_OR_RETURN(
        nlohmann::json cursor,
        page_tokens_->Read("layouts", caller.company, *request, request->page_token()));
    NOTIFY_ASSIGN_OR_RETURN(std::vector<v1::Layout> page,
                            deps_.layouts->List(caller.company, request->name(),
                                                cursor.is_string() ? cursor.get<std::string>() : "",
                                                page_size + 1, request->skip()));
    const bool more = static_cast<int>(page.size()) > page_size;
    if (more) page.resize(page_size);
    for (v1::Layout& l : page) *response->add_layouts() = std::move(l);
    if (more) {
      response->set_next_page_token(page_tokens_->Make("layouts", caller.company, *request,
                                                       response->layouts().rbegin()->id()));
    }
    NOTIFY_ASSIGN_OR_RETURN(const int total, deps_.layouts->Count(caller.company, request->name()));
    response->set_total_size(total);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::UpdateLayout(grpc::ServerContext* context,
                                            const v1::UpdateLayoutRequest* request,
                                            v1::UpdateLayoutResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(
        *response->mutable_layout(),
        deps_.layouts->Update(caller.company, request->layout().id(), [&](v1::Layout& stored) {
          NOTIFY_RETURN_IF_ERROR(ApplyUpdateMask(request->layout(), request->update_mask(),
                                                 LayoutOutputOnly(), &stored));
          return ValidateLayout(stored, *deps_.templates);
        }));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::DeleteLayout(grpc::ServerContext* context,
                                            const v1::DeleteLayoutRequest* request,
                                            v1::DeleteLayoutResponse*) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    return deps_.layouts->Delete(caller.company, request->id());
  });
}

grpc::Status AdminServiceImpl::ListTemplates(grpc::ServerContext* context,
                                             const v1::ListTemplatesRequest* request,
                                             v1::ListTemplatesResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller&) {
    for (const v1::Template& t : ReadyMadeTemplates()) {
      if (!request->event().empty() && t.notification().event() != request->event()) continue;
      if (request->type() != v1::NOTIFICATION_TYPE_UNSPECIFIED &&
          t.notification().type() != request->type()) {
        continue;
      }
      *response->add_templates() = t;
    }
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetTemplate(grpc::ServerContext* context,
                                           const v1::GetTemplateRequest* request,
                                           v1::GetTemplateResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller&) {
    for (const v1::Template& t : ReadyMadeTemplates()) {
      if (t.id() == request->id()) {
        *response->mutable_template_() = t;
        return absl::OkStatus();
      }
    }
    return WithReason(absl::NotFoundError("No such template."), "TEMPLATE_NOT_FOUND");
  });
}

}  // namespace notify::api
