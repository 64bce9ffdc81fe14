#include "server/core/template/render.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/common/status.h"
#include "server/core/template/filters.h"

namespace notify::tmpl {

RenderState::RenderState(Syntax syntax, const nlohmann::json& context, Budget& budget,
                         bool autoescape, absl::Time now,
                         const std::map<std::string, std::string>& safe_values)
    : syntax_(syntax), context_(context), budget_(budget), autoescape_(autoescape), now_(now) {
  scopes_.emplace_back();
  for (const auto& [name, html] : safe_values) {
    scopes_.front().emplace_back(name, Value::StringRef(html).MarkedSafe());
  }
}

RenderState::RenderState(Isolated, const RenderState& parent, const nlohmann::json& context)
    : syntax_(parent.syntax_),
      context_(context),
      budget_(parent.budget_),
      autoescape_(parent.autoescape_),
      now_(parent.now_),
      partials_(parent.partials_),
      isolated_(true),
      depth_(parent.depth_) {
  scopes_.emplace_back();
}

absl::Status RenderState::RenderList(const NodeList& nodes, std::string& out) {
  if (depth_ >= budget_.limits().max_depth) {
    return absl::ResourceExhaustedError(
        absl::StrCat("template blocks nested more than ", budget_.limits().max_depth, " deep"));
  }
  ++depth_;
  absl::Status status;
  for (const auto& node : nodes) {
    status = budget_.Step();
    if (status.ok()) status = node->Render(*this, out);
    // As Liquid does, a pending break or continue stops the body after any tag (text before the
    // next tag still prints).
    if (!status.ok() || (interrupt != Interrupt::kNone && !node->is_text())) break;
  }
  --depth_;
  return status;
}

absl::Status RenderState::ForEach(LoopInfo loop, std::int64_t length,
                                  absl::FunctionRef<absl::StatusOr<bool>(std::int64_t)> each) {
  const std::shared_ptr<const LoopInfo> parent = current_loop_;
  loop.length = length;
  loop.parent = parent;
  PushScope();
  absl::Status status;
  for (std::int64_t i = 0; i < length && status.ok(); ++i) {
    status = budget_.Step();
    if (!status.ok()) break;
    auto info = std::make_shared<LoopInfo>(loop);
    info->index0 = i;
    current_loop_ = info;
    Set("forloop", Value::Loop(std::move(info)));
    absl::StatusOr<bool> go_on = each(i);
    status = go_on.status();
    if (status.ok() && !*go_on) break;
  }
  current_loop_ = parent;
  PopScope();
  return status;
}

absl::Status RenderState::Append(std::string& out, absl::string_view text) {
  NOTIFY_RETURN_IF_ERROR(budget_.Bytes(text.size()));
  out.append(text.data(), text.size());
  return absl::OkStatus();
}

namespace {

// Django prints floats in output through number formatting, which writes Python's exponent forms
// (1e+16, 1e-05) out in full.
std::string DjangoOutputFloat(double d) {
  std::string repr = PrintFloat(d, Syntax::kDjango);
  const std::size_t e = repr.find('e');
  if (e == std::string::npos) return repr;
  const bool negative = repr[0] == '-';
  std::string digits;
  int point = 0;  // Digits before the decimal point in `digits`.
  bool seen_point = false;
  for (std::size_t i = negative ? 1 : 0; i < e; ++i) {
    if (repr[i] == '.') {
      seen_point = true;
    } else {
      digits += repr[i];
      if (!seen_point) ++point;
    }
  }
  int exponent = 0;
  (void)absl::SimpleAtoi(absl::string_view(repr).substr(e + 1), &exponent);
  point += exponent;
  // Past 200 digits Django keeps the exponent form.
  if (std::abs(point - static_cast<int>(digits.size())) + static_cast<int>(digits.size()) > 200) {
    return repr;
  }
  std::string out = negative ? "-" : "";
  if (point <= 0) {
    absl::StrAppend(&out, "0.", std::string(static_cast<std::size_t>(-point), '0'), digits);
  } else if (static_cast<std::size_t>(point) >= digits.size()) {
    absl::StrAppend(&out, digits,
                    std::string(static_cast<std::size_t>(point) - digits.size(), '0'));
  } else {
    absl::StrAppend(&out, digits.substr(0, point), ".", digits.substr(point));
  }
  return out;
}

}  // namespace

absl::Status RenderState::Output(const Value& value, std::string& out) {
  std::string text;
  if (syntax_ == Syntax::kDjango && value.is_float()) {
    text = DjangoOutputFloat(value.number_value());
  } else if (syntax_ == Syntax::kDjango && value.is_time()) {
    // Django localizes a datetime in output with its DATETIME_FORMAT.
    text = FormatDjangoDate("N j, Y, P", value.time_value());
  } else {
    text = Print(value, syntax_);
  }
  if (autoescape_ && !value.safe()) text = HtmlEscape(text, syntax_);
  return Append(out, text);
}

// ------------------------------------------------------------------------------------------------
// Variables.

Value RenderState::Lookup(absl::string_view name) const {
  for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
    for (auto it = scope->rbegin(); it != scope->rend(); ++it) {
      if (it->first == name) return it->second;
    }
  }
  if (syntax_ == Syntax::kLiquid) {
    if (auto it = named_counters_.find(std::string(name)); it != named_counters_.end()) {
      return Value::Int(it->second);
    }
  }
  if (context_.is_object()) {
    if (auto it = context_.find(name); it != context_.end()) return Value::Json(*it);
  }
  // Django's context holds True, False and None beneath everything else.
  if (syntax_ == Syntax::kDjango) {
    if (name == "True") return Value::Bool(true);
    if (name == "False") return Value::Bool(false);
    if (name == "None") return Value::Nil();
  }
  return Value();
}

