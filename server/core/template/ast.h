// The parsed form of a template: expressions, conditions and the nodes tags make. Built once by
// the parser, then shared read-only by every render (thread-safe).
#ifndef NOTIFY_SERVER_CORE_TEMPLATE_AST_H_
#define NOTIFY_SERVER_CORE_TEMPLATE_AST_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "server/core/template/filters.h"
#include "server/core/template/lexer.h"
#include "server/core/template/value.h"

namespace notify::tmpl {

class RenderState;

// A value: a literal, a variable with its lookups (`a.b.0`, Liquid's `a["b"][i]`), or Liquid's
// range `(from..to)`.
struct Expr {
  enum class Kind {
    kLiteral,
    kLookup,
    kRange,
    kEmpty,  // Liquid's `empty`: equal to "", [] and {}.
    kBlank,  // Liquid's `blank`: also nil, false and whitespace.
  };
  struct Step {
    std::string name;                   // `.name`
    std::shared_ptr<const Expr> index;  // or `[index]` (Liquid); then name is empty.
  };
  Kind kind = Kind::kLiteral;
  Position pos;
  Value literal;  // kLiteral; strings are owned by the Value.
  std::string root;
  std::vector<Step> steps;
  std::shared_ptr<const Expr> from, to;  // kRange.
  // Liquid's `[expr]` as the very first lookup (`{{ [name] }}`): the root is computed.
  std::shared_ptr<const Expr> root_index;
};

struct FilterCall {
  const FilterSpec* spec = nullptr;
  std::vector<Expr> args;
  std::vector<std::pair<std::string, Expr>> keyword;  // Liquid's `name: value`.
  Position pos;
};

// `base | filter: args | ...`.
struct FilterExpr {
  Expr base;
  std::vector<FilterCall> filters;
};

class Node;

// An `if` condition. Leaves are values; operators take their operands as conditions, so that
// Django's `a == b == c` and `x == not y` mean what Python makes of them. Liquid's `and`/`or` are
// grouped right to left by the parser; Django's by precedence.
struct Condition {
  enum class Op {
    kValue,
    kNot,
    kAnd,
    kOr,
    kEq,
    kNe,
    kLt,
    kLe,
    kGt,
    kGe,
    kIn,
    kNotIn,
    kIs,
    kIsNot,
    kContains,
    kText,  // A notification expression's quoted text with {{ }} in it: the text it renders to.
    kList,  // A notification expression's [a, b, ...]: a list of its operands' values.
  };
  Op op = Op::kValue;
  FilterExpr value;                 // kValue.
  std::vector<Condition> operands;  // kNot: one; kList: any; the others: two.
  std::shared_ptr<const std::vector<std::unique_ptr<const Node>>> text;  // kText.
  Position pos;
};

// A node of the tree; each tag makes its own kind.
class Node {
 public:
  explicit Node(Position pos) : pos_(pos) {}
  virtual ~Node() = default;
  virtual absl::Status Render(RenderState& state, std::string& out) const = 0;
  // Liquid's notion of a node that prints nothing (whitespace text, assign, capture, comment, and
  // blocks made only of those): the whitespace of a blank if/for/case body is dropped.
  virtual bool blank() const { return false; }
  // Whitespace-only text, which a blank Liquid block drops.
  virtual bool is_text() const { return false; }
  Position pos() const { return pos_; }

 private:
  Position pos_;
};

using NodeList = std::vector<std::unique_ptr<const Node>>;

// A whole parsed template.
struct Tree {
  Syntax syntax;
  NodeList nodes;
};

}  // namespace notify::tmpl

#endif  // NOTIFY_SERVER_CORE_TEMPLATE_AST_H_
