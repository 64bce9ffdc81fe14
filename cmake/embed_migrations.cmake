# Writes a C++ source that holds every db/migrations/NNNN_what.sql, so the server needs no files at run
# time. Run as: cmake -DMIGRATIONS_DIR=... -DOUTPUT=... -P embed_migrations.cmake
file(GLOB files RELATIVE "${MIGRATIONS_DIR}" "${MIGRATIONS_DIR}/*.sql")
list(SORT files)
set(body "")
foreach(file IN LISTS files)
  if(NOT file MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "db/migrations/${file}: migration files must be named NNNN_what.sql (a-z, 0-9, _)")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  file(READ "${MIGRATIONS_DIR}/${file}" sql)
  string(FIND "${sql}" ")notify_sql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "db/migrations/${file} contains the embedding delimiter )notify_sql\"")
  endif()
  string(APPEND body "      {${version}, \"${name}\", R\"notify_sql(${sql})notify_sql\"},\n")
endforeach()
set(content "// Generated from db/migrations by cmake/embed_migrations.cmake. Do not edit.
#include \"server/store/pg/migrations.h\"

namespace notify::pg {

const std::vector<Migration>& EmbeddedMigrations() {
  static const std::vector<Migration>* const kMigrations = new std::vector<Migration>{
${body}  };
  return *kMigrations;
}

}  // namespace notify::pg
")
# Rewrite only on change, so an unchanged migration set does not rebuild anything.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" previous)
  if(previous STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${content}")