Value RenderState::LookupData(absl::string_view name) const {
  if (!context_.is_object()) return Value();
  auto it = context_.find(name);
  return it == context_.end() ? Value() : Value::Json(*it);
}

namespace {

void Bind(std::vector<std::pair<std::string, Value>>& scope, absl::string_view name, Value value) {
  for (auto& [key, bound] : scope) {
    if (key == name) {
      bound = std::move(value);
      return;
    }
  }
  scope.emplace_back(std::string(name), std::move(value));
}

// The code point at `index` of `text`, as a string; nullopt past the end.
std::optional<std::string> CodePointAt(absl::string_view text, std::size_t index) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t j = i + 1;
    while (j < text.size() && (static_cast<unsigned char>(text[j]) & 0xC0) == 0x80) ++j;
    if (seen++ == index) return std::string(text.substr(i, j - i));
    i = j;
  }
  return std::nullopt;
}

std::size_t CodePointCount(absl::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

}  // namespace

void RenderState::Set(absl::string_view name, Value value) {
  Bind(scopes_.back(), name, std::move(value));
}

void RenderState::SetGlobal(absl::string_view name, Value value) {
  Bind(scopes_.front(), name, std::move(value));
}

void RenderState::SetUpward(absl::string_view name, Value value) {
  for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
    for (auto& [key, bound] : *scope) {
      if (key == name) {
        bound = std::move(value);
        return;
      }
    }
  }
  Set(name, std::move(value));
}

