// The delivery retry schedule: exponential, jittered, bounded.
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "absl/random/random.h"
#include "gtest/gtest.h"
#include "server/delivery/outcome_policy.h"

namespace notify::delivery {
namespace {

TEST(RetryDelayTest, GrowsThreefoldWithinTwentyPercentJitter) {
  RetryPolicy options;  // 60 s base, 12 h cap.
  absl::BitGen random;
  for (int attempt = 1; attempt <= 6; ++attempt) {
    const double nominal = 60.0 * std::pow(3.0, attempt - 1);
    for (int i = 0; i < 200; ++i) {
      const double seconds = absl::ToDoubleSeconds(RetryDelay(options, attempt, random));
      EXPECT_GE(seconds, nominal * 0.8 - 1e-6) << "attempt " << attempt;
      EXPECT_LE(seconds, std::min(nominal * 1.2, 12 * 3600.0) + 1e-6) << "attempt " << attempt;
    }
  }
}

TEST(RetryDelayTest, NeverExceedsTheCap) {
  RetryPolicy options;
  absl::BitGen random;
  for (int attempt = 7; attempt <= 30; ++attempt) {
    EXPECT_LE(RetryDelay(options, attempt, random), absl::Hours(12));
  }
}

// A generator that always gives the same word: absl::Uniform(gen, a, b) over it is a (all zero
// bits) or the midpoint (the top bit alone), so the jitter's low end and its centre can be asked
// for. (All one bits would round to b, which Uniform rejects and asks again, forever.)
struct FixedBits {
  using result_type = uint64_t;
  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return ~uint64_t{0}; }
  uint64_t operator()() { return value; }
  uint64_t value;
};

TEST(RetryDelayTest, TheDefaultsSpanFourteenToEighteenHoursOverEightAttempts) {
  RetryPolicy options;
  ASSERT_EQ(options.max_attempts, 8);
  // The seven waits between eight attempts, nominally 60, 180, 540, 1620, 4860, 14580 s and the
  // 12 h cap (43740 s capped); with jitter, 0.8 to 1.2 of that.
  FixedBits low{0};
  FixedBits centre{uint64_t{1} << 63};
  const std::vector<double> nominal = {60, 180, 540, 1620, 4860, 14580, 43200};
  absl::Duration shortest, typical;
  for (int attempt = 1; attempt < options.max_attempts; ++attempt) {
    const absl::Duration at_low = RetryDelay(options, attempt, low);
    const absl::Duration at_centre = RetryDelay(options, attempt, centre);
    EXPECT_NEAR(absl::ToDoubleSeconds(at_low), 0.8 * nominal[attempt - 1], 1e-6) << attempt;
    EXPECT_NEAR(absl::ToDoubleSeconds(at_centre), nominal[attempt - 1], 1e-6) << attempt;
    shortest += at_low;
    typical += at_centre;
  }
  EXPECT_NEAR(absl::ToDoubleSeconds(shortest), 52032, 1e-3);  // 14.45 h
  EXPECT_NEAR(absl::ToDoubleSeconds(typical), 65040, 1e-3);   // 18.07 h
}

TEST(RetryDelayTest, JitterSpreadsRetriesApart) {
  RetryPolicy options;
  absl::BitGen random;
  std::set<int64_t> distinct;
  for (int i = 0; i < 50; ++i) {
    distinct.insert(absl::ToInt64Milliseconds(RetryDelay(options, 3, random)));
  }
  EXPECT_GT(distinct.size(), 40u);
}

}  // namespace
}  // namespace notify::delivery
