// The delivery engine's policy, alone: what a provider's answer makes of a message, and when the
// daily quota holds one back.
#include "server/delivery/outcome_policy.h"

#include <cstdint>

#include "absl/random/random.h"
#include "gtest/gtest.h"

namespace notify::delivery {
namespace {

// A generator that always gives the middle word: absl::Uniform(gen, 0.8, 1.2) over it is 1.0, so
// a retry's wait is its nominal one.
struct Centre {
  using result_type = uint64_t;
  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return ~uint64_t{0}; }
  uint64_t operator()() { return uint64_t{1} << 63; }
};

SendResult Answer(SendOutcome outcome, std::string detail = "",
                  std::optional<absl::Duration> retry_after = std::nullopt) {
  SendResult result;
  result.outcome = outcome;
  result.detail = std::move(detail);
  result.retry_after = retry_after;
  return result;
}

const RetryPolicy kPolicy{.max_attempts = 3, .base = absl::Seconds(10), .max = absl::Minutes(5)};

TEST(OutcomePolicyTest, SentIsSent) {
  Centre centre;
  Decision d = Decide(Answer(SendOutcome::kSent, "SM123"), 1, kPolicy, centre);
  EXPECT_EQ(d.status, Decision::Status::kSent);
  EXPECT_EQ(d.error, "SM123");
  EXPECT_FALSE(d.remove_device);
}

TEST(OutcomePolicyTest, ATemporaryFailureIsRetriedWithBackoffUntilTheLastAttempt) {
  Centre centre;
  Decision first = Decide(Answer(SendOutcome::kTemporary, "HTTP 503"), 1, kPolicy, centre);
  EXPECT_EQ(first.status, Decision::Status::kRetrying);
  EXPECT_EQ(first.retry_in, absl::Seconds(10));
  EXPECT_EQ(first.error, "HTTP 503");
  Decision second = Decide(Answer(SendOutcome::kTemporary, "HTTP 503"), 2, kPolicy, centre);
  EXPECT_EQ(second.status, Decision::Status::kRetrying);
  EXPECT_EQ(second.retry_in, absl::Seconds(30));
  Decision last = Decide(Answer(SendOutcome::kTemporary, "HTTP 503"), 3, kPolicy, centre);
  EXPECT_EQ(last.status, Decision::Status::kDead);
  EXPECT_EQ(last.error, "HTTP 503 (gave up after 3 attempts)");
}

TEST(OutcomePolicyTest, ALongerRetryAfterIsHonouredUpToTheLongestWait) {
  Centre centre;
  EXPECT_EQ(Decide(Answer(SendOutcome::kTemporary, "429", absl::Seconds(45)), 1, kPolicy, centre)
                .retry_in,
            absl::Seconds(45));
  EXPECT_EQ(
      Decide(Answer(SendOutcome::kTemporary, "429", absl::Seconds(2)), 1, kPolicy, centre).retry_in,
      absl::Seconds(10))
      << "a shorter Retry-After does not shorten the backoff";
  EXPECT_EQ(
      Decide(Answer(SendOutcome::kTemporary, "429", absl::Hours(3)), 1, kPolicy, centre).retry_in,
      absl::Minutes(5));
}

TEST(OutcomePolicyTest, PermanentFailuresAndGoneDevicesAreDeadAtOnce) {
  Centre centre;
  Decision bad =
      Decide(Answer(SendOutcome::kPermanent, "HTTP 400: bad number"), 1, kPolicy, centre);
  EXPECT_EQ(bad.status, Decision::Status::kDead);
  EXPECT_EQ(bad.error, "HTTP 400: bad number");
  EXPECT_FALSE(bad.remove_device);
  Decision gone = Decide(Answer(SendOutcome::kUnregistered, "UNREGISTERED"), 1, kPolicy, centre);
  EXPECT_EQ(gone.status, Decision::Status::kDead);
  EXPECT_EQ(gone.error, "UNREGISTERED (the device was removed)");
  EXPECT_TRUE(gone.remove_device);
}

TEST(OutcomePolicyTest, TheQuotaDefersToTheNextUtcMidnight) {
  const absl::Time now =
      absl::FromCivil(absl::CivilSecond(2026, 12, 3, 15, 30, 0), absl::UTCTimeZone());
  EXPECT_FALSE(QuotaDeferral(notifications::v1::NOTIFICATION_TYPE_SMS, 0, 1000, now).has_value())
      << "0: no quota";
  EXPECT_FALSE(QuotaDeferral(notifications::v1::NOTIFICATION_TYPE_SMS, 100, 99, now).has_value());
  std::optional<Deferral> at =
      QuotaDeferral(notifications::v1::NOTIFICATION_TYPE_SMS, 100, 100, now);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->until, absl::FromCivil(absl::CivilDay(2026, 12, 4), absl::UTCTimeZone()));
  EXPECT_EQ(at->reason,
            "the company's daily sms quota (100) is reached; deferred to 2026-12-04 00:00 UTC");
}

}  // namespace
}  // namespace notify::delivery