absl::StatusOr<Value> RenderState::Step(const Value& from, const Expr::Step& step) {
  if (step.index != nullptr) {
    NOTIFY_ASSIGN_OR_RETURN(Value key, Eval(*step.index));
    if (key.is_int()) {
      if (!from.is_sequence()) return Value::Nil();
      std::int64_t i = key.int_value();
      const auto size = static_cast<std::int64_t>(from.Size());
      if (i < 0) i += size;
      if (i < 0 || i >= size) return Value::Nil();
      return from.At(static_cast<std::size_t>(i));
    }
    if (key.is_string() && from.is_object()) return from.Get(key.string_value());
    if (key.is_string() && from.is_loop()) return from.Get(key.string_value());
    return Value::Nil();
  }
  const std::string& name = step.name;
  if (from.is_object()) {
    if (const nlohmann::json* j = from.referenced_json(); j != nullptr && j->contains(name)) {
      return from.Get(name);
    }
  }
  if (from.is_loop()) return from.Get(name);
  if (syntax_ == Syntax::kDjango) {
    if (from.is_object()) {
      // Django falls back to the dict's methods, which templates call without arguments.
      if (name == "items" || name == "keys" || name == "values") {
        const std::vector<std::string> keys = from.Keys();
        NOTIFY_RETURN_IF_ERROR(budget_.Elements(keys.size() * (name == "items" ? 3 : 1)));
        std::vector<Value> items;
        items.reserve(keys.size());
        for (const std::string& key : keys) {
          if (name == "keys") {
            items.push_back(Value::String(key));
          } else if (name == "values") {
            items.push_back(from.Get(key));
          } else {
            items.push_back(Value::Array({Value::String(key), from.Get(key)}));
          }
        }
        return Value::Array(std::move(items));
      }
      return Value();
    }
    // Python's str methods that take no arguments are called; these have filters to match.
    if (from.is_string() && (name == "upper" || name == "lower" || name == "title")) {
      FilterContext context{syntax_, autoescape_, now_, &budget_};
      if (const FilterSpec* spec = FindDjangoFilter(name); spec != nullptr) {
        return spec->fn(from, FilterArgs{}, context);
      }
    }
    // A regroup group is [grouper, list].
    if (from.is_array() && from.Size() == 2 && (name == "grouper" || name == "list")) {
      return from.At(name == "grouper" ? 0 : 1);
    }
    std::size_t index = 0;
    if (AllDigits(name) && absl::SimpleAtoi(name, &index)) {
      if (from.is_sequence()) return index < from.Size() ? from.At(index) : Value();
      if (from.is_string()) {
        std::optional<std::string> c = CodePointAt(from.string_value(), index);
        if (c.has_value()) return Value::String(*std::move(c)).MarkedSafe(from.safe());
      }
    }
    return Value();
  }
  // Liquid: size, first and last are methods of lists, ranges, strings and hashes.
  if (name == "size") {
    if (from.is_string())
      return Value::Int(static_cast<std::int64_t>(CodePointCount(from.string_value())));
    if (from.is_sequence() || from.is_object())
      return Value::Int(static_cast<std::int64_t>(from.Size()));
  }
  // An Integer's size is its width in bytes; a hash's first is its first [key, value] pair.
  if (name == "size" && from.is_number()) return Value::Int(8);
  if (name == "first" && from.is_object()) {
    const std::vector<std::string> keys = from.Keys();
    if (keys.empty()) return Value::Nil();
    return Value::Array({Value::String(keys.front()), from.Get(keys.front())});
  }
  if ((name == "first" || name == "last") && from.is_sequence()) {
    if (from.Size() == 0) return Value::Nil();
    return from.At(name == "first" ? 0 : from.Size() - 1);
  }
  return Value::Nil();
}

