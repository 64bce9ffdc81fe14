#include "server/auth/token_cache.h"

#include <condition_variable>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "server/common/crypto.h"

namespace notify {

struct TokenCache::Flight {
  std::mutex mu;
  std::condition_variable done_cv;
  bool done ABSL_GUARDED_BY(mu) = false;
  std::optional<absl::StatusOr<PlatformUser>> result ABSL_GUARDED_BY(mu);
};

TokenCache::TokenCache(Options options, const Clock* clock) : options_(options), clock_(clock) {}

absl::StatusOr<PlatformUser> TokenCache::Get(absl::string_view token, const Fetch& fetch) {
  const std::string key = Sha256(token);
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = index_.find(key); it != index_.end()) {
      if (it->second->expires > clock_->Now()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->result;
      }
      lru_.erase(it->second);
      index_.erase(it);
    }
    auto [flight_it, inserted] = flights_.try_emplace(key, nullptr);
    if (inserted) {
      flight_it->second = std::make_shared<Flight>();
      leader = true;
    }
    flight = flight_it->second;
  }

  if (!leader) {
    ++waiting_;
    std::unique_lock<std::mutex> lock(flight->mu);
    flight->done_cv.wait(lock, [&flight] { return flight->done; });
    --waiting_;
    return *flight->result;
  }

  absl::StatusOr<PlatformUser> result = absl::InternalError("checking the token failed");
  try {
    result = fetch();
  } catch (const std::exception& e) {
    // Waiters must never wait forever on a flight whose leader failed.
    result = absl::InternalError("checking the token failed");
  }
  Store(key, result);
  {
    std::lock_guard<std::mutex> lock(flight->mu);
    flight->result = result;
    flight->done = true;
  }
  flight->done_cv.notify_all();
  {
    std::lock_guard<std::mutex> lock(mu_);
    flights_.erase(key);
  }
  return result;
}

void TokenCache::Store(const std::string& key, absl::StatusOr<PlatformUser> result) {
  absl::Duration ttl;
  if (result.ok()) {
    ttl = options_.ttl;
  } else if (absl::IsUnauthenticated(result.status()) ||
             absl::IsPermissionDenied(result.status())) {
    ttl = options_.failure_ttl;
  } else {
    return;  // A transient failure: the next call asks the platform again.
  }
  if (ttl <= absl::ZeroDuration() || options_.max_entries == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{key, std::move(result), clock_->Now() + ttl});
  index_[key] = lru_.begin();
  while (lru_.size() > options_.max_entries) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

void TokenCache::ForgetCompany(absl::string_view company) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->result.ok() && it->result->company == company) {
      index_.erase(it->key);
      it = lru_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t TokenCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace notify
