#include "server/store/pg/rows.h"

#include "absl/strings/str_cat.h"
#include "server/common/crypto.h"
#include "server/common/status.h"

namespace notify::pg {

void SetTimestamp(const pqxx::field& micros, google::protobuf::Timestamp* out) {
  if (micros.is_null()) return;
  SetTimestampMicros(micros.as<int64_t>(), out);
}

void SetTimestampMicros(int64_t micros, google::protobuf::Timestamp* out) {
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
}

std::string TextArray(const std::vector<absl::string_view>& values) {
  size_t size = 2;
  for (absl::string_view v : values) size += v.size() + 3;
  std::string out;
  out.reserve(size + size / 16);
  out.push_back('{');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    // Quoted, so that NULL, empty strings, spaces and braces are plain text; inside the quotes a
    // backslash escapes the next character.
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::optional<std::string> TimeParam(const std::optional<absl::Time>& time) {
  if (!time.has_value()) return std::nullopt;
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", *time, absl::UTCTimeZone());
}

absl::Status DeleteCompanyRow(PgPool& pool, const char* table, absl::string_view company,
                              absl::string_view id, const absl::Status& not_found,
                              const std::function<void(pqxx::work&)>& also) {
  if (!IsUuid(id)) return not_found;
  bool found = false;
  NOTIFY_RETURN_IF_ERROR(
      pool.Run(absl::StrCat("deleting from ", table), [&](pqxx::connection& conn) {
        pqxx::work tx(conn);
        found =
            !tx.exec_params(absl::StrCat("DELETE FROM ", table,
                                         " WHERE company_id = $1 AND id = $2::uuid RETURNING id"),
                            std::string(company), std::string(id))
                 .empty();
        if (found && also) also(tx);
        tx.commit();
        return absl::OkStatus();
      }));
  return found ? absl::OkStatus() : not_found;
}

}  // namespace notify::pg
