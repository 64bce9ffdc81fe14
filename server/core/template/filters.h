// The filters of each dialect: `{{ value|name:arg }}` in Django, `{{ value | name: a, b, k: v }}`
// in Liquid. Each dialect has its own table (Django's built-in filters plus the platform's `money`
// and `timestamp`; Liquid 5's standard filters plus the same two), looked up by name at parse time.
#ifndef NOTIFY_SERVER_CORE_TEMPLATE_FILTERS_H_
#define NOTIFY_SERVER_CORE_TEMPLATE_FILTERS_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "server/core/template/budget.h"
#include "server/core/template/value.h"

namespace notify::tmpl {

// What a filter may use besides its input and arguments.
struct FilterContext {
  Syntax syntax = Syntax::kDjango;
  // Django: whether autoescaping is on where the filter runs (filters such as linebreaks and join
  // escape their input themselves when it is, and mark their result safe).
  bool autoescape = false;
  // The render's notion of now (Django's timesince, Liquid's date of "now").
  absl::Time now;
  // Every string and list a filter makes is charged here before it is made.
  Budget* budget = nullptr;
};

struct KeywordArg {
  std::string name;
  Value value;
};

struct FilterArgs {
  absl::Span<const Value> positional;
  // Liquid only (`default: x, allow_false: true`).
  absl::Span<const KeywordArg> keyword;
};

// A filter's result, or InvalidArgument with a message that names the filter and the problem
// ("divided_by: divided by 0"): the renderer prefixes the template position. Django filters that
// Django lets fail silently return what Django returns ("" or the input), not an error.
// ResourceExhausted passes a budget's error on.
using FilterFn = absl::StatusOr<Value> (*)(const Value& input, const FilterArgs& args,
                                           FilterContext& context);

struct FilterSpec {
  absl::string_view name;
  FilterFn fn = nullptr;
  int min_args = 0;  // Positional arguments.
  int max_args = 0;
};

// nullptr for a name the dialect does not have.
const FilterSpec* FindDjangoFilter(absl::string_view name);
const FilterSpec* FindLiquidFilter(absl::string_view name);

// How each dialect keeps its table: entries (anything with a `name`) sorted by name, checked at
// compile time, and the specs made from them found by binary search.
template <typename Entry, std::size_t N>
constexpr bool SortedByName(const Entry (&table)[N]) {
  for (std::size_t i = 1; i < N; ++i) {
    if (!(table[i - 1].name < table[i].name)) return false;
  }
  return true;
}
const FilterSpec* FindSorted(absl::Span<const FilterSpec> specs, absl::string_view name);

// Django's date format characters (the `date` and `time` filters and the `now` tag) applied to
// `time` in UTC; characters that are not format characters pass through, `\` escapes one.
std::string FormatDjangoDate(absl::string_view format, absl::Time time);

}  // namespace notify::tmpl

#endif  // NOTIFY_SERVER_CORE_TEMPLATE_FILTERS_H_
