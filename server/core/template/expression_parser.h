// Reading the values, filter chains and conditions inside `{{ }}` and `{% %}`, each dialect with
// its own grammar: Django's FilterExpression (`a.b|filter:"arg"`, one argument, no spaces around
// `:`) and its `if` operators with precedence; Liquid's strict parser (`a["b"] | f: x, k: v`,
// ranges, comparisons joined right to left). Unknown filters are errors in both.
#ifndef NOTIFY_SERVER_CORE_TEMPLATE_EXPRESSION_PARSER_H_
#define NOTIFY_SERVER_CORE_TEMPLATE_EXPRESSION_PARSER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/core/template/ast.h"
#include "server/core/template/lexer.h"

namespace notify::tmpl {

// A piece of tag content with where it starts in the source.
struct Bit {
  std::string text;
  std::size_t offset = 0;
};

// Django's smart_split: words separated by whitespace, a quoted part (with backslash escapes)
// keeping its spaces, `a="b c"` one word.
std::vector<Bit> SplitDjangoBits(absl::string_view text, std::size_t offset);

// Django's FilterExpression over `text` (which starts at `offset` in the source).
absl::StatusOr<FilterExpr> ParseDjangoFilterExpr(absl::string_view text, std::size_t offset,
                                                 const LineMap& lines);

// Django's `if` expression over the bits after the tag name.
absl::StatusOr<Condition> ParseDjangoCondition(const std::vector<Bit>& bits, Position tag_pos,
                                               const LineMap& lines);

// The most operators (and, or, not, comparisons) one condition may join.
inline constexpr int kMaxConditionOperators = 256;

// InvalidArgument at `pos` when `condition` joins more than kMaxConditionOperators operators:
// Django's parsers call it on the tree (Liquid's counts its flat chain before building one), so
// that evaluating a condition (which recurses through the tree) stays shallow whatever the
// template.
absl::Status CheckConditionSize(const Condition& condition, Position pos);

// Liquid's strict parser over one markup.
class LiquidParser {
 public:
  // InvalidArgument at the first character Liquid's lexer refuses.
  static absl::StatusOr<LiquidParser> Make(absl::string_view markup, std::size_t offset,
                                           const LineMap& lines);

  // InvalidArgument for an expression nested more than kMaxExpressionNesting levels deep
  // (`a[b[c[...]]]`, `((1..2)..3)`), which would otherwise take the parser's stack.
  absl::StatusOr<Expr> ParseExpr();
  static constexpr int kMaxExpressionNesting = 64;
  // An expression and its filters: `expr | name: arg, key: value | ...`.
  absl::StatusOr<FilterExpr> ParseFilterExpr();
  // Comparisons joined by `and`/`or`, grouped right to left.
  absl::StatusOr<Condition> ParseCondition();

  bool AtEnd() const;
  // InvalidArgument "unexpected 'X'" unless at the end.
  absl::Status ExpectEnd() const;
  // The next token, when it is the identifier `word` (consumed) or any identifier.
  bool ConsumeWord(absl::string_view word);
  absl::StatusOr<std::string> ExpectIdentifier(absl::string_view what);
  // The next token, when it is this punctuation (`:`, `,`, `=`...).
  bool ConsumePunct(absl::string_view punct);
  absl::Status ExpectPunct(absl::string_view punct);
  bool PeekWord(absl::string_view word) const;
  bool PeekPunct(absl::string_view punct) const;
  absl::Status Error(absl::string_view message) const;
  Position Here() const;
  // Where the next token starts, and where the last consumed one ended (source offsets): the
  // text between two of them is an expression as written.
  std::size_t NextOffset() const { return Peek().offset; }
  std::size_t PreviousEnd() const {
    return index_ == 0 ? Peek().offset
                       : tokens_[index_ - 1].offset + tokens_[index_ - 1].text.size();
  }

  struct Token {
    enum class Kind { kId, kString, kNumber, kComparison, kPunct, kDotDot, kEnd };
    Kind kind = Kind::kEnd;
    std::string text;
    std::size_t offset = 0;
  };

 private:
  LiquidParser(std::vector<Token> tokens, const LineMap* lines)
      : tokens_(std::move(tokens)), lines_(lines) {}
  const Token& Peek(std::size_t ahead = 0) const;
  absl::Status ParseLookups(Expr& expr);
  // ParseExpr one level down: brackets and ranges nest expressions in expressions.
  absl::StatusOr<Expr> ParseNestedExpr();

  std::vector<Token> tokens_;
  std::size_t index_ = 0;
  const LineMap* lines_;
  int depth_ = 0;  // Expressions being parsed, one inside the other.
};

}  // namespace notify::tmpl

#endif  // NOTIFY_SERVER_CORE_TEMPLATE_EXPRESSION_PARSER_H_
