// Small helpers shared by the PostgreSQL stores.
#ifndef NOTIFY_SERVER_STORE_PG_ROWS_H_
#define NOTIFY_SERVER_STORE_PG_ROWS_H_

#include <pqxx/pqxx>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/store/pg/pool.h"

namespace notify::pg {

// A column read as microseconds since the epoch (NULL leaves `out` unset).
void SetTimestamp(const pqxx::field& micros, google::protobuf::Timestamp* out);
// The same from microseconds since the epoch.
void SetTimestampMicros(int64_t micros, google::protobuf::Timestamp* out);

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

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_ROWS_H_
