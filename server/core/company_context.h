// A company as the delivery flow sees it: what templates may show of it and its platform token,
// opened from the company's record.
#ifndef NOTIFY_SERVER_CORE_COMPANY_CONTEXT_H_
#define NOTIFY_SERVER_CORE_COMPANY_CONTEXT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/store/company_directory.h"

namespace notify {

// What the planner needs of the company.
struct CompanyContext {
  std::string id;
  std::string name;
  std::string system_email;
  bool push_enabled = false;
  std::string platform_token;  // In clear; empty when there is none or it cannot be opened.
  // Public details templates and layouts may show (context.company.*).
  std::string support_email;
  std::string logo;
  std::string icon;
  std::string website;
};

// The company `id` read through `companies`, its token opened; `record`, when given, takes the
// record it was read from. NotFound for an unknown company; Unavailable while the store is.
absl::StatusOr<CompanyContext> LoadCompanyContext(CompanyDirectory& companies, absl::string_view id,
                                                  CompanyRecord* record = nullptr);

}  // namespace notify

#endif  // NOTIFY_SERVER_CORE_COMPANY_CONTEXT_H_
