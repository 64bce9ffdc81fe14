// A notification's `expression`: whether it fires for an event, in the official extension's form
//
//   '{{ status }}' == 'Complete' and {{ amount }} >= 100
//
// parsed once into the template engine's own conditions and evaluated over the event's values,
// which stay values: `{{ x }}` is x itself (a number, a string, a list...), a quoted text with
// `{{ }}` in it is the text it renders to. A value is never read as syntax, so a user named
// `x' == 'x` or O'Brien is compared as the text it is.
//
//   or     := and ('or' and)*
//   and    := not ('and' not)*
//   not    := 'not' not | compare
//   compare:= value (('==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not' 'in' | 'contains')
//             value)?
//   value  := '...' | "..." | number | true | false | {{ expr }} | '(' or ')' | '[' value, ... ']'
//
// Equality, ordering, `in` and truth are the dialect's own, as in its `if` tag (Django: Python's;
// an ordering between a number and a string is false). Tags (`{% %}`) have no place here.
#ifndef NOTIFY_SERVER_CORE_TEMPLATE_EXPRESSION_H_
#define NOTIFY_SERVER_CORE_TEMPLATE_EXPRESSION_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "server/core/template/template.h"

namespace notify {

namespace tmpl {
struct Condition;
}  // namespace tmpl

// Cheap to copy; Evaluate is const and thread-safe.
class Expression {
 public:
  // InvalidArgument "line L, column C: ..." (1-based) when `text` does not parse. An empty or
  // all-whitespace text is an expression that always holds.
  static absl::StatusOr<Expression> Parse(absl::string_view text,
                                          TemplateSyntax syntax = TemplateSyntax::kDjango);

  // Whether it holds for `context`. ResourceExhausted past the render budget; InvalidArgument when
  // a filter fails.
  absl::StatusOr<bool> Evaluate(const nlohmann::json& context,
                                const RenderOptions& options = {}) const;

 private:
  Expression(std::shared_ptr<const tmpl::Condition> condition, TemplateSyntax syntax)
      : condition_(std::move(condition)), syntax_(syntax) {}

  std::shared_ptr<const tmpl::Condition> condition_;  // Null: always holds.
  TemplateSyntax syntax_;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_CORE_TEMPLATE_EXPRESSION_H_
