// A template engine for the Django template language as Liquid also spells it: `{{ value|filter }}`
// output, `{% tag %}` blocks, `{# ... #}` comments and whitespace control (`{%-`, `-%}`, `{{-`,
// `-}}`).
//
// Supported: variables with dotted lookups (`a.b.0` indexes arrays); string, number,
// true/false/null literals; filters in both spellings (`x|default:"y"` and `x | default: "y"`),
// chained, with comma-separated arguments; the tags if/elif/elsif/else, unless, for (limit:,
// offset:, reversed, forloop.*, else/empty), case/when, assign, capture, comment and raw.
//
// Choices where Django and Liquid differ:
//  * Booleans print as Liquid does: `true` / `false`. Null and undefined variables print nothing;
//    numbers print as JSON wrote them; arrays and objects print as compact JSON.
//  * Truthiness in `if` is Django's: null, false, 0, "", [] and {} are false.
//  * `default` is Liquid's: it replaces null, false, "", [] and {}, but not 0.
//  * `date` and `timestamp` work in UTC. `timestamp` turns milliseconds since the epoch into an
//    RFC 3339 string, which `date` (like any RFC 3339 string, or a number of seconds) formats with
//    Django letters, or with strftime conventions when the format contains `%`.
//  * Case conversions (upper, lower, capitalize, title) touch ASCII letters only.
#ifndef NOTIFY_SERVER_CORE_TEMPLATE_H_
#define NOTIFY_SERVER_CORE_TEMPLATE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "server/core/notification_rules.h"

namespace notify {

struct RenderOptions {
  // Escape `& < > " '` in the output of `{{ }}` (for HTML bodies). The `safe` filter opts a value
  // out; `escape` and `newline_to_br` produce values that are not escaped again.
  bool html_escape = false;
  // Bytes produced in total, captures included.
  std::size_t max_output_bytes = 1 << 20;
  // Iterations of all `for` loops together.
  std::int64_t max_loop_iterations = 10000;
  // Blocks (if, for, case, capture...) nested inside one another.
  int max_depth = 64;
  // Top-level variables bound to text that is already safe HTML (a layout's `content`): never
  // escaped, and they hide a context member of the same name.
  std::map<std::string, std::string> safe_values;
};

namespace template_internal {
struct Tree;
}  // namespace template_internal

// A parsed template. Cheap to copy (the parsed tree is shared and immutable); Render is const and
// thread-safe.
class Template {
 public:
  // InvalidArgument whose message starts with "line L, column C: " (1-based) when `text` does not
  // parse: an unclosed `{{`, `{%` or `{#`, an unknown tag or filter, a filter with the wrong number
  // of arguments, a block never closed or closed by the wrong tag, or blocks nested more than 512
  // deep.
  static absl::StatusOr<Template> Parse(absl::string_view text);

  // Renders over `context` (usually an object). ResourceExhausted when a bound in `options` is
  // exceeded; InvalidArgument ("line L, column C: ...") when a filter fails, e.g. divided_by zero.
  absl::StatusOr<std::string> Render(const nlohmann::json& context,
                                     const RenderOptions& options = {}) const;

 private:
  explicit Template(std::shared_ptr<const template_internal::Tree> tree) : tree_(std::move(tree)) {}

  std::shared_ptr<const template_internal::Tree> tree_;
};

// Checks templates with the full engine: Check returns what Template::Parse does. Thread-safe.
class EngineTemplateChecker final : public TemplateChecker {
 public:
  absl::Status Check(absl::string_view text) const override;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_CORE_TEMPLATE_H_
