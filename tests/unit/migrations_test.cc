#include "server/store/pg/migrations.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace notify::pg {
namespace {

using ::testing::HasSubstr;

TEST(MigrationFileNameTest, ParsesVersionAndName) {
  absl::StatusOr<Migration> m = ParseMigrationFileName("0007_add_quotas.sql");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->version, 7);
  EXPECT_EQ(m->name, "add_quotas");
}

TEST(MigrationFileNameTest, RejectsMalformedNames) {
  for (const char* bad : {"7_add.sql", "0007-add.sql", "0007_add.txt", "0000_zero.sql",
                          "abcd_add.sql", "0007_Add.sql", "0007_.sql"}) {
    EXPECT_EQ(ParseMigrationFileName(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(MigrationSequenceTest, MustRunFromOneWithoutGaps) {
  EXPECT_TRUE(CheckMigrationSequence({{1, "a", ""}, {2, "b", ""}}).ok());
  EXPECT_TRUE(CheckMigrationSequence({}).ok());
  absl::Status gap = CheckMigrationSequence({{1, "a", ""}, {3, "c", ""}});
  EXPECT_EQ(gap.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(gap.message(), HasSubstr("0003_c is out of sequence: expected version 0002"));
  EXPECT_FALSE(CheckMigrationSequence({{2, "b", ""}}).ok());
  EXPECT_FALSE(CheckMigrationSequence({{1, "a", ""}, {1, "a", ""}}).ok());
}

TEST(MigrationChecksumTest, IsTheSha256OfTheSql) {
  EXPECT_EQ(MigrationChecksum({1, "a", ""}),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_NE(MigrationChecksum({1, "a", "SELECT 1"}), MigrationChecksum({1, "a", "SELECT 2"}));
}

TEST(EmbeddedMigrationsTest, StartWithTheInitialSchemaAndFormASequence) {
  const std::vector<Migration>& migrations = EmbeddedMigrations();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations[0].version, 1);
  EXPECT_EQ(migrations[0].name, "initial");
  EXPECT_THAT(migrations[0].sql, HasSubstr("CREATE TABLE companies"));
  EXPECT_TRUE(CheckMigrationSequence(migrations).ok());
}

}  // namespace
}  // namespace notify::pg
