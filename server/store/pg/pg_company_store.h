// CompanyStore on PostgreSQL.
#ifndef NOTIFY_SERVER_STORE_PG_PG_COMPANY_STORE_H_
#define NOTIFY_SERVER_STORE_PG_PG_COMPANY_STORE_H_

#include <pqxx/pqxx>

#include <functional>

#include "server/store/company_store.h"
#include "server/store/pg/pool.h"

namespace notify::pg {

class PgCompanyStore final : public CompanyStore {
 public:
  explicit PgCompanyStore(PgPool* pool) : pool_(pool) {}

  absl::StatusOr<CompanyRecord> Get(absl::string_view id) override;
  absl::StatusOr<CompanyRecord> Ensure(absl::string_view id, absl::string_view name,
                                       absl::string_view mode,
                                       absl::string_view sealed_webhook_secret) override;
  absl::StatusOr<CompanyRecord> Activate(absl::string_view id, absl::string_view name,
                                         absl::string_view mode,
                                         absl::string_view sealed_platform_token) override;
  absl::Status Deactivate(absl::string_view id) override;
  absl::Status Purge(absl::string_view id) override;
  absl::Status ReplaceToken(absl::string_view id, absl::string_view sealed_platform_token) override;
  absl::StatusOr<CompanyRecord> UpdateSettings(
      absl::string_view id, const std::function<absl::Status(CompanyRecord&)>& change) override;

 private:
  // Runs `statements` in one transaction; the company of the first row they return, or NotFound.
  absl::StatusOr<CompanyRecord> OneCompany(
      const char* what, absl::string_view id,
      const std::function<pqxx::result(pqxx::work&)>& statements);

  PgPool* const pool_;
};

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_PG_COMPANY_STORE_H_
