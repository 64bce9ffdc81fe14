#include "server/core/expression.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/common/status.h"
#include "server/core/template.h"

namespace notify {
namespace {

constexpr int kMaxDepth = 64;

struct Item {
  enum Kind { kBool, kNumber, kString, kList } kind = kBool;
  bool boolean = false;
  double number = 0;
  std::string text;  // A string, or a number as written.
  std::vector<Item> list;
};

std::string TextOf(const Item& item) {
  if (item.kind == Item::kBool) return item.boolean ? "true" : "false";
  return item.text;
}

bool Truthy(const Item& item) {
  switch (item.kind) {
    case Item::kBool:
      return item.boolean;
    case Item::kNumber:
      return item.number != 0;
    case Item::kString:
      return !item.text.empty();
    case Item::kList:
      return !item.list.empty();
  }
  return false;
}

Item Bool(bool value) {
  Item item;
  item.boolean = value;
  return item;
}

bool Equal(const Item& a, const Item& b) {
  if (a.kind == Item::kNumber && b.kind == Item::kNumber) return a.number == b.number;
  if (a.kind == Item::kList || b.kind == Item::kList) {
    if (a.kind != b.kind || a.list.size() != b.list.size()) return false;
    for (std::size_t i = 0; i < a.list.size(); ++i) {
      if (!Equal(a.list[i], b.list[i])) return false;
    }
    return true;
  }
  return TextOf(a) == TextOf(b);
}

// Evaluates while it parses: the language has no side effects, so nothing is skipped.
class Evaluator {
 public:
  explicit Evaluator(absl::string_view text) : text_(text) {}

  absl::StatusOr<bool> Run() {
    NOTIFY_ASSIGN_OR_RETURN(Item result, Or(0));
    SkipSpace();
    if (pos_ < text_.size()) return Error(pos_, "unexpected text after the expression");
    return Truthy(result);
  }

 private:
  absl::Status Error(std::size_t at, absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat("column ", at + 1, ": ", message, " in \"", text_, "\""));
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

  absl::StatusOr<Item> Or(int depth) {
    NOTIFY_ASSIGN_OR_RETURN(Item left, And(depth));
    while (Word("or")) {
      NOTIFY_ASSIGN_OR_RETURN(Item right, And(depth));
      left = Bool(Truthy(left) || Truthy(right));
    }
    return left;
  }

  absl::StatusOr<Item> And(int depth) {
    NOTIFY_ASSIGN_OR_RETURN(Item left, Not(depth));
    while (Word("and")) {
      NOTIFY_ASSIGN_OR_RETURN(Item right, Not(depth));
      left = Bool(Truthy(left) && Truthy(right));
    }
    return left;
  }

  absl::StatusOr<Item> Not(int depth) {
    // Counted rather than recursed into, so a long chain cannot exhaust the stack.
    int nots = 0;
    while (Word("not")) ++nots;
    NOTIFY_ASSIGN_OR_RETURN(Item item, Compare(depth));
    if (nots == 0) return item;
    return Bool(nots % 2 == 0 ? Truthy(item) : !Truthy(item));
  }

