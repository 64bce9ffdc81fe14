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

TokenCache::TokenCache(Options options, const Clock* clock)
    : options_(options),
      clock_(clock),
      users_(options.max_entries),
      rejections_(options.max_rejections) {}

absl::StatusOr<PlatformUser> TokenCache::Get(absl::string_view token, const Fetch& fetch) {
  const std::string key = Sha256(token);
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Lru* lru : {&users_, &rejections_}) {
      if (Entry* entry = lru->Find(key); entry != nullptr) {
        if (entry->expires > clock_->Now()) return entry->result;
        lru->Erase(key);
      }
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
  if (ttl <= absl::ZeroDuration()) return;
  std::lock_guard<std::mutex> lock(mu_);
  const bool accepted = result.ok();
  // A token is in one of the two at most.
  (accepted ? rejections_ : users_).Erase(key);
  (accepted ? users_ : rejections_).Put(key, Entry{std::move(result), clock_->Now() + ttl});
}

void TokenCache::ForgetCompany(absl::string_view company) {
  std::lock_guard<std::mutex> lock(mu_);
  users_.EraseIf(
      [company](const std::string&, const Entry& e) { return e.result->company == company; });
}

size_t TokenCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return users_.size();
}

size_t TokenCache::rejections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rejections_.size();
}

}  // namespace notify
