#include "server/store/pg/errors.h"

#include <pqxx/pqxx>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/common/status.h"

namespace notify::pg {
namespace {

// The first line of a database error: what went wrong, without the DETAIL and CONTEXT lines that
// may quote row values (addresses, payloads).
std::string PrimaryMessage(const std::exception& e) {
  std::string message = e.what();
  const size_t newline = message.find('\n');
  if (newline != std::string::npos) message.resize(newline);
  return message;
}
constexpr absl::string_view kDatabaseUnavailable = "DATABASE_UNAVAILABLE";

absl::Status Unavailable(absl::string_view what) {
  return WithReason(
      absl::UnavailableError(absl::StrCat("the database is unavailable (", what, "); try again")),
      kDatabaseUnavailable);
}
}  // namespace

absl::Status StatusFromException(const std::exception& e, absl::string_view what) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    log::Warn("database connection lost", {{"op", what}, {"error", PrimaryMessage(e)}});
    return Unavailable(what);
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e); sql != nullptr) {
    const std::string state = sql->sqlstate();
    if (state == "23505") {
      return absl::AlreadyExistsError(absl::StrCat(what, ": it already exists"));
    }
    if (state == "23503") {
      return absl::FailedPreconditionError(
          absl::StrCat(what, ": it refers to something that no longer exists"));
    }
    if (state == "40001" || state == "40P01") {
      return absl::AbortedError(absl::StrCat(what, ": a concurrent change conflicted; try again"));
    }
    // Class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect
    // now) and 53300 (too many connections) are all "try again later".
    if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P") || state == "53300") {
      log::Warn("database unavailable",
                {{"op", what}, {"sqlstate", state}, {"error", PrimaryMessage(e)}});
      return Unavailable(what);
    }
    log::Error("database error", {{"op", what}, {"sqlstate", state}, {"error", PrimaryMessage(e)}});
    return absl::InternalError(absl::StrCat(what, " failed (SQLSTATE ", state, ")"));
  }
  log::Error("database error", {{"op", what}, {"error", PrimaryMessage(e)}});
  return absl::InternalError(absl::StrCat(what, " failed"));
}

bool IsConnectionLost(const absl::Status& status) {
  return absl::IsUnavailable(status) && ReasonOf(status) == kDatabaseUnavailable;
}

}  // namespace notify::pg
