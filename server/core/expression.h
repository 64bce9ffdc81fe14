// Conditions on events, written as templates that render to a small boolean language.
#ifndef NOTIFY_SERVER_CORE_EXPRESSION_H_
#define NOTIFY_SERVER_CORE_EXPRESSION_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace notify {

// Renders `expression` as a template over `context` (no HTML escaping, default bounds), then
// evaluates the result:
//
//   or     := and ('or' and)*
//   and    := not ('and' not)*
//   not    := 'not' not | compare
//   compare:= value (('==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not' 'in') value)?
//   value  := 'string' | "string" | number | true | false | '(' or ')' | '[' value, ... ']'
//
// Strings have no escapes. `a in b` is substring for a string `b` and membership for a list.
// Numbers compare numerically; a number and a string are equal (==, !=) when their texts are, and
// ordering them (<, <=, >, >=) is an error. `and`, `or`, `not` and the final result use
// truthiness: false, 0, '' and [] are false. An empty or all-whitespace expression is true.
//
// Errors: a template that does not parse or render passes the template engine's error on
// ("line L, column C: ..."); a rendered text that does not evaluate is InvalidArgument starting
// "column C: " (1-based, in the rendered text), followed by the rendered text. Thread-safe.
absl::StatusOr<bool> EvaluateExpression(absl::string_view expression,
                                        const nlohmann::json& context);

}  // namespace notify

#endif  // NOTIFY_SERVER_CORE_EXPRESSION_H_
