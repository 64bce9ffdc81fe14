#include "server/core/template/expression.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/common/clock.h"
#include "server/common/status.h"
#include "server/core/template/ast.h"
#include "server/core/template/expression_parser.h"
#include "server/core/template/lexer.h"
#include "server/core/template/parser.h"
#include "server/core/template/render.h"

namespace notify {
namespace {

using tmpl::Condition;
using tmpl::ErrorAt;
using tmpl::FilterExpr;
using tmpl::Value;

constexpr int kMaxNesting = 64;

class ExpressionParser {
 public:
  ExpressionParser(absl::string_view text, TemplateSyntax syntax)
      : text_(text), syntax_(syntax), lines_(text) {}

  absl::StatusOr<Condition> Parse() {
    NOTIFY_ASSIGN_OR_RETURN(Condition condition, Or(0));
    SkipSpace();
    if (pos_ < text_.size()) return Error(pos_, "unexpected text after the expression");
    NOTIFY_RETURN_IF_ERROR(tmpl::CheckConditionSize(condition, lines_.At(0)));
    return condition;
  }

 private:
  absl::Status Error(std::size_t at, absl::string_view message) const {
    return ErrorAt(lines_.At(at), message);
  }

  void SkipSpace() {
    while (pos_ < text_.size() && absl::ascii_isspace(text_[pos_])) ++pos_;
  }

  // Consumes `word` when it comes next as a whole word.
  bool Word(absl::string_view word) {
    SkipSpace();
    if (!absl::StartsWith(text_.substr(pos_), word)) return false;
    const std::size_t end = pos_ + word.size();
    if (end < text_.size() && (absl::ascii_isalnum(text_[end]) || text_[end] == '_')) return false;
    pos_ = end;
    return true;
  }

  bool Symbol(absl::string_view symbol) {
    SkipSpace();
    if (!absl::StartsWith(text_.substr(pos_), symbol)) return false;
    pos_ += symbol.size();
    return true;
  }

  static Condition Join(Condition::Op op, Condition left, Condition right) {
    Condition joined;
    joined.op = op;
    joined.pos = left.pos;
    joined.operands.push_back(std::move(left));
    joined.operands.push_back(std::move(right));
    return joined;
  }

  absl::StatusOr<Condition> Or(int depth) {
    NOTIFY_ASSIGN_OR_RETURN(Condition left, And(depth));
    while (Word("or")) {
      NOTIFY_ASSIGN_OR_RETURN(Condition right, And(depth));
      left = Join(Condition::Op::kOr, std::move(left), std::move(right));
    }
    return left;
  }

  absl::StatusOr<Condition> And(int depth) {
    NOTIFY_ASSIGN_OR_RETURN(Condition left, Not(depth));
    while (Word("and")) {
      NOTIFY_ASSIGN_OR_RETURN(Condition right, Not(depth));
      left = Join(Condition::Op::kAnd, std::move(left), std::move(right));
    }
    return left;
  }

  absl::StatusOr<Condition> Not(int depth) {
    // Counted rather than recursed into, so a long chain cannot exhaust the stack.
    int nots = 0;
    while (Word("not")) ++nots;
    NOTIFY_ASSIGN_OR_RETURN(Condition inner, Compare(depth));
    // Only the truth of the result is used, so pairs of `not` cancel.
    if (nots % 2 == 1) {
      Condition negated;
      negated.op = Condition::Op::kNot;
      negated.pos = inner.pos;
      negated.operands.push_back(std::move(inner));
      inner = std::move(negated);
    }
    return inner;
  }

