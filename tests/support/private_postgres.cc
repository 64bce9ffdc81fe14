#include "tests/support/private_postgres.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/free_port.h"

namespace notify::testing {
namespace {

bool Pgctl(const std::string& args) {
  const std::string command = absl::StrCat(NOTIFY_PGCTL, " ", args, " >/dev/null 2>&1");
  return std::system(command.c_str()) == 0;
}

}  // namespace

PrivatePostgres::PrivatePostgres() {
  char pattern[] = "/tmp/notify-private-pg.XXXXXX";
  dir_ = mkdtemp(pattern);
  port_ = FreePort();
  url_ = absl::StrCat("postgresql://postgres@127.0.0.1:", port_, "/postgres");
  if (!Pgctl("init " + dir_) || !Start()) ADD_FAILURE() << "cannot start PostgreSQL in " << dir_;
}

PrivatePostgres::~PrivatePostgres() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool PrivatePostgres::Stop() { return Pgctl("stop " + dir_); }

bool PrivatePostgres::Start() { return Pgctl(absl::StrCat("start ", dir_, " ", port_)); }

}  // namespace notify::testing
