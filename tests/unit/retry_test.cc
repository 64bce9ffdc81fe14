// One loop for outlasting an outage: tries again only while the answer is Unavailable, pausing
// twice as long each time up to the longest pause, until the caller says to give up.
#include "server/common/retry.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/status.h"

namespace notify {
namespace {

using ::testing::ElementsAre;

TEST(RetryWhileUnavailableTest, TriesAgainWhileUnavailableWithDoublingPauses) {
  int calls = 0;
  std::vector<absl::Duration> pauses;
  std::vector<int> attempts;
  absl::StatusOr<int> result = RetryWhileUnavailable(
      [&]() -> absl::StatusOr<int> {
        if (++calls < 5) return absl::UnavailableError("down");
        return 42;
      },
      [&](const absl::Status& failure, int attempt, absl::Duration pause) {
        EXPECT_EQ(failure.message(), "down");
        attempts.push_back(attempt);
        pauses.push_back(pause);
        return true;
      },
      Backoff{.first = absl::Milliseconds(100), .longest = absl::Milliseconds(300)});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 42);
  EXPECT_EQ(calls, 5);
  EXPECT_THAT(attempts, ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(pauses, ElementsAre(absl::Milliseconds(100), absl::Milliseconds(200),
                                  absl::Milliseconds(300), absl::Milliseconds(300)));
}

TEST(RetryWhileUnavailableTest, OtherErrorsAndSuccessAreNotRetried) {
  int calls = 0;
  auto never = [](const absl::Status&, int, absl::Duration) {
    ADD_FAILURE() << "no pause expected";
    return true;
  };
  absl::Status failed = RetryWhileUnavailable(
      [&] {
        ++calls;
        return absl::InvalidArgumentError("bad");
      },
      never);
  EXPECT_EQ(failed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(RetryWhileUnavailable(
                  [&] {
                    ++calls;
                    return absl::OkStatus();
                  },
                  never)
                  .ok());
  EXPECT_EQ(calls, 2);
}

TEST(RetryWhileUnavailableTest, GivingUpReturnsTheLastFailure) {
  int calls = 0;
  absl::Status last = RetryWhileUnavailable(
      [&] { return absl::UnavailableError(absl::StrCat("down ", ++calls)); },
      [](const absl::Status&, int attempt, absl::Duration) { return attempt < 3; });
  EXPECT_EQ(last.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(last.message(), "down 3");
  EXPECT_EQ(calls, 3);
}

TEST(InvalidFieldTest, NamesTheFieldInTheMessageAndTheDetails) {
  absl::Status status = InvalidField("smtp.url", "must be smtp://host:port");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "smtp.url: must be smtp://host:port");
  EXPECT_EQ(FieldOf(status), "smtp.url");
  EXPECT_EQ(ReasonOf(status), "INVALID_FIELD");
  EXPECT_EQ(ReasonOf(InvalidField("expression", "does not parse", "EXPRESSION_INVALID")),
            "EXPRESSION_INVALID");
}

}  // namespace
}  // namespace notify
