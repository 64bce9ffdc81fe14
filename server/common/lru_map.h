// A map of at most `capacity` entries that drops the least recently used first: the bound of
// every cache a stranger can fill (tokens, company names).
#ifndef NOTIFY_SERVER_COMMON_LRU_MAP_H_
#define NOTIFY_SERVER_COMMON_LRU_MAP_H_

#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/strings/string_view.h"

namespace notify {

// Not thread-safe: its owner locks.
template <typename Value>
class LruMap {
 public:
  explicit LruMap(size_t capacity) : capacity_(capacity) {}

  // The value, now the most recently used; nullptr when absent.
  Value* Find(absl::string_view key) {
    auto it = index_.find(std::string(key));
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return &it->second->second;
  }

  void Erase(absl::string_view key) {
    auto it = index_.find(std::string(key));
    if (it == index_.end()) return;
    entries_.erase(it->second);
    index_.erase(it);
  }

  // Adds or replaces `key` as the most recently used, then drops the least recently used past the
  // capacity (with capacity 0, nothing is kept).
  void Put(std::string key, Value value) {
    Erase(key);
    if (capacity_ == 0) return;
    entries_.emplace_front(std::move(key), std::move(value));
    index_[entries_.front().first] = entries_.begin();
    while (entries_.size() > capacity_) {
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
  }

  // Drops every entry `drop` says to.
  void EraseIf(const std::function<bool(const std::string& key, const Value& value)>& drop) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (drop(it->first, it->second)) {
        index_.erase(it->first);
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }

  size_t size() const { return entries_.size(); }

 private:
  using Entries = std::list<std::pair<std::string, Value>>;
  size_t capacity_;
  Entries entries_;  // Most recently used first.
  std::unordered_map<std::string, typename Entries::iterator> index_;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_LRU_MAP_H_
