#include "server/core/template/expression_parser.h"

#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/common/status.h"

namespace notify::tmpl {
namespace {

// Python's \w in a str pattern: letters, digits and underscore of any script. Bytes of
// multi-byte UTF-8 sequences count as word characters, which is right for letters and harmless
// otherwise.
bool IsWordChar(char c) {
  return absl::ascii_isalnum(c) || c == '_' || (static_cast<unsigned char>(c) & 0x80) != 0;
}

// ------------------------------------------------------------------------------------------------
// Django.

// A quoted constant starting at `i` (`"..."` or `'...'`, backslash escapes): its end, or npos.
std::size_t DjangoStringEnd(absl::string_view s, std::size_t i) {
  const char quote = s[i];
  for (std::size_t j = i + 1; j < s.size(); ++j) {
    if (s[j] == '\\') {
      ++j;
    } else if (s[j] == quote) {
      return j + 1;
    }
  }
  return absl::string_view::npos;
}

// Django's unescape_string_literal: the quotes go, `\"` (or `\'`) and `\\` unescape.
std::string DjangoUnquote(absl::string_view literal) {
  const char quote = literal.front();
  const absl::string_view body = literal.substr(1, literal.size() - 2);
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size() && (body[i + 1] == quote || body[i + 1] == '\\')) {
      out += body[++i];
    } else {
      out += body[i];
    }
  }
  return out;
}

// The end of a variable or number starting at `i`: `[\w.]+`, else `[-+.]?\d[\d.e]*`; i when none.
std::size_t DjangoVarEnd(absl::string_view s, std::size_t i) {
  std::size_t j = i;
  while (j < s.size() && (IsWordChar(s[j]) || s[j] == '.')) ++j;
  if (j > i) return j;
  if (j < s.size() && (s[j] == '-' || s[j] == '+' || s[j] == '.')) ++j;
  if (j >= s.size() || !absl::ascii_isdigit(s[j])) return i;
  while (j < s.size() && (absl::ascii_isdigit(s[j]) || s[j] == '.' || s[j] == 'e')) ++j;
  return j;
}

// Python's float() of what Django's Variable tries first; nullopt when it is not a number.
std::optional<double> PythonFloat(absl::string_view text) {
  std::string lower = absl::AsciiStrToLower(text);
  absl::string_view body = lower;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") return negative ? -INFINITY : INFINITY;
  if (body == "nan") return NAN;
  if (body.empty() || !(absl::ascii_isdigit(body[0]) || body[0] == '.')) return std::nullopt;
  double d = 0;
  if (!absl::SimpleAtod(body, &d)) return std::nullopt;
  return negative ? -d : d;
}

// Django's Variable(): a number, a quoted string (marked safe) or a lookup.
absl::StatusOr<Expr> DjangoVariable(absl::string_view var, Position pos) {
  Expr expr;
  expr.pos = pos;
  if (var.front() == '"' || var.front() == '\'') {
    expr.literal = Value::String(DjangoUnquote(var)).MarkedSafe();
    return expr;
  }
  if (std::optional<double> number = PythonFloat(var);
      number.has_value() && !absl::EndsWith(var, ".")) {
    std::int64_t i = 0;
    if (!absl::StrContains(var, '.') && !absl::StrContains(absl::AsciiStrToLower(var), 'e') &&
        std::isfinite(*number)) {
      expr.literal = absl::SimpleAtoi(var, &i) ? Value::Int(i) : Value::Float(*number);
    } else {
      expr.literal = Value::Float(*number);
    }
    return expr;
  }
  if (var.front() == '_' || absl::StrContains(var, "._")) {
    return ErrorAt(
        pos, absl::StrCat("variables and attributes may not begin with underscores: '", var, "'"));
  }
  expr.kind = Expr::Kind::kLookup;
  std::vector<std::string> parts = absl::StrSplit(var, '.');
  expr.root = parts.front();
  for (std::size_t k = 1; k < parts.size(); ++k)
    expr.steps.push_back(Expr::Step{parts[k], nullptr});
  return expr;
}

}  // namespace

