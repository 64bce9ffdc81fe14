#include "server/store/pg/pg_credential_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "server/common/crypto.h"
#include "server/common/status.h"
#include "server/store/pg/rows.h"

namespace notify::pg {
namespace {

constexpr const char* kColumns =
    "id::text, type, name, enabled, settings::text, secrets,"
    " (extract(epoch FROM created) * 1000000)::bigint,"
    " (extract(epoch FROM updated) * 1000000)::bigint";

CredentialRecord FromRow(const pqxx::row& row) {
  CredentialRecord c;
  c.id = row[0].as<std::string>();
  c.type = row[1].as<std::string>();
  c.name = row[2].as<std::string>();
  c.enabled = row[3].as<bool>();
  c.settings_json = row[4].as<std::string>();
  if (!row[5].is_null()) c.sealed_secrets = pqxx::binarystring(row[5]).str();
  c.created = absl::FromUnixMicros(row[6].as<int64_t>());
  c.updated = absl::FromUnixMicros(row[7].as<int64_t>());
  return c;
}

constexpr TableRows<CredentialRecord> kCredentials{"credentials", kColumns, FromRow};

absl::Status NotFound() {
  return WithReason(absl::NotFoundError("No such credential."), "CREDENTIAL_NOT_FOUND");
}

pqxx::binarystring Binary(const std::string& bytes) {
  return pqxx::binarystring(bytes.data(), bytes.size());
}

}  // namespace

absl::StatusOr<CredentialRecord> PgCredentialStore::Create(absl::string_view company,
                                                           const CredentialRecord& c) {
  std::optional<CredentialRecord> created;
  absl::Status status = pool_->Run("creating a credential", [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("INSERT INTO credentials (company_id, id, type, name, enabled, settings,"
                     " secrets) VALUES ($1, $2::uuid, $3, $4, $5, $6::jsonb, $7) RETURNING ",
                     kColumns),
        std::string(company), TimeOrderedUuid(clock_->Now()), c.type, c.name, c.enabled,
        c.settings_json, Binary(c.sealed_secrets));
    tx.commit();
    created = FromRow(rows[0]);
    return absl::OkStatus();
  });
  if (absl::IsAlreadyExists(status)) {
    return WithField(
        WithReason(absl::AlreadyExistsError(absl::StrCat("The company already has a ", c.type,
                                                         " credential; update that one.")),
                   "CREDENTIAL_EXISTS"),
        "credential");
  }
  NOTIFY_RETURN_IF_ERROR(status);
  return *created;
}

absl::StatusOr<CredentialRecord> PgCredentialStore::Get(absl::string_view company,
                                                        absl::string_view id) {
  if (!IsUuid(id)) return NotFound();
  std::optional<CredentialRecord> found;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("reading a credential", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows =
        tx.exec_params(absl::StrCat("SELECT ", kColumns,
                                    " FROM credentials WHERE company_id = $1 AND id = $2::uuid"),
                       std::string(company), std::string(id));
    if (!rows.empty()) found = FromRow(rows[0]);
    return absl::OkStatus();
  }));
  if (!found.has_value()) return NotFound();
  return *found;
}

absl::StatusOr<std::vector<CredentialRecord>> PgCredentialStore::List(absl::string_view company,
                                                                      absl::string_view type,
                                                                      absl::string_view after_id,
                                                                      int limit, int skip) {
  std::vector<CredentialRecord> out;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("listing credentials", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", kColumns,
                     " FROM credentials WHERE company_id = $1 AND ($2 = '' OR type = $2)"
                     " AND ($3 = '' OR id > $3::uuid) ORDER BY id LIMIT $4 OFFSET $5"),
        std::string(company), std::string(type), std::string(after_id), limit, std::max(skip, 0));
    for (const auto& row : rows) out.push_back(FromRow(row));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int> PgCredentialStore::Count(absl::string_view company, absl::string_view type) {
  int count = 0;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("counting credentials", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    count = tx.exec_params(
                  "SELECT count(*) FROM credentials WHERE company_id = $1"
                  " AND ($2 = '' OR type = $2)",
                  std::string(company), std::string(type))[0][0]
                .as<int>();
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<CredentialRecord> PgCredentialStore::Update(
    absl::string_view company, absl::string_view id,
    const std::function<absl::Status(CredentialRecord&)>& change) {
  return UpdateCompanyRow(
      *pool_, "updating a credential", kCredentials, company, id, NotFound(), change,
      [&](pqxx::work& tx, const CredentialRecord& c) {
        return tx.exec_params(
            absl::StrCat("UPDATE credentials SET name = $3, enabled = $4, settings = $5::jsonb,"
                         " secrets = $6, updated = clock_timestamp()"
                         " WHERE company_id = $1 AND id = $2::uuid RETURNING ",
                         kColumns),
            std::string(company), std::string(id), c.name, c.enabled, c.settings_json,
            Binary(c.sealed_secrets));
      });
}

absl::Status PgCredentialStore::Delete(absl::string_view company, absl::string_view id) {
  return DeleteCompanyRow(*pool_, "credentials", company, id, NotFound());
}

}  // namespace notify::pg
