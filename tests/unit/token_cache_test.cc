#include "server/auth/token_cache.h"

#include <atomic>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/fakes/fake_clock.h"

namespace notify {
namespace {

PlatformUser User(const std::string& id, const std::string& company) {
  PlatformUser user;
  user.id = id;
  user.company = company;
  return user;
}

class TokenCacheTest : public ::testing::Test {
 protected:
  TokenCache::Fetch Returns(absl::StatusOr<PlatformUser> result) {
    return [this, result] {
      ++fetches_;
      return result;
    };
  }
  FakeClock clock_;
  std::atomic<int> fetches_{0};
};

TEST_F(TokenCacheTest, KeepsAUserForTheTtl) {
  TokenCache cache({.ttl = absl::Seconds(60)}, &clock_);
  EXPECT_EQ(cache.Get("t", Returns(User("u1", "acme")))->id, "u1");
  clock_.Advance(absl::Seconds(59));
  EXPECT_EQ(cache.Get("t", Returns(User("u2", "acme")))->id, "u1");
  EXPECT_EQ(fetches_, 1);
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(cache.Get("t", Returns(User("u2", "acme")))->id, "u2");
  EXPECT_EQ(fetches_, 2);
}

TEST_F(TokenCacheTest, AnEntryExpiresAtExactlyItsTtl) {
  TokenCache cache({.ttl = absl::Seconds(60)}, &clock_);
  EXPECT_EQ(cache.Get("t", Returns(User("u1", "acme")))->id, "u1");
  clock_.Advance(absl::Seconds(60));
  EXPECT_EQ(cache.Get("t", Returns(User("u2", "acme")))->id, "u2");
  EXPECT_EQ(fetches_, 2);
}

TEST_F(TokenCacheTest, KeepsRejectionsOnlyForTheFailureTtl) {
  TokenCache cache({.ttl = absl::Seconds(60), .failure_ttl = absl::Seconds(5)}, &clock_);
  EXPECT_EQ(cache.Get("bad", Returns(absl::UnauthenticatedError("no"))).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(cache.Get("bad", Returns(User("u", "acme"))).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(fetches_, 1);
  clock_.Advance(absl::Seconds(6));
  EXPECT_TRUE(cache.Get("bad", Returns(User("u", "acme"))).ok());
}

TEST_F(TokenCacheTest, DoesNotKeepTransientFailures) {
  TokenCache cache({}, &clock_);
  EXPECT_FALSE(cache.Get("t", Returns(absl::UnavailableError("down"))).ok());
  EXPECT_FALSE(cache.Get("t", Returns(absl::ResourceExhaustedError("429"))).ok());
  EXPECT_TRUE(cache.Get("t", Returns(User("u", "acme"))).ok());
  EXPECT_EQ(fetches_, 3);
}

TEST_F(TokenCacheTest, EvictsTheLeastRecentlyUsed) {
  TokenCache cache({.max_entries = 2}, &clock_);
  cache.Get("a", Returns(User("a", "acme"))).IgnoreError();
  cache.Get("b", Returns(User("b", "acme"))).IgnoreError();
  cache.Get("a", Returns(User("a2", "acme"))).IgnoreError();  // a is now the most recent.
  cache.Get("c", Returns(User("c", "acme"))).IgnoreError();   // Evicts b.
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(fetches_, 3);
  EXPECT_EQ(cache.Get("a", Returns(User("a3", "acme")))->id, "a");
  EXPECT_EQ(cache.Get("b", Returns(User("b2", "acme")))->id, "b2");
  EXPECT_EQ(fetches_, 4);
}

TEST_F(TokenCacheTest, AFloodOfRejectedTokensNeverEvictsAUser) {
  TokenCache cache({.max_entries = 2, .max_rejections = 3}, &clock_);
  cache.Get("valid", Returns(User("u", "acme"))).IgnoreError();
  for (int i = 0; i < 1000; ++i) {
    cache.Get("made-up-" + std::to_string(i), Returns(absl::UnauthenticatedError("no")))
        .IgnoreError();
  }
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.rejections(), 3u) << "rejections are bounded on their own";
  EXPECT_EQ(cache.Get("valid", Returns(User("other", "acme")))->id, "u")
      << "the valid token's user is still kept";
  EXPECT_EQ(fetches_, 1001);
  // The last rejections are the ones kept.
  EXPECT_FALSE(cache.Get("made-up-999", Returns(User("x", "acme"))).ok());
  EXPECT_EQ(fetches_, 1001);
}

TEST_F(TokenCacheTest, ATokenAcceptedAfterItsRejectionExpiredIsAUserOnly) {
  TokenCache cache({.failure_ttl = absl::Seconds(5)}, &clock_);
  cache.Get("t", Returns(absl::PermissionDeniedError("no"))).IgnoreError();
  EXPECT_EQ(cache.rejections(), 1u);
  clock_.Advance(absl::Seconds(6));
  EXPECT_TRUE(cache.Get("t", Returns(User("u", "acme"))).ok());
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.rejections(), 0u);
}

// Nothing is kept (ttl 0), so only the shared flight can spare the fifteen other fetches; the fetch
// is held until all fifteen wait for it.
TEST_F(TokenCacheTest, ConcurrentMissesShareOneFetch) {
  TokenCache cache({.ttl = absl::ZeroDuration()}, &clock_);
  std::atomic<bool> release{false};
  auto slow = [&] {
    ++fetches_;
    while (!release) std::this_thread::yield();
    return absl::StatusOr<PlatformUser>(User("u", "acme"));
  };
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      if (cache.Get("token", slow).ok()) ++ok;
    });
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (cache.waiting() < 15 && absl::Now() < deadline) std::this_thread::yield();
  EXPECT_EQ(cache.waiting(), 15) << "every other caller waits for the one fetch";
  release = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 16);
  EXPECT_EQ(fetches_, 1);
  EXPECT_EQ(cache.waiting(), 0);
}

TEST_F(TokenCacheTest, ForgetsACompanysUsers) {
  TokenCache cache({}, &clock_);
  cache.Get("a", Returns(User("a", "acme"))).IgnoreError();
  cache.Get("g", Returns(User("g", "globex"))).IgnoreError();
  cache.ForgetCompany("acme");
  EXPECT_EQ(cache.size(), 1u);
  cache.Get("g", Returns(User("g", "globex"))).IgnoreError();
  EXPECT_EQ(fetches_, 2) << "globex's user is still kept";
  cache.Get("a", Returns(User("a", "acme"))).IgnoreError();
  EXPECT_EQ(fetches_, 3) << "acme's user was forgotten";
}

TEST_F(TokenCacheTest, AFetchThatThrowsFailsThatCallOnly) {
  TokenCache cache({}, &clock_);
  auto throws = []() -> absl::StatusOr<PlatformUser> { throw std::runtime_error("boom"); };
  EXPECT_EQ(cache.Get("t", throws).status().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(cache.Get("t", Returns(User("u", "acme"))).ok()) << "the flight was finished";
}

TEST_F(TokenCacheTest, ZeroTtlMeansNoCaching) {
  TokenCache cache({.ttl = absl::ZeroDuration()}, &clock_);
  cache.Get("t", Returns(User("u", "acme"))).IgnoreError();
  cache.Get("t", Returns(User("u", "acme"))).IgnoreError();
  EXPECT_EQ(fetches_, 2);
}

}  // namespace
}  // namespace notify