absl::StatusOr<Value> RenderState::Eval(const Expr& expr) {
  switch (expr.kind) {
    case Expr::Kind::kLiteral:
      return expr.literal;
    case Expr::Kind::kEmpty:
    case Expr::Kind::kBlank:
      return Value::StringRef("");
    case Expr::Kind::kRange: {
      NOTIFY_ASSIGN_OR_RETURN(Value from, Eval(*expr.from));
      NOTIFY_ASSIGN_OR_RETURN(Value to, Eval(*expr.to));
      // Liquid reads each end with Ruby's to_i: nil is 0, floats truncate, a string gives its
      // leading digits (or 0).
      auto integer = [&](const Value& v) -> absl::StatusOr<std::int64_t> {
        if (v.is_int()) return v.int_value();
        if (v.is_nil()) return 0;
        if (v.is_float() && std::abs(v.number_value()) < 9.2e18) {
          return static_cast<std::int64_t>(v.number_value());
        }
        if (v.is_string()) {
          absl::string_view s = absl::StripLeadingAsciiWhitespace(v.string_value());
          std::size_t n = s.empty() || s[0] != '-' ? 0 : 1;
          while (n < s.size() && n < 18 && absl::ascii_isdigit(s[n])) ++n;
          std::int64_t i = 0;
          return absl::SimpleAtoi(s.substr(0, n), &i) ? i : 0;
        }
        return ErrorAt(expr.pos, "invalid integer in a range");
      };
      NOTIFY_ASSIGN_OR_RETURN(std::int64_t first, integer(from));
      NOTIFY_ASSIGN_OR_RETURN(std::int64_t last, integer(to));
      return Value::Range(first, last);
    }
    case Expr::Kind::kLookup:
      break;
  }
  Value current;
  if (expr.root_index != nullptr) {
    NOTIFY_ASSIGN_OR_RETURN(Value name, Eval(*expr.root_index));
    current = name.is_string() ? Lookup(name.string_value()) : Value::Nil();
  } else {
    current = Lookup(expr.root);
  }
  for (const Expr::Step& step : expr.steps) {
    if (current.is_nil()) return syntax_ == Syntax::kLiquid ? Value::Nil() : Value();
    NOTIFY_ASSIGN_OR_RETURN(current, Step(current, step));
  }
  if (syntax_ == Syntax::kLiquid && current.is_undefined()) return Value::Nil();
  return current;
}

absl::StatusOr<Value> RenderState::Eval(const FilterExpr& expr, bool in_condition) {
  NOTIFY_ASSIGN_OR_RETURN(Value value, Eval(expr.base));
  if (syntax_ == Syntax::kDjango && value.is_undefined() && !in_condition) {
    value = Value::StringRef("");
  }
  return ApplyFilters(std::move(value), expr.filters);
}

absl::StatusOr<Value> RenderState::ApplyFilters(Value value,
                                                const std::vector<FilterCall>& filters) {
  if (filters.empty()) return value;
  std::vector<Value> args;
  std::vector<KeywordArg> keyword;
  FilterContext context{syntax_, autoescape_, now_, &budget_};
  for (const FilterCall& call : filters) {
    NOTIFY_RETURN_IF_ERROR(budget_.Step());
    args.clear();
    keyword.clear();
    for (const Expr& arg : call.args) {
      NOTIFY_ASSIGN_OR_RETURN(Value v, Eval(arg));
      if (syntax_ == Syntax::kDjango && v.is_undefined()) {
        // Django raises VariableDoesNotExist for a filter argument that names nothing: NotFound
        // here, which Django's if takes for false and a render reports as InvalidArgument.
        return absl::NotFoundError(At(arg.pos, absl::StrCat("filter '", call.spec->name,
                                                            "': its argument names no variable")));
      }
      args.push_back(std::move(v));
    }
    for (const auto& [name, arg] : call.keyword) {
      NOTIFY_ASSIGN_OR_RETURN(Value v, Eval(arg));
      keyword.push_back(KeywordArg{name, std::move(v)});
    }
    // Liquid in an HTML part: text its escaping filters make is safe, and newline_to_br escapes
    // before it adds markup (see template.h).
    const bool liquid_html = syntax_ == Syntax::kLiquid && autoescape_;
    if (liquid_html && call.spec->name == "newline_to_br" && !value.safe()) {
      value = Value::String(HtmlEscape(Print(value, syntax_), syntax_));
    }
    absl::StatusOr<Value> result = call.spec->fn(value, FilterArgs{args, keyword}, context);
    if (result.ok() && liquid_html &&
        (call.spec->name == "escape" || call.spec->name == "escape_once" ||
         call.spec->name == "h" || call.spec->name == "newline_to_br")) {
      *result = result->MarkedSafe();
    }
    if (!result.ok()) {
      if (result.status().code() != absl::StatusCode::kInvalidArgument) return result.status();
      return ErrorAt(call.pos, result.status().message());
    }
    value = *std::move(result);
  }
  return value;
}

