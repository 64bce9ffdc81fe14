// A CompanyStore in memory, for tests of what sits above the store.
#ifndef NOTIFY_TESTS_FAKES_FAKE_COMPANY_STORE_H_
#define NOTIFY_TESTS_FAKES_FAKE_COMPANY_STORE_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "server/store/company_store.h"

namespace notify::testing {

class FakeCompanyStore final : public CompanyStore {
 public:
  // Every call fails with `status` while it is set.
  void FailWith(std::optional<absl::Status> status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = std::move(status);
  }
  int get_calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return get_calls_;
  }
  void Put(CompanyRecord record) {
    std::lock_guard<std::mutex> lock(mu_);
    companies_[record.id] = std::move(record);
  }

  absl::StatusOr<CompanyRecord> Get(absl::string_view id) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++get_calls_;
    if (fail_.has_value()) return *fail_;
    auto it = companies_.find(std::string(id));
    if (it == companies_.end()) return absl::NotFoundError("Unknown company.");
    return it->second;
  }
  absl::StatusOr<CompanyRecord> Ensure(absl::string_view id, absl::string_view name,
                                       absl::string_view mode,
                                       absl::string_view sealed_webhook_secret) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_.has_value()) return *fail_;
    auto [it, inserted] = companies_.try_emplace(std::string(id));
    if (inserted) {
      it->second.id = std::string(id);
      it->second.name = std::string(name);
      it->second.mode = std::string(mode);
      it->second.sealed_webhook_secret = std::string(sealed_webhook_secret);
    }
    return it->second;
  }
  absl::StatusOr<CompanyRecord> Activate(absl::string_view id, absl::string_view, absl::string_view,
                                         absl::string_view sealed_platform_token) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_.has_value()) return *fail_;
    auto it = companies_.find(std::string(id));
    if (it == companies_.end()) return absl::NotFoundError("Unknown company.");
    it->second.active = true;
    it->second.sealed_platform_token = std::string(sealed_platform_token);
    return it->second;
  }
  absl::Status Deactivate(absl::string_view id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_.has_value()) return *fail_;
    auto it = companies_.find(std::string(id));
    if (it == companies_.end()) return absl::NotFoundError("Unknown company.");
    it->second.active = false;
    it->second.sealed_platform_token.clear();
    return absl::OkStatus();
  }
  absl::Status Purge(absl::string_view id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_.has_value()) return *fail_;
    return companies_.erase(std::string(id)) ? absl::OkStatus()
                                             : absl::NotFoundError("Unknown company.");
  }
  absl::StatusOr<CompanyRecord> UpdateSettings(
      absl::string_view id, const std::function<absl::Status(CompanyRecord&)>& change) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_.has_value()) return *fail_;
    auto it = companies_.find(std::string(id));
    if (it == companies_.end()) return absl::NotFoundError("Unknown company.");
    CompanyRecord copy = it->second;
    if (absl::Status s = change(copy); !s.ok()) return s;
    it->second = copy;
    return copy;
  }
  absl::Status ReplaceToken(absl::string_view id, absl::string_view sealed) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_.has_value()) return *fail_;
    auto it = companies_.find(std::string(id));
    if (it == companies_.end()) return absl::NotFoundError("Unknown company.");
    it->second.sealed_platform_token = std::string(sealed);
    return absl::OkStatus();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, CompanyRecord> companies_;
  std::optional<absl::Status> fail_;
  int get_calls_ = 0;
};

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_FAKES_FAKE_COMPANY_STORE_H_
