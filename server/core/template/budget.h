// The work one render may do. Every render draws on a Budget of steps (nodes rendered, filters
// applied, loop iterations), of bytes (every string it makes, output included) and of elements
// (every list item it makes: split, ranges turned into lists, map, sort...), and has a deadline.
// Spending past any bound fails the render with ResourceExhausted, so a template cannot keep a
// server thread busy or grow its memory, whatever the data.
#ifndef NOTIFY_SERVER_CORE_TEMPLATE_BUDGET_H_
#define NOTIFY_SERVER_CORE_TEMPLATE_BUDGET_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/common/clock.h"

namespace notify::tmpl {

struct Limits {
  std::int64_t max_steps = 1'000'000;
  std::size_t max_bytes = 4 << 20;
  std::size_t max_elements = 100'000;
  int max_depth = 64;  // Blocks rendered inside one another.
  absl::Duration max_time = absl::Milliseconds(250);
};

// Not thread-safe: one per render.
class Budget {
 public:
  // `clock` must outlive the Budget; the deadline is `clock->Now() + limits.max_time`.
  Budget(const Limits& limits, const Clock* clock);

  // Each fails with ResourceExhausted ("template ran past its budget of N steps", "... N bytes",
  // "... N list elements", "... of T") once the total passes its limit; the time is read every
  // 1024 steps.
  absl::Status Step(std::int64_t n = 1);
  absl::Status Bytes(std::size_t n);
  absl::Status Elements(std::size_t n);

  const Limits& limits() const { return limits_; }

 private:
  Limits limits_;
  const Clock* clock_;
  absl::Time deadline_;
  std::int64_t steps_ = 0;
  std::int64_t next_clock_check_ = 1024;
  std::size_t bytes_ = 0;
  std::size_t elements_ = 0;
};

}  // namespace notify::tmpl

#endif  // NOTIFY_SERVER_CORE_TEMPLATE_BUDGET_H_