std::vector<Bit> SplitDjangoBits(absl::string_view text, std::size_t offset) {
  std::vector<Bit> bits;
  std::size_t i = 0;
  while (i < text.size()) {
    if (absl::ascii_isspace(text[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < text.size() && !absl::ascii_isspace(text[i])) {
      if (text[i] == '"' || text[i] == '\'') {
        const std::size_t end = DjangoStringEnd(text, i);
        // An unterminated quote is an ordinary character to smart_split.
        i = end == absl::string_view::npos ? i + 1 : end;
      } else {
        ++i;
      }
    }
    bits.push_back(Bit{std::string(text.substr(start, i - start)), offset + start});
  }
  return bits;
}

absl::StatusOr<FilterExpr> ParseDjangoFilterExpr(absl::string_view text, std::size_t offset,
                                                 const LineMap& lines) {
  auto error = [&](std::size_t at, absl::string_view message) {
    return ErrorAt(lines.At(offset + at), message);
  };
  FilterExpr out;
  std::size_t i = 0;
  std::size_t end = 0;
  if (!text.empty() && (text[0] == '"' || text[0] == '\'')) {
    end = DjangoStringEnd(text, 0);
    if (end == absl::string_view::npos) end = 0;
  } else if (absl::StartsWith(text, "_(")) {
    return error(0, "translations (_(...)) are not supported here");
  } else {
    end = DjangoVarEnd(text, 0);
  }
  if (end == 0) {
    return error(0, text.empty() || text[0] == '|'
                        ? absl::StrCat("could not find a variable at the start of '", text, "'")
                        : absl::StrCat("could not parse '", text, "'"));
  }
  NOTIFY_ASSIGN_OR_RETURN(out.base, DjangoVariable(text.substr(0, end), lines.At(offset)));
  i = end;
  while (i < text.size()) {
    std::size_t j = i;
    while (j < text.size() && absl::ascii_isspace(text[j])) ++j;
    if (j >= text.size() || text[j] != '|') break;
    ++j;
    while (j < text.size() && absl::ascii_isspace(text[j])) ++j;
    const std::size_t name_start = j;
    while (j < text.size() && IsWordChar(text[j])) ++j;
    if (j == name_start) break;
    FilterCall call;
    call.pos = lines.At(offset + name_start);
    const std::string name(text.substr(name_start, j - name_start));
    call.spec = FindDjangoFilter(name);
    if (call.spec == nullptr) return error(name_start, absl::StrCat("unknown filter '", name, "'"));
    if (j < text.size() && text[j] == ':') {
      const std::size_t arg_start = j + 1;
      std::size_t arg_end = arg_start;
      if (arg_start < text.size() && (text[arg_start] == '"' || text[arg_start] == '\'')) {
        arg_end = DjangoStringEnd(text, arg_start);
        if (arg_end == absl::string_view::npos) arg_end = arg_start;
      } else {
        arg_end = DjangoVarEnd(text, arg_start);
      }
      if (arg_end == arg_start) {
        // Django leaves the `:` unparsed and complains about the remainder.
        return error(j, absl::StrCat("could not parse the remainder: '", text.substr(j), "' from '",
                                     text, "'"));
      }
      NOTIFY_ASSIGN_OR_RETURN(Expr arg, DjangoVariable(text.substr(arg_start, arg_end - arg_start),
                                                       lines.At(offset + arg_start)));
      call.args.push_back(std::move(arg));
      j = arg_end;
    }
    const int count = static_cast<int>(call.args.size());
    if (count < call.spec->min_args || count > call.spec->max_args) {
      return ErrorAt(
          call.pos,
          absl::StrCat("filter '", name, "' ", call.spec->min_args > 0 ? "requires" : "takes",
                       call.spec->max_args == 0 ? " no" : " one", " argument"));
    }
    out.filters.push_back(std::move(call));
    i = j;
  }
  if (i != text.size()) {
    return error(
        i, absl::StrCat("could not parse the remainder: '", text.substr(i), "' from '", text, "'"));
  }
  return out;
}

namespace {

// Django's smartif: a Pratt parser over the bits of an `if`.
class DjangoIfParser {
 public:
  DjangoIfParser(const std::vector<Bit>& bits, Position tag_pos, const LineMap& lines)
      : tag_pos_(tag_pos), lines_(lines) {
    for (std::size_t i = 0; i < bits.size(); ++i) {
      Item item{bits[i].text, bits[i].offset};
      // `not in` and `is not` are single operators.
      if (i + 1 < bits.size() && ((bits[i].text == "not" && bits[i + 1].text == "in") ||
                                  (bits[i].text == "is" && bits[i + 1].text == "not"))) {
        item.text = absl::StrCat(bits[i].text, " ", bits[i + 1].text);
        ++i;
      }
      items_.push_back(std::move(item));
    }
  }

  absl::StatusOr<Condition> Parse() {
    NOTIFY_ASSIGN_OR_RETURN(Condition condition, Expression(0));
    if (index_ < items_.size()) {
      return ErrorAt(PosOf(index_), absl::StrCat("unused '", items_[index_].text,
                                                 "' at the end of the if expression"));
    }
    return condition;
  }

 private:
  struct Item {
    std::string text;
    std::size_t offset;
  };

  struct Operator {
    absl::string_view text;
    int bp;
    Condition::Op op;
  };

  static const Operator* FindOperator(absl::string_view text) {
    static constexpr Operator kOperators[] = {
        {"or", 6, Condition::Op::kOr},         {"and", 7, Condition::Op::kAnd},
        {"not", 8, Condition::Op::kNot},       {"in", 9, Condition::Op::kIn},
        {"not in", 9, Condition::Op::kNotIn},  {"is", 10, Condition::Op::kIs},
        {"is not", 10, Condition::Op::kIsNot}, {"==", 10, Condition::Op::kEq},
        {"!=", 10, Condition::Op::kNe},        {">", 10, Condition::Op::kGt},
        {">=", 10, Condition::Op::kGe},        {"<", 10, Condition::Op::kLt},
        {"<=", 10, Condition::Op::kLe},
    };
    for (const Operator& op : kOperators) {
      if (op.text == text) return &op;
    }
    return nullptr;
  }

  Position PosOf(std::size_t index) const {
    return index < items_.size() ? lines_.At(items_[index].offset) : tag_pos_;
  }

  int LeftBindingPower() const {
    if (index_ >= items_.size()) return 0;
    const Operator* op = FindOperator(items_[index_].text);
    // `not` is prefix only: as an infix it binds nothing, so it ends the expression.
    return op == nullptr || op->op == Condition::Op::kNot ? 0 : op->bp;
  }

  absl::StatusOr<Condition> Expression(int rbp) {
    if (++depth_ > 512) return ErrorAt(tag_pos_, "if expression nested too deeply");
    if (index_ >= items_.size()) return ErrorAt(tag_pos_, "unexpected end of expression in if tag");
    const std::size_t at = index_++;
    Condition left;
    left.pos = PosOf(at);
    const Operator* op = FindOperator(items_[at].text);
    if (op != nullptr) {
      if (op->op != Condition::Op::kNot) {
        return ErrorAt(left.pos, absl::StrCat("not expecting '", items_[at].text,
                                              "' in this position in if tag"));
      }
      left.op = Condition::Op::kNot;
      NOTIFY_ASSIGN_OR_RETURN(Condition operand, Expression(op->bp));
      left.operands.push_back(std::move(operand));
    } else {
      NOTIFY_ASSIGN_OR_RETURN(left.value,
                              ParseDjangoFilterExpr(items_[at].text, items_[at].offset, lines_));
    }
    while (rbp < LeftBindingPower()) {
      const Operator* infix = FindOperator(items_[index_].text);
      Condition node;
      node.pos = PosOf(index_);
      node.op = infix->op;
      ++index_;
      NOTIFY_ASSIGN_OR_RETURN(Condition right, Expression(infix->bp));
      node.operands.push_back(std::move(left));
      node.operands.push_back(std::move(right));
      left = std::move(node);
    }
    --depth_;
    return left;
  }

  std::vector<Item> items_;
  std::size_t index_ = 0;
  int depth_ = 0;
  Position tag_pos_;
  const LineMap& lines_;
};

}  // namespace

absl::Status CheckConditionSize(const Condition& condition, Position pos) {
  // Counted with a stack of its own: the tree may be as deep as it is long.
  std::vector<const Condition*> pending = {&condition};
  int operators = 0;
  while (!pending.empty()) {
    const Condition* c = pending.back();
    pending.pop_back();
    if (c->op != Condition::Op::kValue && c->op != Condition::Op::kText &&
        ++operators > kMaxConditionOperators) {
      return ErrorAt(
          pos, absl::StrCat("a condition may join at most ", kMaxConditionOperators, " operators"));
    }
    for (const Condition& operand : c->operands) pending.push_back(&operand);
  }
  return absl::OkStatus();
}

absl::StatusOr<Condition> ParseDjangoCondition(const std::vector<Bit>& bits, Position tag_pos,
                                               const LineMap& lines) {
  NOTIFY_ASSIGN_OR_RETURN(Condition condition, DjangoIfParser(bits, tag_pos, lines).Parse());
  NOTIFY_RETURN_IF_ERROR(CheckConditionSize(condition, tag_pos));
  return condition;
}

// ------------------------------------------------------------------------------------------------
// Liquid.

using Token = LiquidParser::Token;

absl::StatusOr<LiquidParser> LiquidParser::Make(absl::string_view markup, std::size_t offset,
                                                const LineMap& lines) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  auto starts = [&](absl::string_view s) { return absl::StartsWith(markup.substr(i), s); };
  while (i < markup.size()) {
    if (absl::ascii_isspace(markup[i])) {
      ++i;
      continue;
    }
    Token token;
    token.offset = offset + i;
    const std::size_t start = i;
    const char c = markup[i];
    if (starts("==") || starts("!=") || starts("<>") || starts("<=") || starts(">=")) {
      token.kind = Token::Kind::kComparison;
      i += 2;
    } else if (c == '<' || c == '>') {
      token.kind = Token::Kind::kComparison;
      i += 1;
    } else if (starts("contains") && i + 8 < markup.size() && absl::ascii_isspace(markup[i + 8])) {
      token.kind = Token::Kind::kComparison;
      i += 8;
    } else if (c == '"' || c == '\'') {
      const std::size_t end = markup.find(c, i + 1);
      if (end == absl::string_view::npos) {
        return ErrorAt(lines.At(offset + i),
                       absl::StrCat("unexpected character ", std::string(1, c)));
      }
      token.kind = Token::Kind::kString;
      i = end + 1;
    } else if (absl::ascii_isdigit(c) ||
               (c == '-' && i + 1 < markup.size() && absl::ascii_isdigit(markup[i + 1]))) {
      token.kind = Token::Kind::kNumber;
      ++i;
      while (i < markup.size() && absl::ascii_isdigit(markup[i])) ++i;
      if (i + 1 < markup.size() && markup[i] == '.' && absl::ascii_isdigit(markup[i + 1])) {
        ++i;
        while (i < markup.size() && absl::ascii_isdigit(markup[i])) ++i;
      }
    } else if (absl::ascii_isalpha(c) || c == '_') {
      token.kind = Token::Kind::kId;
      ++i;
      while (i < markup.size() &&
             (absl::ascii_isalnum(markup[i]) || markup[i] == '_' || markup[i] == '-'))
        ++i;
      if (i < markup.size() && markup[i] == '?') ++i;
    } else if (starts("..")) {
      token.kind = Token::Kind::kDotDot;
      i += 2;
    } else if (absl::string_view("|.:,[]()?-=").find(c) != absl::string_view::npos) {
      token.kind = Token::Kind::kPunct;
      ++i;
    } else {
      return ErrorAt(lines.At(offset + i),
                     absl::StrCat("unexpected character ", std::string(1, c)));
    }
    token.text = std::string(markup.substr(start, i - start));
    tokens.push_back(std::move(token));
  }
  Token end;
  end.offset = offset + markup.size();
  tokens.push_back(std::move(end));
  return LiquidParser(std::move(tokens), &lines);
}

const Token& LiquidParser::Peek(std::size_t ahead) const {
  return tokens_[std::min(index_ + ahead, tokens_.size() - 1)];
}

bool LiquidParser::AtEnd() const { return Peek().kind == Token::Kind::kEnd; }

Position LiquidParser::Here() const { return lines_->At(Peek().offset); }

absl::Status LiquidParser::Error(absl::string_view message) const {
  return ErrorAt(Here(), message);
}

absl::Status LiquidParser::ExpectEnd() const {
  if (AtEnd()) return absl::OkStatus();
  return Error(absl::StrCat("unexpected '", Peek().text, "'"));
}

bool LiquidParser::PeekWord(absl::string_view word) const {
  return Peek().kind == Token::Kind::kId && Peek().text == word;
}

bool LiquidParser::PeekPunct(absl::string_view punct) const {
  return Peek().kind == Token::Kind::kPunct && Peek().text == punct;
}

bool LiquidParser::ConsumeWord(absl::string_view word) {
  if (!PeekWord(word)) return false;
  ++index_;
  return true;
}

bool LiquidParser::ConsumePunct(absl::string_view punct) {
  if (!PeekPunct(punct)) return false;
  ++index_;
  return true;
}

absl::Status LiquidParser::ExpectPunct(absl::string_view punct) {
  if (ConsumePunct(punct)) return absl::OkStatus();
  return Error(absl::StrCat("expected '", punct, "'",
                            AtEnd() ? "" : absl::StrCat(", found '", Peek().text, "'")));
}

absl::StatusOr<std::string> LiquidParser::ExpectIdentifier(absl::string_view what) {
  if (Peek().kind != Token::Kind::kId) return Error(absl::StrCat("expected ", what));
  return tokens_[index_++].text;
}

absl::Status LiquidParser::ParseLookups(Expr& expr) {
  while (true) {
    if (ConsumePunct("[")) {
      NOTIFY_ASSIGN_OR_RETURN(Expr index, ParseExpr());
      NOTIFY_RETURN_IF_ERROR(ExpectPunct("]"));
      expr.steps.push_back(Expr::Step{"", std::make_shared<const Expr>(std::move(index))});
    } else if (ConsumePunct(".")) {
      NOTIFY_ASSIGN_OR_RETURN(std::string name, ExpectIdentifier("a name after '.'"));
      expr.steps.push_back(Expr::Step{std::move(name), nullptr});
    } else {
      return absl::OkStatus();
    }
  }
}

absl::StatusOr<Expr> LiquidParser::ParseExpr() {
  if (depth_ >= kMaxExpressionNesting) {
    return Error(
        absl::StrCat("an expression may nest at most ", kMaxExpressionNesting, " levels deep"));
  }
  ++depth_;
  absl::StatusOr<Expr> expr = ParseNestedExpr();
  --depth_;
  return expr;
}

absl::StatusOr<Expr> LiquidParser::ParseNestedExpr() {
  Expr expr;
  expr.pos = Here();
  const Token& token = Peek();
  switch (token.kind) {
    case Token::Kind::kString:
      ++index_;
      expr.literal = Value::String(token.text.substr(1, token.text.size() - 2));
      return expr;
    case Token::Kind::kNumber: {
      ++index_;
      std::int64_t i = 0;
      double d = 0;
      if (absl::SimpleAtoi(token.text, &i)) {
        expr.literal = Value::Int(i);
      } else if (absl::SimpleAtod(token.text, &d)) {
        expr.literal = Value::Float(d);
      }
      return expr;
    }
    case Token::Kind::kId: {
      ++index_;
      const std::string& word = token.text;
      if (word == "nil" || word == "null") {
        expr.literal = Value::Nil();
      } else if (word == "true" || word == "false") {
        expr.literal = Value::Bool(word == "true");
      } else if (word == "empty" || word == "blank") {
        expr.kind = word == "empty" ? Expr::Kind::kEmpty : Expr::Kind::kBlank;
      } else {
        expr.kind = Expr::Kind::kLookup;
        expr.root = word;
        NOTIFY_RETURN_IF_ERROR(ParseLookups(expr));
        return expr;
      }
      // A literal followed by lookups is still a lookup of that name to Liquid (`empty.size`).
      if (PeekPunct(".") || PeekPunct("[")) {
        expr = Expr();
        expr.pos = lines_->At(token.offset);
        expr.kind = Expr::Kind::kLookup;
        expr.root = word;
        NOTIFY_RETURN_IF_ERROR(ParseLookups(expr));
      }
      return expr;
    }
    case Token::Kind::kPunct:
      if (token.text == "[") {
        ++index_;
        NOTIFY_ASSIGN_OR_RETURN(Expr root, ParseExpr());
        NOTIFY_RETURN_IF_ERROR(ExpectPunct("]"));
        expr.kind = Expr::Kind::kLookup;
        expr.root_index = std::make_shared<const Expr>(std::move(root));
        NOTIFY_RETURN_IF_ERROR(ParseLookups(expr));
        return expr;
      }
      if (token.text == "(") {
        ++index_;
        NOTIFY_ASSIGN_OR_RETURN(Expr from, ParseExpr());
        if (Peek().kind != Token::Kind::kDotDot) return Error("expected '..' in a range");
        ++index_;
        NOTIFY_ASSIGN_OR_RETURN(Expr to, ParseExpr());
        NOTIFY_RETURN_IF_ERROR(ExpectPunct(")"));
        expr.kind = Expr::Kind::kRange;
        expr.from = std::make_shared<const Expr>(std::move(from));
        expr.to = std::make_shared<const Expr>(std::move(to));
        return expr;
      }
      break;
    default:
      break;
  }
  return Error(token.kind == Token::Kind::kEnd
                   ? "expected a value"
                   : absl::StrCat("'", token.text, "' is not a valid expression"));
}

absl::StatusOr<FilterExpr> LiquidParser::ParseFilterExpr() {
  FilterExpr out;
  NOTIFY_ASSIGN_OR_RETURN(out.base, ParseExpr());
  while (ConsumePunct("|")) {
    FilterCall call;
    call.pos = Here();
    NOTIFY_ASSIGN_OR_RETURN(std::string name, ExpectIdentifier("a filter name after '|'"));
    call.spec = FindLiquidFilter(name);
    if (call.spec == nullptr) return ErrorAt(call.pos, absl::StrCat("unknown filter '", name, "'"));
    if (ConsumePunct(":")) {
      while (true) {
        if (Peek().kind == Token::Kind::kId && Peek(1).kind == Token::Kind::kPunct &&
            Peek(1).text == ":") {
          std::string key = tokens_[index_].text;
          index_ += 2;
          NOTIFY_ASSIGN_OR_RETURN(Expr value, ParseExpr());
          call.keyword.emplace_back(std::move(key), std::move(value));
        } else {
          NOTIFY_ASSIGN_OR_RETURN(Expr arg, ParseExpr());
          call.args.push_back(std::move(arg));
        }
        if (!ConsumePunct(",")) break;
      }
    }
    const int count = static_cast<int>(call.args.size());
    if (count < call.spec->min_args || count > call.spec->max_args) {
      return ErrorAt(call.pos, absl::StrCat("filter '", name, "' takes ",
                                            call.spec->min_args == call.spec->max_args
                                                ? absl::StrCat(call.spec->min_args)
                                                : absl::StrCat(call.spec->min_args, " to ",
                                                               call.spec->max_args),
                                            " argument(s), got ", count));
    }
    out.filters.push_back(std::move(call));
  }
  return out;
}

namespace {

std::optional<Condition::Op> LiquidComparison(absl::string_view text) {
  if (text == "==") return Condition::Op::kEq;
  if (text == "!=" || text == "<>") return Condition::Op::kNe;
  if (text == "<") return Condition::Op::kLt;
  if (text == "<=") return Condition::Op::kLe;
  if (text == ">") return Condition::Op::kGt;
  if (text == ">=") return Condition::Op::kGe;
  if (text == "contains") return Condition::Op::kContains;
  return std::nullopt;
}

}  // namespace

absl::StatusOr<Condition> LiquidParser::ParseCondition() {
  // Liquid's conditions hold no filters; `a and b or c` means `a and (b or c)`. The chain is read
  // into a list first and folded from the right, so a long one costs no recursion.
  std::vector<Condition> parts;
  std::vector<Condition::Op> joins;
  int comparisons = 0;
  while (true) {
    Condition part;
    part.pos = Here();
    Condition left;
    left.pos = part.pos;
    NOTIFY_ASSIGN_OR_RETURN(left.value.base, ParseExpr());
    if (Peek().kind == Token::Kind::kComparison) {
      part.op = *LiquidComparison(tokens_[index_++].text);
      ++comparisons;
      Condition right;
      right.pos = Here();
      NOTIFY_ASSIGN_OR_RETURN(right.value.base, ParseExpr());
      part.operands.push_back(std::move(left));
      part.operands.push_back(std::move(right));
    } else {
      part = std::move(left);
    }
    parts.push_back(std::move(part));
    if (ConsumeWord("and")) {
      joins.push_back(Condition::Op::kAnd);
    } else if (ConsumeWord("or")) {
      joins.push_back(Condition::Op::kOr);
    } else {
      break;
    }
  }
  // Counted before the chain is built, as CheckConditionSize counts the other dialect's tree.
  if (static_cast<int>(joins.size()) + comparisons > kMaxConditionOperators) {
    return ErrorAt(parts.front().pos, absl::StrCat("a condition may join at most ",
                                                   kMaxConditionOperators, " operators"));
  }
  Condition result = std::move(parts.back());
  for (std::size_t k = joins.size(); k-- > 0;) {
    Condition joined;
    joined.op = joins[k];
    joined.pos = parts[k].pos;
    joined.operands.push_back(std::move(parts[k]));
    joined.operands.push_back(std::move(result));
    result = std::move(joined);
  }
  return result;
}

}  // namespace notify::tmpl
