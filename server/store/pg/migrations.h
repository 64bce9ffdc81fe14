// Forward-only schema migrations, embedded in the binary from db/migrations/NNNN_name.sql.
#ifndef NOTIFY_SERVER_STORE_PG_MIGRATIONS_H_
#define NOTIFY_SERVER_STORE_PG_MIGRATIONS_H_

#include <pqxx/connection>

#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace notify::pg {

struct Migration {
  int version = 0;   // NNNN of the file name.
  std::string name;  // The rest of the file name, without ".sql".
  std::string sql;
};

// The migrations built into this binary, in order.
const std::vector<Migration>& EmbeddedMigrations();

// Parses "0007_add_quotas.sql" into version 7 and name "add_quotas".
absl::StatusOr<Migration> ParseMigrationFileName(absl::string_view file_name);

// Checks that versions run 1, 2, 3, ... without gaps or repeats.
absl::Status CheckMigrationSequence(const std::vector<Migration>& migrations);

// The SHA-256 of a migration's SQL, in hex; recorded so that an edited migration is noticed.
std::string MigrationChecksum(const Migration& migration);

struct MigrationReport {
  std::vector<int> applied;  // Versions applied by this call.
  int already_applied = 0;   // Versions found applied before.
};

// Applies the migrations not yet recorded in schema_migrations, each in its own transaction with
// its record, while holding a PostgreSQL advisory lock so that processes starting together take
// turns. FailedPrecondition if an applied migration's SQL has changed since; Unavailable if the
// database is unreachable; Internal if a migration fails (it is rolled back and nothing of it
// remains).
absl::StatusOr<MigrationReport> ApplyMigrations(pqxx::connection& conn,
                                                const std::vector<Migration>& migrations);

class PgPool;

// ApplyMigrations on a connection of `pool`.
absl::StatusOr<MigrationReport> ApplyMigrations(PgPool& pool,
                                                const std::vector<Migration>& migrations);

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_MIGRATIONS_H_
