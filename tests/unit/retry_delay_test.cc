// The delivery retry schedule: exponential, jittered, bounded.
#include <cmath>
#include <set>

#include "absl/random/random.h"
#include "gtest/gtest.h"
#include "server/delivery/engine.h"

namespace notify::delivery {
namespace {

TEST(RetryDelayTest, GrowsThreefoldWithinTwentyPercentJitter) {
  EngineOptions options;  // 60 s base, 12 h cap.
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
  EngineOptions options;
  absl::BitGen random;
  for (int attempt = 7; attempt <= 30; ++attempt) {
    EXPECT_LE(RetryDelay(options, attempt, random), absl::Hours(12));
  }
}

TEST(RetryDelayTest, TheDefaultsSpanAboutADayOverEightAttempts) {
  EngineOptions options;
  absl::BitGen random;
  absl::Duration total;
  for (int attempt = 1; attempt < options.max_attempts; ++attempt) {
    // The nominal schedule: the midpoint of the jitter.
    total += std::min(options.retry_base * std::pow(3.0, attempt - 1), options.retry_max);
  }
  EXPECT_GT(total, absl::Hours(12));
  EXPECT_LT(total, absl::Hours(30));
}

TEST(RetryDelayTest, JitterSpreadsRetriesApart) {
  EngineOptions options;
  absl::BitGen random;
  std::set<int64_t> distinct;
  for (int i = 0; i < 50; ++i) {
    distinct.insert(absl::ToInt64Milliseconds(RetryDelay(options, 3, random)));
  }
  EXPECT_GT(distinct.size(), 40u);
}

}  // namespace
}  // namespace notify::delivery