// ------------------------------------------------------------------------------------------------
// Conditions.

namespace {

bool IsLiteralKind(const Condition& c, Expr::Kind kind) {
  return c.op == Condition::Op::kValue && c.value.filters.empty() && c.value.base.kind == kind;
}

// Liquid's `x == empty`: x.empty? for strings, lists and hashes; nothing else is empty.
std::optional<bool> LiquidEmpty(const Value& v) {
  if (v.is_string() || v.is_sequence() || v.is_object()) return v.Size() == 0;
  return std::nullopt;
}

// Python's `in`; nullopt where Python raises (then Django's `if` is false).
std::optional<bool> PythonIn(const Value& needle, const Value& haystack) {
  if (haystack.is_string()) {
    if (!needle.is_string()) return std::nullopt;
    return absl::StrContains(haystack.string_value(), needle.string_value());
  }
  if (haystack.is_sequence()) {
    for (std::size_t i = 0; i < haystack.Size(); ++i) {
      if (Equal(needle, haystack.At(i), Syntax::kDjango)) return true;
    }
    return false;
  }
  if (haystack.is_object()) {
    if (needle.is_string()) {
      const nlohmann::json* j = haystack.referenced_json();
      return j != nullptr && j->contains(needle.string_value());
    }
    return false;
  }
  return std::nullopt;
}

// Python's `is` for the values templates meet: None, True and False are singletons, small ints
// are cached; other values are distinct objects.
bool PythonIs(const Value& a, const Value& b) {
  if (a.is_nil() || b.is_nil()) return a.is_nil() && b.is_nil();
  if (a.is_bool() && b.is_bool()) return a.bool_value() == b.bool_value();
  if (a.is_int() && b.is_int()) {
    return a.int_value() == b.int_value() && a.int_value() >= -5 && a.int_value() <= 256;
  }
  return false;
}

}  // namespace

absl::StatusOr<Value> RenderState::Compare(Condition::Op op, const Value& left, const Value& right,
                                           Position pos) {
  using Op = Condition::Op;
  const bool python = syntax_ == Syntax::kDjango;
  switch (op) {
    case Op::kEq:
      return Value::Bool(Equal(left, right, syntax_));
    case Op::kNe:
      return Value::Bool(!Equal(left, right, syntax_));
    case Op::kIn:
    case Op::kNotIn: {
      std::optional<bool> in = PythonIn(left, right);
      if (!in.has_value()) return Value::Bool(false);
      return Value::Bool(op == Op::kIn ? *in : !*in);
    }
    case Op::kIs:
      return Value::Bool(PythonIs(left, right));
    case Op::kIsNot:
      return Value::Bool(!PythonIs(left, right));
    case Op::kContains: {
      if (left.is_nil() || right.is_nil()) return Value::Bool(false);
      if (left.is_string()) {
        return Value::Bool(absl::StrContains(left.string_value(), Print(right, syntax_)));
      }
      if (left.is_sequence()) {
        for (std::size_t i = 0; i < left.Size(); ++i) {
          if (Equal(left.At(i), right, syntax_)) return Value::Bool(true);
        }
        return Value::Bool(false);
      }
      if (left.is_object() && right.is_string()) {
        const nlohmann::json* j = left.referenced_json();
        return Value::Bool(j != nullptr && j->contains(right.string_value()));
      }
      return Value::Bool(false);
    }
    default:
      break;
  }
  // Ordering.
  std::optional<int> order = Order(left, right, syntax_);
  if (!order.has_value()) {
    // Python raises TypeError, which Django's `if` turns into false. Ruby raises for strings and
    // numbers that meet; values without an ordering (nil, lists, hashes, booleans) give false.
    const bool ruby_raises = !python && (left.is_string() || left.is_number()) &&
                             (right.is_string() || right.is_number());
    if (ruby_raises) {
      return ErrorAt(pos, absl::StrCat("comparison of ", left.is_string() ? "String" : "Integer",
                                       " with ", Print(right, syntax_), " failed"));
    }
    return Value::Bool(false);
  }
  switch (op) {
    case Op::kLt:
      return Value::Bool(*order < 0);
    case Op::kLe:
      return Value::Bool(*order <= 0);
    case Op::kGt:
      return Value::Bool(*order > 0);
    default:
      return Value::Bool(*order >= 0);
  }
}

