#include "server/store/pg/pg_company_store.h"

#include <pqxx/pqxx>

#include <string>

#include "absl/strings/str_cat.h"
#include "server/common/status.h"
#include "server/store/pg/rows.h"

namespace notify::pg {
namespace {

constexpr const char* kColumns =
    "id, name, mode, active, platform_token, webhook_secret, system_email, support_email, logo_url,"
    " push_enabled, email_daily_quota, sms_daily_quota, push_daily_quota,"
    " (extract(epoch FROM activated) * 1000000)::bigint,"
    " (extract(epoch FROM deactivated) * 1000000)::bigint,"
    " (extract(epoch FROM created) * 1000000)::bigint,"
    " (extract(epoch FROM updated) * 1000000)::bigint,"
    " website, contact_email, icon_url, bimi_selector_header";

std::optional<absl::Time> OptionalTime(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return absl::FromUnixMicros(field.as<int64_t>());
}

std::string Bytes(const pqxx::field& field) {
  if (field.is_null()) return "";
  return pqxx::binarystring(field).str();
}

CompanyRecord FromRow(const pqxx::row& row) {
  CompanyRecord c;
  c.id = row[0].as<std::string>();
  c.name = row[1].as<std::string>();
  c.mode = row[2].as<std::string>();
  c.active = row[3].as<bool>();
  c.sealed_platform_token = Bytes(row[4]);
  c.sealed_webhook_secret = Bytes(row[5]);
  c.system_email = row[6].as<std::string>();
  c.support_email = row[7].as<std::string>();
  c.logo_url = row[8].as<std::string>();
  c.push_enabled = row[9].as<bool>();
  c.email_daily_quota = row[10].as<int>();
  c.sms_daily_quota = row[11].as<int>();
  c.push_daily_quota = row[12].as<int>();
  c.activated = OptionalTime(row[13]);
  c.deactivated = OptionalTime(row[14]);
  c.created = absl::FromUnixMicros(row[15].as<int64_t>());
  c.updated = absl::FromUnixMicros(row[16].as<int64_t>());
  c.website = row[17].as<std::string>();
  c.contact_email = row[18].as<std::string>();
  c.icon_url = row[19].as<std::string>();
  c.bimi_selector_header = row[20].as<std::string>();
  return c;
}

constexpr TableRows<CompanyRecord> kCompanies{"companies", kColumns, FromRow};

absl::Status UnknownCompany(absl::string_view id) {
  return WithReason(absl::NotFoundError(absl::StrCat("Unknown company \"", id, "\".")),
                    "COMPANY_INACTIVE");
}

pqxx::binarystring Binary(absl::string_view bytes) {
  return pqxx::binarystring(bytes.data(), bytes.size());
}

}  // namespace

absl::StatusOr<CompanyRecord> PgCompanyStore::OneCompany(
    const char* what, absl::string_view id,
    const std::function<pqxx::result(pqxx::work&)>& statements) {
  std::optional<CompanyRecord> record;
  NOTIFY_RETURN_IF_ERROR(pool_->Run(what, [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    pqxx::result rows = statements(tx);
    tx.commit();
    if (!rows.empty()) record = FromRow(rows[0]);
    return absl::OkStatus();
  }));
  if (!record.has_value()) return UnknownCompany(id);
  return *record;
}

absl::StatusOr<CompanyRecord> PgCompanyStore::Get(absl::string_view id) {
  // One statement, no transaction around it: the hottest read (every company-scoped call that
  // misses the directory's cache, every event processed).
  std::optional<CompanyRecord> record;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("reading a company", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", kColumns, " FROM companies WHERE id = $1"), std::string(id));
    if (!rows.empty()) record = FromRow(rows[0]);
    return absl::OkStatus();
  }));
  if (!record.has_value()) return UnknownCompany(id);
  return *record;
}

absl::StatusOr<CompanyRecord> PgCompanyStore::Ensure(absl::string_view id, absl::string_view name,
                                                     absl::string_view mode,
                                                     absl::string_view sealed_webhook_secret) {
  return OneCompany("adding a company", id, [&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO companies (id, name, mode, webhook_secret) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (id) DO NOTHING",
        std::string(id), std::string(name), std::string(mode), Binary(sealed_webhook_secret));
    return tx.exec_params(absl::StrCat("SELECT ", kColumns, " FROM companies WHERE id = $1"),
                          std::string(id));
  });
}

