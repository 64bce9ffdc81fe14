#include "server/core/company_context.h"

#include <utility>

namespace notify {

absl::StatusOr<CompanyContext> LoadCompanyContext(CompanyDirectory& companies, absl::string_view id,
                                                  CompanyRecord* record) {
  absl::StatusOr<CompanyRecord> read = companies.Get(id);
  if (!read.ok()) return read.status();
  CompanyContext company{read->id,     read->name,          read->system_email, read->push_enabled,
                         "",           read->support_email, read->logo_url,     read->icon_url,
                         read->website};
  // A token that cannot be opened leaves it empty: what needs the platform then fails, saying so,
  // and the rest still goes.
  absl::StatusOr<std::string> token = companies.PlatformToken(*read);
  if (token.ok()) company.platform_token = *std::move(token);
  if (record != nullptr) *record = *std::move(read);
  return company;
}

}  // namespace notify