absl::StatusOr<Value> RenderState::Eval(const Condition& condition) {
  using Op = Condition::Op;
  NOTIFY_RETURN_IF_ERROR(budget_.Step());
  switch (condition.op) {
    case Op::kValue:
      return Eval(condition.value, /*in_condition=*/true);
    case Op::kText: {
      std::string text;
      NOTIFY_RETURN_IF_ERROR(RenderList(*condition.text, text));
      return Value::String(std::move(text));
    }
    case Op::kList: {
      NOTIFY_RETURN_IF_ERROR(budget_.Elements(condition.operands.size()));
      std::vector<Value> items;
      items.reserve(condition.operands.size());
      for (const Condition& item : condition.operands) {
        NOTIFY_ASSIGN_OR_RETURN(Value v, Eval(item));
        items.push_back(std::move(v));
      }
      return Value::Array(std::move(items));
    }
    case Op::kNot: {
      NOTIFY_ASSIGN_OR_RETURN(bool holds, Test(condition.operands[0]));
      return Value::Bool(!holds);
    }
    case Op::kAnd:
    case Op::kOr: {
      // Python's and/or give an operand; Liquid's a boolean. Either way only truth is used.
      NOTIFY_ASSIGN_OR_RETURN(Value left, Eval(condition.operands[0]));
      const bool holds = Truthy(left, syntax_);
      if (holds == (condition.op == Op::kOr))
        return syntax_ == Syntax::kDjango ? left : Value::Bool(holds);
      NOTIFY_ASSIGN_OR_RETURN(Value right, Eval(condition.operands[1]));
      return syntax_ == Syntax::kDjango ? right : Value::Bool(Truthy(right, syntax_));
    }
    default:
      break;
  }
  const Condition& a = condition.operands[0];
  const Condition& b = condition.operands[1];
  if (syntax_ == Syntax::kLiquid && (condition.op == Op::kEq || condition.op == Op::kNe)) {
    // `empty` and `blank` compare by asking the other side whether it is empty? or blank?. Plain
    // Ruby has no blank?, so nothing is blank (not even blank); a literal is never empty.
    for (int side = 0; side < 2; ++side) {
      const Condition& literal = side == 0 ? a : b;
      const Condition& other = side == 0 ? b : a;
      const bool empty = IsLiteralKind(literal, Expr::Kind::kEmpty);
      if (!empty && !IsLiteralKind(literal, Expr::Kind::kBlank)) continue;
      bool holds = false;
      if (empty && !IsLiteralKind(other, Expr::Kind::kEmpty) &&
          !IsLiteralKind(other, Expr::Kind::kBlank)) {
        NOTIFY_ASSIGN_OR_RETURN(Value v, Eval(other));
        holds = LiquidEmpty(v).value_or(false);
      }
      return Value::Bool(condition.op == Op::kEq ? holds : !holds);
    }
  }
  NOTIFY_ASSIGN_OR_RETURN(Value left, Eval(a));
  NOTIFY_ASSIGN_OR_RETURN(Value right, Eval(b));
  return Compare(condition.op, left, right, condition.pos);
}

absl::StatusOr<bool> RenderState::Test(const Condition& condition) {
  NOTIFY_ASSIGN_OR_RETURN(Value value, Eval(condition));
  return Truthy(value, syntax_);
}

}  // namespace notify::tmpl