absl::StatusOr<CompanyRecord> PgCompanyStore::Activate(absl::string_view id, absl::string_view name,
                                                       absl::string_view mode,
                                                       absl::string_view sealed_platform_token) {
  return OneCompany("activating a company", id, [&](pqxx::work& tx) {
    return tx.exec_params(
        absl::StrCat("UPDATE companies SET active = true, platform_token = $2,"
                     " name = CASE WHEN $3 = '' THEN name ELSE $3 END,"
                     " mode = CASE WHEN $4 = '' THEN mode ELSE $4 END,"
                     " activated = CASE WHEN active THEN activated ELSE now() END,"
                     " deactivated = NULL, updated = now()"
                     " WHERE id = $1 RETURNING ",
                     kColumns),
        std::string(id), Binary(sealed_platform_token), std::string(name), std::string(mode));
  });
}

absl::Status PgCompanyStore::Deactivate(absl::string_view id) {
  return OneCompany(
             "deactivating a company", id,
             [&](pqxx::work& tx) {
               pqxx::result rows = tx.exec_params(
                   absl::StrCat("UPDATE companies SET active = false, platform_token = NULL,"
                                " deactivated = CASE WHEN active THEN now() ELSE deactivated END,"
                                " updated = now() WHERE id = $1 RETURNING ",
                                kColumns),
                   std::string(id));
               // Without a company to send for, what waits would otherwise go out (and retry)
               // for up to a day. The lease stays: a sender holding one records it if it was sent.
               tx.exec_params(
                   "UPDATE deliveries SET status = 'cancelled', updated = now(),"
                   " last_error = 'cancelled: the company deactivated the extension before it "
                   "was sent'"
                   " WHERE company_id = $1 AND status IN ('pending', 'retrying', 'deferred')",
                   std::string(id));
               return rows;
             })
      .status();
}

absl::Status PgCompanyStore::Purge(absl::string_view id) {
  // Every company-owned table but events' places in the workers' queue and deliveries cascades
  // from companies.
  // The company's row is locked first: that waits for, then stops, the inserts that lock it (FOR
  // KEY SHARE, as a foreign key does), so that the statements after it see every event and
  // delivery that will ever be written for the company.
  return OneCompany("purging a company", id,
                    [&](pqxx::work& tx) {
                      const std::string company(id);
                      tx.exec_params("SELECT 1 FROM companies WHERE id = $1 FOR UPDATE", company);
                      // Events before their places in the queue, in the order in which a
                      // worker finishing or postponing events locks them (no deadlock).
                      tx.exec_params(
                          "WITH gone AS (DELETE FROM events WHERE company_id = $1 RETURNING id)"
                          " DELETE FROM event_queue WHERE id IN (SELECT id FROM gone)",
                          company);
                      pqxx::result rows = tx.exec_params(
                          absl::StrCat("DELETE FROM companies WHERE id = $1 RETURNING ", kColumns),
                          company);
                      tx.exec_params("DELETE FROM deliveries WHERE company_id = $1", company);
                      return rows;
                    })
      .status();
}

absl::Status PgCompanyStore::ReplaceToken(absl::string_view id,
                                          absl::string_view sealed_platform_token) {
  return OneCompany("replacing a company's token", id,
                    [&](pqxx::work& tx) {
                      return tx.exec_params(
                          absl::StrCat("UPDATE companies SET platform_token = $2, updated = now()"
                                       " WHERE id = $1 AND active RETURNING ",
                                       kColumns),
                          std::string(id), Binary(sealed_platform_token));
                    })
      .status();
}

absl::StatusOr<CompanyRecord> PgCompanyStore::UpdateSettings(
    absl::string_view id, const std::function<absl::Status(CompanyRecord&)>& change) {
  return UpdateLockedRow(
      *pool_, "updating a company", kCompanies, "id = $1", {std::string(id)}, UnknownCompany(id),
      change, [&](pqxx::work& tx, const CompanyRecord& record) {
        return tx.exec_params(
            absl::StrCat("UPDATE companies SET name = $2, system_email = $3, support_email = $4,"
                         " logo_url = $5, push_enabled = $6, email_daily_quota = $7,"
                         " sms_daily_quota = $8, push_daily_quota = $9, website = $10,"
                         " contact_email = $11, icon_url = $12, bimi_selector_header = $13,"
                         " updated = clock_timestamp() WHERE id = $1 RETURNING ",
                         kColumns),
            std::string(id), record.name, record.system_email, record.support_email,
            record.logo_url, record.push_enabled, record.email_daily_quota, record.sms_daily_quota,
            record.push_daily_quota, record.website, record.contact_email, record.icon_url,
            record.bimi_selector_header);
      });
}

}  // namespace notify::pg
