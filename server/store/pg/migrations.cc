#include "server/store/pg/migrations.h"

#include <pqxx/pqxx>

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "server/common/crypto.h"
#include "server/common/log.h"
#include "server/store/pg/errors.h"
#include "server/store/pg/pool.h"

namespace notify::pg {
namespace {

// The advisory lock key ("notify" in ASCII) that serialises migrations across processes.
constexpr long long kMigrationLockKey = 0x6e6f74696679LL;

std::string Label(const Migration& m) { return absl::StrFormat("%04d_%s", m.version, m.name); }

}  // namespace

absl::StatusOr<Migration> ParseMigrationFileName(absl::string_view file_name) {
  Migration m;
  absl::string_view rest = file_name;
  if (!absl::ConsumeSuffix(&rest, ".sql") || rest.size() < 6 || rest[4] != '_') {
    return absl::InvalidArgumentError(
        absl::StrCat("migration file \"", file_name, "\" must be named NNNN_what.sql"));
  }
  for (char c : rest.substr(0, 4)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration file \"", file_name, "\" must start with four digits"));
    }
  }
  if (!absl::SimpleAtoi(rest.substr(0, 4), &m.version) || m.version < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("migration file \"", file_name, "\" must have a version of 0001 or more"));
  }
  m.name = std::string(rest.substr(5));
  for (char c : m.name) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '_') {
      return absl::InvalidArgumentError(absl::StrCat(
          "migration file \"", file_name, "\" may use only a-z, 0-9 and _ after the version"));
    }
  }
  return m;
}

absl::Status CheckMigrationSequence(const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    const int expected = static_cast<int>(i) + 1;
    if (migrations[i].version != expected) {
      return absl::FailedPreconditionError(
          absl::StrFormat("migration %s is out of sequence: expected version %04d",
                          Label(migrations[i]), expected));
    }
  }
  return absl::OkStatus();
}

std::string MigrationChecksum(const Migration& migration) {
  return HexEncode(Sha256(migration.sql));
}

absl::StatusOr<MigrationReport> ApplyMigrations(pqxx::connection& conn,
                                                const std::vector<Migration>& migrations) {
  if (absl::Status s = CheckMigrationSequence(migrations); !s.ok()) return s;
  MigrationReport report;
  bool locked = false;
  std::string doing = "applying migrations";
  try {
    {
      pqxx::nontransaction tx(conn);
      tx.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")");
      locked = true;
      tx.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version integer PRIMARY KEY,"
          " name text NOT NULL,"
          " checksum text NOT NULL,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
    }
    std::map<int, std::pair<std::string, std::string>> recorded;  // version → (name, checksum)
    {
      pqxx::nontransaction tx(conn);
      for (const auto& row : tx.exec("SELECT version, name, checksum FROM schema_migrations")) {
        recorded[row[0].as<int>()] = {row[1].as<std::string>(), row[2].as<std::string>()};
      }
    }
    absl::Status verdict;
    for (const Migration& m : migrations) {
      auto it = recorded.find(m.version);
      if (it != recorded.end()) {
        if (it->second.second != MigrationChecksum(m)) {
          verdict = absl::FailedPreconditionError(
              absl::StrCat("migration ", Label(m),
                           " was changed after it was applied; migrations are forward-only: "
                           "restore it and add a "
                           "new one"));
          break;
        }
        ++report.already_applied;
        continue;
      }
      doing = absl::StrCat("applying migration ", Label(m));
      pqxx::work tx(conn);
      tx.exec(m.sql);
      tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                     m.version, m.name, MigrationChecksum(m));
      tx.commit();
      report.applied.push_back(m.version);
      log::Info("migration applied", {{"version", m.version}, {"name", m.name}});
    }
    for (const auto& [version, entry] : recorded) {
      if (version > static_cast<int>(migrations.size())) {
        log::Warn(
            "the database has a migration this binary does not know; a newer release wrote it",
            {{"version", version}, {"name", entry.first}});
      }
    }
    {
      pqxx::nontransaction tx(conn);
      tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
    }
    if (!verdict.ok()) return verdict;
    return report;
  } catch (const std::exception& e) {
    absl::Status status = StatusFromException(e, doing);
    if (locked && conn.is_open()) {
      try {
        pqxx::nontransaction tx(conn);
        tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
      } catch (const std::exception&) {
        // The session ends with the connection, and the lock with it.
      }
    }
    return status;
  }
}

absl::StatusOr<MigrationReport> ApplyMigrations(PgPool& pool,
                                                const std::vector<Migration>& migrations) {
  absl::StatusOr<MigrationReport> report;
  absl::Status status = pool.Run("applying migrations", [&](pqxx::connection& conn) {
    report = ApplyMigrations(conn, migrations);
    return report.status();
  });
  if (!status.ok()) return status;
  return report;
}

}  // namespace notify::pg