  absl::StatusOr<Condition> Compare(int depth) {
    NOTIFY_ASSIGN_OR_RETURN(Condition left, Primary(depth));
    SkipSpace();
    static constexpr std::pair<absl::string_view, Condition::Op> kSymbols[] = {
        {"==", Condition::Op::kEq}, {"!=", Condition::Op::kNe}, {"<=", Condition::Op::kLe},
        {">=", Condition::Op::kGe}, {"<", Condition::Op::kLt},  {">", Condition::Op::kGt},
    };
    std::optional<Condition::Op> op;
    for (const auto& [symbol, symbol_op] : kSymbols) {
      if (Symbol(symbol)) {
        op = symbol_op;
        break;
      }
    }
    if (!op.has_value() && Word("in")) op = Condition::Op::kIn;
    if (!op.has_value() && Word("contains")) op = Condition::Op::kContains;
    if (!op.has_value()) {
      const std::size_t before_not = pos_;
      if (Word("not")) {
        if (Word("in")) {
          op = Condition::Op::kNotIn;
        } else {
          pos_ = before_not;
        }
      }
    }
    if (!op.has_value()) return left;
    NOTIFY_ASSIGN_OR_RETURN(Condition right, Primary(depth));
    return Join(*op, std::move(left), std::move(right));
  }

  Condition Literal(Value value, std::size_t at) const {
    Condition leaf;
    leaf.pos = lines_.At(at);
    leaf.value.base.pos = leaf.pos;
    leaf.value.base.literal = std::move(value);
    return leaf;
  }

  // `{{ expr }}` at pos_: the value it names.
  absl::StatusOr<Condition> Output(std::size_t start) {
    const std::size_t close = text_.find("}}", start + 2);
    if (close == absl::string_view::npos) return Error(start, "'{{' is never closed with '}}'");
    absl::string_view inner = text_.substr(start + 2, close - start - 2);
    const absl::string_view content = absl::StripAsciiWhitespace(inner);
    const std::size_t offset = start + 2 + static_cast<std::size_t>(content.data() - inner.data());
    if (content.empty()) return Error(start, "empty '{{ }}'");
    Condition leaf;
    leaf.pos = lines_.At(start);
    if (syntax_ == TemplateSyntax::kDjango) {
      NOTIFY_ASSIGN_OR_RETURN(leaf.value, tmpl::ParseDjangoFilterExpr(content, offset, lines_));
    } else {
      NOTIFY_ASSIGN_OR_RETURN(tmpl::LiquidParser p,
                              tmpl::LiquidParser::Make(content, offset, lines_));
      NOTIFY_ASSIGN_OR_RETURN(leaf.value, p.ParseFilterExpr());
      NOTIFY_RETURN_IF_ERROR(p.ExpectEnd());
    }
    pos_ = close + 2;
    return leaf;
  }

  // A quoted text at pos_. With `{{ }}` in it, it renders as a template; `{{ }}` may hold quotes
  // of its own (filter arguments), so the closing quote is looked for outside them.
  absl::StatusOr<Condition> Quoted(std::size_t start) {
    const char quote = text_[start];
    std::size_t i = start + 1;
    bool templated = false;
    while (i < text_.size() && text_[i] != quote) {
      if (absl::StartsWith(text_.substr(i), "{%")) {
        return Error(i, "tags ({% %}) have no place in an expression");
      }
      if (absl::StartsWith(text_.substr(i), "{{")) {
        const std::size_t close = text_.find("}}", i + 2);
        if (close == absl::string_view::npos) return Error(i, "'{{' is never closed with '}}'");
        templated = true;
        i = close + 2;
      } else {
        ++i;
      }
    }
    if (i >= text_.size()) return Error(start, "unterminated string");
    const absl::string_view body = text_.substr(start + 1, i - start - 1);
    pos_ = i + 1;
    if (!templated) return Literal(Value::String(std::string(body)), start);
    const tmpl::LineMap lines(body);
    absl::StatusOr<NodeList> nodes = ParseText(body, lines);
    if (!nodes.ok()) {
      return Error(start, absl::StrCat("in the quoted text: ", nodes.status().message()));
    }
    Condition leaf;
    leaf.op = Condition::Op::kText;
    leaf.pos = lines_.At(start);
    leaf.text = std::make_shared<const tmpl::NodeList>(*std::move(nodes));
    return leaf;
  }

  using NodeList = tmpl::NodeList;

  absl::StatusOr<NodeList> ParseText(absl::string_view body, const tmpl::LineMap& lines) const {
    NOTIFY_ASSIGN_OR_RETURN(std::vector<tmpl::Piece> pieces, tmpl::Lex(body, syntax_, lines));
    for (const tmpl::Piece& piece : pieces) {
      if (piece.kind == tmpl::Piece::Kind::kTag) {
        return ErrorAt(lines.At(piece.offset), "tags ({% %}) have no place in an expression");
      }
    }
    tmpl::Parser parser(std::move(pieces), syntax_, lines);
    return parser.ParseDocument();
  }