  absl::StatusOr<Item> Compare(int depth) {
    NOTIFY_ASSIGN_OR_RETURN(Item left, Primary(depth));
    SkipSpace();
    const std::size_t at = pos_;
    std::string op;
    for (absl::string_view symbol : {"==", "!=", "<=", ">=", "<", ">"}) {
      if (Symbol(symbol)) {
        op = std::string(symbol);
        break;
      }
    }
    if (op.empty() && Word("in")) op = "in";
    if (op.empty()) {
      const std::size_t before_not = pos_;
      if (Word("not")) {
        if (Word("in")) {
          op = "not in";
        } else {
          pos_ = before_not;
        }
      }
    }
    if (op.empty()) return left;
    NOTIFY_ASSIGN_OR_RETURN(Item right, Primary(depth));
    if (op == "==") return Bool(Equal(left, right));
    if (op == "!=") return Bool(!Equal(left, right));
    if (op == "in" || op == "not in") {
      bool found = false;
      if (right.kind == Item::kString) {
        if (left.kind == Item::kList) return Error(at, "a list cannot be in a string");
        found = absl::StrContains(right.text, TextOf(left));
      } else if (right.kind == Item::kList) {
        for (const Item& member : right.list) found = found || Equal(left, member);
      } else {
        return Error(at, "'in' needs a string or a list on its right");
      }
      return Bool(op == "in" ? found : !found);
    }
    int order = 0;
    if (left.kind == Item::kNumber && right.kind == Item::kNumber) {
      order = left.number < right.number ? -1 : left.number > right.number ? 1 : 0;
    } else if (left.kind == Item::kString && right.kind == Item::kString) {
      order = left.text.compare(right.text);
    } else {
      return Error(at, absl::StrCat("'", op, "' compares two numbers or two strings"));
    }
    if (op == "<") return Bool(order < 0);
    if (op == "<=") return Bool(order <= 0);
    if (op == ">") return Bool(order > 0);
    return Bool(order >= 0);
  }

  absl::StatusOr<Item> Primary(int depth) {
    SkipSpace();
    if (depth > kMaxDepth) return Error(pos_, "nested too deeply");
    if (pos_ >= text_.size()) return Error(pos_, "expected a value");
    const std::size_t start = pos_;
    const char c = text_[pos_];
    Item item;
    if (c == '\'' || c == '"') {
      const std::size_t end = text_.find(c, pos_ + 1);
      if (end == absl::string_view::npos) return Error(start, "unterminated string");
      item.kind = Item::kString;
      item.text = std::string(text_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return item;
    }
    if (absl::ascii_isdigit(c) || c == '-' || c == '+' || c == '.') {
      std::size_t end = pos_ + 1;
      while (end < text_.size() && (absl::ascii_isalnum(text_[end]) || text_[end] == '.' ||
                                    ((text_[end] == '-' || text_[end] == '+') &&
                                     (text_[end - 1] == 'e' || text_[end - 1] == 'E')))) {
        ++end;
      }
      item.kind = Item::kNumber;
      item.text = std::string(text_.substr(pos_, end - pos_));
      if (!absl::SimpleAtod(item.text, &item.number) || !std::isfinite(item.number)) {
        return Error(start, absl::StrCat("bad number '", item.text, "'"));
      }
      pos_ = end;
      return item;
    }
    if (Symbol("(")) {
      NOTIFY_ASSIGN_OR_RETURN(item, Or(depth + 1));
      if (!Symbol(")")) return Error(pos_, "expected ')'");
      return item;
    }
    if (Symbol("[")) {
      item.kind = Item::kList;
      if (Symbol("]")) return item;
      while (true) {
        NOTIFY_ASSIGN_OR_RETURN(Item member, Primary(depth + 1));
        item.list.push_back(std::move(member));
        if (Symbol("]")) return item;
        if (!Symbol(",")) return Error(pos_, "expected ',' or ']'");
      }
    }
    if (Word("true")) return Bool(true);
    if (Word("false")) return Bool(false);
    std::size_t end = pos_;
    while (end < text_.size() && !absl::ascii_isspace(text_[end])) ++end;
    return Error(start, absl::StrCat("unexpected '", text_.substr(start, end - start), "'"));
  }

  absl::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<bool> EvaluateExpression(absl::string_view expression,
                                        const nlohmann::json& context) {
  NOTIFY_ASSIGN_OR_RETURN(Template compiled, Template::Parse(expression));
  NOTIFY_ASSIGN_OR_RETURN(std::string rendered, compiled.Render(context));
  if (absl::StripAsciiWhitespace(rendered).empty()) return true;
  return Evaluator(rendered).Run();
}

}  // namespace notify
