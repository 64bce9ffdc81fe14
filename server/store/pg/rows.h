// Small helpers shared by the PostgreSQL stores.
#ifndef NOTIFY_SERVER_STORE_PG_ROWS_H_
#define NOTIFY_SERVER_STORE_PG_ROWS_H_

#include <pqxx/pqxx>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "notifications/v1/resources.pb.h"
#include "server/common/crypto.h"
#include "server/common/enum_names.h"
#include "server/common/status.h"
#include "server/store/pg/pool.h"

namespace notify::pg {

// A column read as microseconds since the epoch (NULL leaves `out` unset).
void SetTimestamp(const pqxx::field& micros, google::protobuf::Timestamp* out);
// The same from microseconds since the epoch.
void SetTimestampMicros(int64_t micros, google::protobuf::Timestamp* out);

// The `syntax` column of a notification or layout: its syntax's short name, "django" when unset.
template <typename Resource>
std::string SyntaxColumn(const Resource& resource) {
  const notifications::v1::TemplateSyntax syntax = resource.syntax();
  return ShortName(syntax == notifications::v1::TEMPLATE_SYNTAX_UNSPECIFIED
                       ? notifications::v1::TEMPLATE_SYNTAX_DJANGO
                       : syntax);
}

// A time as PostgreSQL reads it exactly (ISO 8601, microseconds, UTC), or null, for timestamptz
// parameters.
std::optional<std::string> TimeParam(const std::optional<absl::Time>& time);

// A PostgreSQL array literal of `values` as text ('{"a","b\\"c"}'), for a text[] parameter.
std::string TextArray(const std::vector<absl::string_view>& values);

// Deletes the row of `table` with `id` in `company`; `not_found` when there is none (or `id` is not
// a UUID). `table` is one of the project's own table names, never input. `also`, when given, runs
// in the same transaction once the row is deleted.
absl::Status DeleteCompanyRow(PgPool& pool, const char* table, absl::string_view company,
                              absl::string_view id, const absl::Status& not_found,
                              const std::function<void(pqxx::work&)>& also = nullptr);

// A table's rows as a store reads them: the table as FROM names it (with the alias `columns` use,
// if any), its columns, and `from_row`, which reads them. The project's own text, never input.
template <typename Row>
struct TableRows {
  using Change = std::function<absl::Status(Row&)>;
  using Check = std::function<absl::Status(pqxx::work&, const Row&)>;
  using Write = std::function<pqxx::result(pqxx::work&, const Row&)>;
  const char* table;
  const char* columns;
  Row (*from_row)(const pqxx::row&);
};

// Updates one row of `rows.table` in one transaction: locks the row that `where` picks (a condition
// on $1, $2, ..., which are `key`), or answers `not_found` when there is none; `change` changes it
// and, with `check` when given, passes a verdict on it; `write` writes it (UPDATE ... RETURNING
// `rows.columns`), and the row it returned is the answer. A verdict other than OK is returned as it
// is and nothing is written; the database's errors are pool.Run's, naming `what`.
template <typename Row>
absl::StatusOr<Row> UpdateLockedRow(PgPool& pool, const char* what, const TableRows<Row>& rows,
                                    const char* where, const std::vector<std::string>& key,
                                    const absl::Status& not_found,
                                    const typename TableRows<Row>::Change& change,
                                    const typename TableRows<Row>::Write& write,
                                    const typename TableRows<Row>::Check& check = nullptr) {
  std::optional<Row> updated;
  absl::Status verdict = not_found;  // Until the row is found.
  NOTIFY_RETURN_IF_ERROR(pool.Run(what, [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    pqxx::result locked = tx.exec_params(absl::StrCat("SELECT ", rows.columns, " FROM ", rows.table,
                                                      " WHERE ", where, " FOR UPDATE"),
                                         pqxx::prepare::make_dynamic_params(key));
    if (locked.empty()) return absl::OkStatus();
    Row row = rows.from_row(locked[0]);
    verdict = change(row);
    if (verdict.ok() && check) verdict = check(tx, row);
    // A refusal is no error of the database's: the transaction rolls back and Run succeeds.
    if (!verdict.ok()) return absl::OkStatus();
    updated = rows.from_row(write(tx, row)[0]);
    tx.commit();
    return absl::OkStatus();
  }));
  NOTIFY_RETURN_IF_ERROR(verdict);
  return *updated;
}

// UpdateLockedRow of the row with `id` in `company` in a company-owned table (which `write` updates
// WHERE company_id = $1 AND id = $2::uuid); `not_found` also when `id` is not a UUID.
template <typename Row>
absl::StatusOr<Row> UpdateCompanyRow(PgPool& pool, const char* what, const TableRows<Row>& rows,
                                     absl::string_view company, absl::string_view id,
                                     const absl::Status& not_found,
                                     const typename TableRows<Row>::Change& change,
                                     const typename TableRows<Row>::Write& write,
                                     const typename TableRows<Row>::Check& check = nullptr) {
  if (!IsUuid(id)) return not_found;
  return UpdateLockedRow(pool, what, rows, "company_id = $1 AND id = $2::uuid",
                         {std::string(company), std::string(id)}, not_found, change, write, check);
}

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_ROWS_H_