  absl::StatusOr<Condition> Primary(int depth) {
    SkipSpace();
    if (depth > kMaxNesting) return Error(pos_, "nested too deeply");
    if (pos_ >= text_.size()) return Error(pos_, "expected a value");
    const std::size_t start = pos_;
    const char c = text_[pos_];
    if (c == '\'' || c == '"') return Quoted(start);
    if (absl::StartsWith(text_.substr(pos_), "{{")) return Output(start);
    if (absl::StartsWith(text_.substr(pos_), "{%")) {
      return Error(start, "tags ({% %}) have no place in an expression");
    }
    if (absl::ascii_isdigit(c) || c == '-' || c == '+' || c == '.') {
      std::size_t end = pos_ + 1;
      while (end < text_.size() && (absl::ascii_isalnum(text_[end]) || text_[end] == '.' ||
                                    ((text_[end] == '-' || text_[end] == '+') &&
                                     (text_[end - 1] == 'e' || text_[end - 1] == 'E')))) {
        ++end;
      }
      const absl::string_view number = text_.substr(pos_, end - pos_);
      std::int64_t i = 0;
      double d = 0;
      pos_ = end;
      if (absl::SimpleAtoi(number, &i)) return Literal(Value::Int(i), start);
      if (absl::SimpleAtod(number, &d) && std::isfinite(d)) return Literal(Value::Float(d), start);
      return Error(start, absl::StrCat("bad number '", number, "'"));
    }
    if (Symbol("(")) {
      NOTIFY_ASSIGN_OR_RETURN(Condition inner, Or(depth + 1));
      if (!Symbol(")")) return Error(pos_, "expected ')'");
      return inner;
    }
    if (Symbol("[")) {
      Condition list;
      list.op = Condition::Op::kList;
      list.pos = lines_.At(start);
      if (Symbol("]")) return list;
      while (true) {
        NOTIFY_ASSIGN_OR_RETURN(Condition item, Primary(depth + 1));
        list.operands.push_back(std::move(item));
        if (Symbol("]")) return list;
        if (!Symbol(",")) return Error(pos_, "expected ',' or ']'");
      }
    }
    if (Word("true")) return Literal(Value::Bool(true), start);
    if (Word("false")) return Literal(Value::Bool(false), start);
    std::size_t end = pos_;
    while (end < text_.size() && !absl::ascii_isspace(text_[end])) ++end;
    return Error(start, absl::StrCat("unexpected '", text_.substr(start, end - start),
                                     "'; values are quoted, numbers, true, false or {{ }}"));
  }

  absl::string_view text_;
  TemplateSyntax syntax_;
  tmpl::LineMap lines_;
  std::size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<Expression> Expression::Parse(absl::string_view text, TemplateSyntax syntax) {
  if (text.size() > kMaxTemplateBytes) {
    return absl::InvalidArgumentError(absl::StrCat("line 1, column 1: the expression is ",
                                                   text.size(), " bytes; at most ",
                                                   kMaxTemplateBytes, " are allowed"));
  }
  if (absl::StripAsciiWhitespace(text).empty()) return Expression(nullptr, syntax);
  NOTIFY_ASSIGN_OR_RETURN(Condition condition, ExpressionParser(text, syntax).Parse());
  return Expression(std::make_shared<const Condition>(std::move(condition)), syntax);
}

absl::StatusOr<bool> Expression::Evaluate(const nlohmann::json& context,
                                          const RenderOptions& options) const {
  if (condition_ == nullptr) return true;
  const Clock* clock = options.clock != nullptr ? options.clock : RealClock::Get();
  tmpl::Budget budget(options.limits, clock);
  tmpl::RenderState state(syntax_, context, budget, /*autoescape=*/false, clock->Now(),
                          options.safe_values);
  absl::StatusOr<bool> holds = state.Test(*condition_);
  if (holds.status().code() == absl::StatusCode::kNotFound) {
    return absl::InvalidArgumentError(holds.status().message());
  }
  return holds;
}

}  // namespace notify
