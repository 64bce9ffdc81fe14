#include "server/core/template/budget.h"

#include "absl/strings/str_cat.h"

namespace notify::tmpl {

Budget::Budget(const Limits& limits, const Clock* clock)
    : limits_(limits), clock_(clock), deadline_(clock->Now() + limits.max_time) {}

absl::Status Budget::Step(std::int64_t n) {
  steps_ += n;
  if (steps_ > limits_.max_steps) {
    return absl::ResourceExhaustedError(
        absl::StrCat("template ran past its budget of ", limits_.max_steps, " steps"));
  }
  // Reading the clock costs more than a step; every 1024th is often enough to stop a render within
  // microseconds of its deadline.
  if (steps_ >= next_clock_check_) {
    next_clock_check_ = steps_ + 1024;
    if (clock_->Now() > deadline_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("template ran past its budget of ", absl::FormatDuration(limits_.max_time)));
    }
  }
  return absl::OkStatus();
}

absl::Status Budget::Bytes(std::size_t n) {
  bytes_ += n;
  if (bytes_ > limits_.max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("template ran past its budget of ", limits_.max_bytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status Budget::Elements(std::size_t n) {
  elements_ += n;
  if (elements_ > limits_.max_elements) {
    return absl::ResourceExhaustedError(
        absl::StrCat("template ran past its budget of ", limits_.max_elements, " list elements"));
  }
  return absl::OkStatus();
}

}  // namespace notify::tmpl
