// Layouts (AdminService CRUD) and the company's settings (UpdateCompany).
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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
      "id", "mode", "active", "activated", "deactivated", "created", "updated", "webhook_secret"};
  return *kFields;
}

bool ContainsIgnoringCase(absl::string_view text, absl::string_view part) {
  return part.empty() ||
         absl::StrContains(absl::AsciiStrToLower(text), absl::AsciiStrToLower(part));
}

// The page of `items` (in id order) after the page request's cursor and skip, read as a store
// reads one: up to size + 1 items, for FinishPage.
template <typename T, typename IdOf>
std::vector<T> PageOfSorted(const std::vector<T>& items, const PageRequest& page, IdOf id_of) {
  std::vector<T> out;
  int skipped = 0;
  for (const T& item : items) {
    if (!page.after_id().empty() && id_of(item) <= page.after_id()) continue;
    if (skipped < page.skip) {
      ++skipped;
      continue;
    }
    if (static_cast<int>(out.size()) > page.size) break;
    out.push_back(item);
  }
  return out;
}

// A ready-made template with its ready-made layout's summary.
v1::Template WithLayoutSummary(v1::Template t) {
  if (const v1::Layout* l = FindReadyMadeLayout(t.layout()); l != nullptr) {
    v1::LayoutSummary* summary = t.mutable_layout_summary();
    summary->set_id(l->id());
    summary->set_name(l->name());
    summary->set_description(l->description());
  }
  return t;
}

