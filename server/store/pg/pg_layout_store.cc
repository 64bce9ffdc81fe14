#include "server/store/pg/pg_layout_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "server/common/crypto.h"
#include "server/common/enum_names.h"
#include "server/common/status.h"
#include "server/store/notification_store.h"
#include "server/store/pg/rows.h"

namespace notify::pg {
namespace {

namespace v1 = notifications::v1;

constexpr const char* kColumns =
    "id::text, name, description, html_message, text_message, sms_message, push_message,"
    " (extract(epoch FROM created) * 1000000)::bigint,"
    " (extract(epoch FROM updated) * 1000000)::bigint, type, syntax";

v1::Layout FromRow(const pqxx::row& row) {
  v1::Layout l;
  l.set_id(row[0].as<std::string>());
  l.set_name(row[1].as<std::string>());
  l.set_description(row[2].as<std::string>());
  l.set_html_message(row[3].as<std::string>());
  l.set_text_message(row[4].as<std::string>());
  l.set_sms_message(row[5].as<std::string>());
  l.set_push_message(row[6].as<std::string>());
  SetTimestamp(row[7], l.mutable_created());
  SetTimestamp(row[8], l.mutable_updated());
  l.set_type(FromShortName<v1::NotificationType>(row[9].as<std::string>())
                 .value_or(v1::NOTIFICATION_TYPE_UNSPECIFIED));
  l.set_syntax(FromShortName<v1::TemplateSyntax>(row[10].as<std::string>())
                   .value_or(v1::TEMPLATE_SYNTAX_DJANGO));
  return l;
}

constexpr TableRows<v1::Layout> kLayouts{"layouts", kColumns, FromRow};

absl::Status NotFound() {
  return WithReason(absl::NotFoundError("No such layout."), "LAYOUT_NOT_FOUND");
}

// The filter: a part of the name ($2) and a type ($3; layouts for any type match every type).
constexpr const char* kFilter =
    " AND ($2 = '' OR strpos(lower(name), lower($2)) > 0) AND ($3 = '' OR type IN ($3, ''))"
    " AND ($4 = '' OR name = $4)";

}  // namespace

absl::StatusOr<v1::Layout> PgLayoutStore::Create(absl::string_view company, v1::Layout l) {
  std::optional<v1::Layout> created;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("creating a layout", [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("INSERT INTO layouts (company_id, id, name, description, html_message,"
                     " text_message, sms_message, push_message, type, syntax)"
                     " VALUES ($1, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ",
                     kColumns),
        std::string(company), TimeOrderedUuid(clock_->Now()), l.name(), l.description(),
        l.html_message(), l.text_message(), l.sms_message(), l.push_message(), ShortName(l.type()),
        SyntaxColumn(l));
    tx.commit();
    created = FromRow(rows[0]);
    return absl::OkStatus();
  }));
  return *created;
}

absl::StatusOr<v1::Layout> PgLayoutStore::Get(absl::string_view company, absl::string_view id) {
  if (!IsUuid(id)) return NotFound();
  std::optional<v1::Layout> found;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("reading a layout", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", kColumns, " FROM layouts WHERE company_id = $1 AND id = $2::uuid"),
        std::string(company), std::string(id));
    if (!rows.empty()) found = FromRow(rows[0]);
    return absl::OkStatus();
  }));
  if (!found.has_value()) return NotFound();
  return *found;
}

absl::StatusOr<std::vector<v1::Layout>> PgLayoutStore::List(absl::string_view company,
                                                            const LayoutFilter& filter,
                                                            absl::string_view after_id, int limit,
                                                            int skip) {
  std::vector<v1::Layout> out;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("listing layouts", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", kColumns, " FROM layouts WHERE company_id = $1", kFilter,
                     " AND ($5 = '' OR id > $5::uuid) ORDER BY id LIMIT $6 OFFSET $7"),
        std::string(company), filter.name_contains, ShortName(filter.type), filter.name,
        std::string(after_id), limit, std::max(skip, 0));
    for (const auto& row : rows) out.push_back(FromRow(row));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int> PgLayoutStore::Count(absl::string_view company, const LayoutFilter& filter) {
  int count = 0;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("counting layouts", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    count =
        tx.exec_params(absl::StrCat("SELECT count(*) FROM layouts WHERE company_id = $1", kFilter),
                       std::string(company), filter.name_contains, ShortName(filter.type),
                       filter.name)[0][0]
            .as<int>();
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<v1::Layout> PgLayoutStore::Update(
    absl::string_view company, absl::string_view id,
    const std::function<absl::Status(v1::Layout&)>& change) {
  return UpdateCompanyRow(
      *pool_, "updating a layout", kLayouts, company, id, NotFound(), change,
      [&](pqxx::work& tx, const v1::Layout& l) {
        return tx.exec_params(
            absl::StrCat("UPDATE layouts SET name = $3, description = $4, html_message = $5,"
                         " text_message = $6, sms_message = $7, push_message = $8, type = $9,"
                         " syntax = $10, updated = clock_timestamp()"
                         " WHERE company_id = $1 AND id = $2::uuid"
                         " RETURNING ",
                         kColumns),
            std::string(company), std::string(id), l.name(), l.description(), l.html_message(),
            l.text_message(), l.sms_message(), l.push_message(), ShortName(l.type()),
            SyntaxColumn(l));
      });
}

absl::Status PgLayoutStore::Delete(absl::string_view company, absl::string_view id) {
  return DeleteCompanyRow(*pool_, "layouts", company, id, NotFound());
}

}  // namespace notify::pg
