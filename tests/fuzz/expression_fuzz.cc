// Fuzzes a notification's expression language in both dialects: any text parses or fails with a
// positioned InvalidArgument; a parsed expression holds, does not, or fails with InvalidArgument or
// ResourceExhausted over the event's data, and evaluates the same way twice.
//
// Input: the first byte picks the dialect (bit 0: Liquid); the rest is the expression.
#include <cstddef>
#include <cstdint>

#include "absl/strings/match.h"
#include "server/core/template/expression.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const notify::TemplateSyntax syntax =
      (data[0] & 1) != 0 ? notify::TemplateSyntax::kLiquid : notify::TemplateSyntax::kDjango;
  const absl::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  absl::StatusOr<notify::Expression> parsed = notify::Expression::Parse(text, syntax);
  if (!parsed.ok()) {
    notify::fuzz::Require(parsed.status().code() == absl::StatusCode::kInvalidArgument,
                          "an expression that does not parse is InvalidArgument", parsed.status());
    notify::fuzz::Require(absl::StartsWith(parsed.status().message(), "line ") ||
                              text.size() > notify::kMaxTemplateBytes,
                          "a parse error says where", parsed.status());
    return 0;
  }
  const absl::StatusOr<bool> first = parsed->Evaluate(notify::fuzz::EventContext());
  if (!first.ok()) {
    const absl::StatusCode code = first.status().code();
    notify::fuzz::Require(
        code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kResourceExhausted,
        "an evaluation fails with InvalidArgument or ResourceExhausted", first.status());
    return 0;
  }
  // The same again, unless the second run's deadline came first (the budget's time is real).
  const absl::StatusOr<bool> second = parsed->Evaluate(notify::fuzz::EventContext());
  notify::fuzz::Require(second.ok()
                            ? *second == *first
                            : second.status().code() == absl::StatusCode::kResourceExhausted,
                        "an expression evaluates the same twice", second.status());
  return 0;
}