absl::Status ValidateCompany(const v1::Company& c, const DailyQuotaCeilings& ceilings) {
  if (absl::StripAsciiWhitespace(c.name()).empty()) {
    return InvalidField("name", "a name is required");
  }
  if (!c.system_email().empty() && !IsEmailAddress(c.system_email())) {
    return InvalidField("system_email", "not an email address");
  }
  if (!c.support_email().empty() && !IsEmailAddress(c.support_email())) {
    return InvalidField("support_email", "not an email address");
  }
  if (!c.contact_email().empty() && !IsEmailAddress(c.contact_email())) {
    return InvalidField("contact_email", "not an email address");
  }
  for (const auto& [field, url] :
       {std::pair<const char*, const std::string*>{"logo_url", &c.logo_url()},
        {"icon_url", &c.icon_url()},
        {"website", &c.website()}}) {
    if (!url->empty() && !absl::StartsWith(*url, "https://") &&
        !absl::StartsWith(*url, "http://")) {
      return InvalidField(field, "must be an http:// or https:// URL");
    }
    if (url->size() > 2000) return InvalidField(field, "must be at most 2000 characters");
  }
  // A header value: one line of printable text.
  if (c.bimi_selector_header().size() > 500 ||
      std::any_of(c.bimi_selector_header().begin(), c.bimi_selector_header().end(),
                  [](char ch) { return static_cast<unsigned char>(ch) < 0x20; })) {
    return InvalidField("bimi_selector_header",
                        "must be one line of at most 500 characters, such as "
                        "\"v=BIMI1; s=acme;\"");
  }
  for (const auto& [field, value, ceiling] :
       {std::tuple<const char*, int, int>{"email_daily_quota", c.email_daily_quota(),
                                          ceilings.email},
        {"sms_daily_quota", c.sms_daily_quota(), ceilings.sms},
        {"push_daily_quota", c.push_daily_quota(), ceilings.push}}) {
    if (value < 0) return InvalidField(field, "must be 0 (no limit of your own) or more");
    if (ceiling > 0 && value > ceiling) {
      return InvalidField(field, absl::StrCat("must be at most ", ceiling,
                                              ", the operator's daily ceiling (0: the ceiling)"));
    }
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
          NOTIFY_RETURN_IF_ERROR(ValidateCompany(company, deps_.quota_ceilings));
          record.name = company.name();
          record.system_email = company.system_email();
          record.support_email = company.support_email();
          record.logo_url = company.logo_url();
          record.push_enabled = company.push_enabled();
          record.email_daily_quota = company.email_daily_quota();
          record.sms_daily_quota = company.sms_daily_quota();
          record.push_daily_quota = company.push_daily_quota();
          record.website = company.website();
          record.contact_email = company.contact_email();
          record.icon_url = company.icon_url();
          record.bimi_selector_header = company.bimi_selector_header();
          return absl::OkStatus();
        }));
    deps_.directory->Forget(caller.company);  // GetCompany here shows the change at once.
    ToAdminProto(updated, *deps_.box, response->mutable_company());
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
    NOTIFY_ASSIGN_OR_RETURN(const PageRequest page_request,
                            ReadPage(*page_tokens_, "layouts", caller.company, *request));
    const LayoutFilter filter{.name_contains = request->name(), .type = request->type()};
    NOTIFY_ASSIGN_OR_RETURN(std::vector<v1::Layout> page,
                            deps_.layouts->List(caller.company, filter, page_request.after_id(),
                                                page_request.size + 1, page_request.skip));
    response->set_next_page_token(FinishPage(*page_tokens_, "layouts", caller.company, *request,
                                             page_request, &page,
                                             [](const v1::Layout& l) { return l.id(); }));
    for (v1::Layout& l : page) *response->add_layouts() = std::move(l);
    NOTIFY_ASSIGN_OR_RETURN(const int total, deps_.layouts->Count(caller.company, filter));
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
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(const PageRequest page_request,
                            ReadPage(*page_tokens_, "templates", caller.company, *request));
    std::vector<v1::Template> matches;
    for (const v1::Template& t : ReadyMadeTemplates()) {
      const v1::Notification& n = t.notification();
      if (!request->event().empty() && n.event() != request->event()) continue;
      if (request->type() != v1::NOTIFICATION_TYPE_UNSPECIFIED && n.type() != request->type()) {
        continue;
      }
      if (!ContainsIgnoringCase(t.name(), request->name())) continue;
      if (!request->layout().empty() && t.layout() != request->layout()) continue;
      matches.push_back(t);
    }
    response->set_total_size(static_cast<int>(matches.size()));
    std::vector<v1::Template> page =
        PageOfSorted(matches, page_request, [](const v1::Template& t) { return t.id(); });
    response->set_next_page_token(FinishPage(*page_tokens_, "templates", caller.company, *request,
                                             page_request, &page,
                                             [](const v1::Template& t) { return t.id(); }));
    for (v1::Template& t : page) *response->add_templates() = WithLayoutSummary(std::move(t));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListLayoutTemplates(grpc::ServerContext* context,
                                                   const v1::ListLayoutTemplatesRequest* request,
                                                   v1::ListLayoutTemplatesResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller& caller) {
    NOTIFY_ASSIGN_OR_RETURN(const PageRequest page_request,
                            ReadPage(*page_tokens_, "layout_templates", caller.company, *request));
    std::vector<v1::Layout> matches;
    for (const v1::Layout& l : ReadyMadeLayouts()) {
      if (!ContainsIgnoringCase(l.name(), request->name())) continue;
      if (request->type() != v1::NOTIFICATION_TYPE_UNSPECIFIED &&
          l.type() != v1::NOTIFICATION_TYPE_UNSPECIFIED && l.type() != request->type()) {
        continue;
      }
      matches.push_back(l);
    }
    response->set_total_size(static_cast<int>(matches.size()));
    std::vector<v1::Layout> page =
        PageOfSorted(matches, page_request, [](const v1::Layout& l) { return l.id(); });
    response->set_next_page_token(FinishPage(*page_tokens_, "layout_templates", caller.company,
                                             *request, page_request, &page,
                                             [](const v1::Layout& l) { return l.id(); }));
    for (v1::Layout& l : page) *response->add_layouts() = std::move(l);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetLayoutTemplate(grpc::ServerContext* context,
                                                 const v1::GetLayoutTemplateRequest* request,
                                                 v1::GetLayoutTemplateResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller&) {
    const v1::Layout* layout = FindReadyMadeLayout(request->id());
    if (layout == nullptr) {
      return WithReason(absl::NotFoundError("No such ready-made layout."), "LAYOUT_NOT_FOUND");
    }
    *response->mutable_layout() = *layout;
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetTemplate(grpc::ServerContext* context,
                                           const v1::GetTemplateRequest* request,
                                           v1::GetTemplateResponse* response) {
  return WithCaller(authorizer_->Admin(AuthorizationOf(context)), [&](const Caller&) {
    const v1::Template* found = FindReadyMadeTemplate(request->id());
    if (found == nullptr) {
      return WithReason(absl::NotFoundError("No such template."), "TEMPLATE_NOT_FOUND");
    }
    *response->mutable_template_() = WithLayoutSummary(*found);
    return absl::OkStatus();
  });
}

}  // namespace notify::api
