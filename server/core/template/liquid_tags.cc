// Liquid 5's tags. Each tag is a parse function and, when it renders, a node class. Semantics
// follow Shopify's Liquid: assign and capture bind for the whole render, for/tablerow slice
// their collection with limit/offset (and `offset: continue`), case renders every matching when,
// and a block whose body prints nothing but whitespace drops that whitespace.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/common/status.h"
#include "server/core/template/expression_parser.h"
#include "server/core/template/parser.h"
#include "server/core/template/render.h"
#include "server/core/template/template.h"

namespace notify::tmpl {
namespace {

using NodePtr = std::unique_ptr<const Node>;

absl::StatusOr<LiquidParser> MarkupParser(Parser& parser, const TagStart& tag) {
  return LiquidParser::Make(tag.markup, tag.markup_offset, parser.lines());
}

bool AllBlank(const NodeList& nodes) {
  return std::all_of(nodes.begin(), nodes.end(), [](const NodePtr& n) { return n->blank(); });
}

// Liquid's Utils.to_integer: integers as they are, strings that spell one; anything else is an
// error.
absl::StatusOr<std::int64_t> ToInteger(const Value& v, Position pos) {
  if (v.is_int()) return v.int_value();
  std::int64_t i = 0;
  if (v.is_string() && absl::SimpleAtoi(absl::StripAsciiWhitespace(v.string_value()), &i)) return i;
  if (v.is_float()) return static_cast<std::int64_t>(v.number_value());
  return ErrorAt(pos, "invalid integer");
}

// ------------------------------------------------------------------------------------------------
// assign, capture, echo, increment, decrement, comments.

class AssignNode final : public Node {
 public:
  AssignNode(Position pos, std::string name, FilterExpr value)
      : Node(pos), name_(std::move(name)), value_(std::move(value)) {}
  absl::Status Render(RenderState& state, std::string&) const override {
    NOTIFY_ASSIGN_OR_RETURN(Value v, state.Eval(value_));
    state.SetGlobal(name_, std::move(v));
    return absl::OkStatus();
  }
  bool blank() const override { return true; }

 private:
  std::string name_;
  FilterExpr value_;
};

bool IsVariableSignatureChar(char c) {
  return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.' || c == '[' || c == ']';
}

absl::StatusOr<NodePtr> ParseAssign(Parser& parser, const TagStart& tag) {
  const std::size_t eq = tag.markup.find('=');
  const absl::string_view name =
      absl::StripAsciiWhitespace(absl::string_view(tag.markup).substr(0, eq));
  if (eq == std::string::npos || name.empty() ||
      !std::all_of(name.begin(), name.end(), IsVariableSignatureChar)) {
    return ErrorAt(tag.pos, "'assign' needs a variable name, '=' and a value: {% assign x = 1 %}");
  }
  NOTIFY_ASSIGN_OR_RETURN(LiquidParser p,
                          LiquidParser::Make(absl::string_view(tag.markup).substr(eq + 1),
                                             tag.markup_offset + eq + 1, parser.lines()));
  NOTIFY_ASSIGN_OR_RETURN(FilterExpr value, p.ParseFilterExpr());
  NOTIFY_RETURN_IF_ERROR(p.ExpectEnd());
  return std::make_unique<AssignNode>(tag.pos, std::string(name), std::move(value));
}

class CaptureNode final : public Node {
 public:
  CaptureNode(Position pos, std::string name, NodeList body)
      : Node(pos), name_(std::move(name)), body_(std::move(body)) {}
  absl::Status Render(RenderState& state, std::string&) const override {
    std::string captured;
    NOTIFY_RETURN_IF_ERROR(state.RenderList(body_, captured));
    // Rendered with escaping on, the text is already safe to print again.
    state.SetGlobal(name_, Value::String(std::move(captured)).MarkedSafe(state.autoescape()));
    return absl::OkStatus();
  }
  bool blank() const override { return true; }

 private:
  std::string name_;
  NodeList body_;
};

absl::StatusOr<NodePtr> ParseCapture(Parser& parser, const TagStart& tag) {
  absl::string_view name = tag.markup;
  if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'') &&
      name.back() == name.front()) {
    name = name.substr(1, name.size() - 2);
  }
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsVariableSignatureChar)) {
    return ErrorAt(tag.pos, "'capture' needs a variable name: {% capture x %}");
  }
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"endcapture"}, tag));
  return std::make_unique<CaptureNode>(tag.pos, std::string(name), std::move(body.nodes));
}

class EchoNode final : public Node {
 public:
  EchoNode(Position pos, FilterExpr expr) : Node(pos), expr_(std::move(expr)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    NOTIFY_ASSIGN_OR_RETURN(Value v, state.Eval(expr_));
    return state.Output(v, out);
  }

 private:
  FilterExpr expr_;
};

absl::StatusOr<NodePtr> ParseEcho(Parser& parser, const TagStart& tag) {
  FilterExpr expr;
  if (tag.markup.empty()) {
    expr.base.literal = Value::Nil();
  } else {
    NOTIFY_ASSIGN_OR_RETURN(LiquidParser p, MarkupParser(parser, tag));
    NOTIFY_ASSIGN_OR_RETURN(expr, p.ParseFilterExpr());
    NOTIFY_RETURN_IF_ERROR(p.ExpectEnd());
  }
  return std::make_unique<EchoNode>(tag.pos, std::move(expr));
}

class CounterNode final : public Node {
 public:
  CounterNode(Position pos, std::string name, bool increment)
      : Node(pos), name_(std::move(name)), increment_(increment) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    // The counter lives with the render's data: it starts from a number the context gives.
    auto [it, fresh] = state.named_counters().try_emplace(name_, 0);
    if (fresh) {
      const Value initial = state.LookupData(name_);
      if (initial.is_int()) it->second = initial.int_value();
    }
    std::int64_t& counter = it->second;
    // increment prints, then counts up; decrement counts down, then prints. Ruby's integers grow
    // without bound; ours stop at 64 bits, with an error rather than a wrap (which is undefined).
    std::int64_t next = 0;
    if (__builtin_add_overflow(counter, increment_ ? 1 : -1, &next)) {
      return ErrorAt(pos(), absl::StrCat("the counter '", name_, "' would pass 64 bits"));
    }
    const std::string text = absl::StrCat(increment_ ? counter : next);
    counter = next;
    return state.Append(out, text);
  }

 private:
  std::string name_;
  bool increment_;
};

absl::StatusOr<NodePtr> ParseCounter(Parser& parser, const TagStart& tag) {
  (void)parser;
  const absl::string_view name = tag.markup;
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsVariableSignatureChar)) {
    return ErrorAt(tag.pos, absl::StrCat("'", tag.name, "' needs a variable name"));
  }
  return std::make_unique<CounterNode>(tag.pos, std::string(name), tag.name == "increment");
}

class NothingNode final : public Node {
 public:
  explicit NothingNode(Position pos) : Node(pos) {}
  absl::Status Render(RenderState&, std::string&) const override { return absl::OkStatus(); }
  bool blank() const override { return true; }
};

absl::StatusOr<NodePtr> ParseComment(Parser& parser, const TagStart& tag) {
  NOTIFY_RETURN_IF_ERROR(parser.SkipComment(tag));
  return std::make_unique<NothingNode>(tag.pos);
}

absl::StatusOr<NodePtr> ParseInlineComment(Parser& parser, const TagStart& tag) {
  (void)parser;
  // Every line of an inline comment must start with `#`.
  bool first = true;
  for (absl::string_view line : absl::StrSplit(tag.markup, '\n')) {
    line = absl::StripLeadingAsciiWhitespace(line);
    if (!first && !line.empty() && line.front() != '#') {
      return ErrorAt(tag.pos, "every line of an inline comment must start with '#'");
    }
    first = false;
  }
  return std::make_unique<NothingNode>(tag.pos);
}

absl::StatusOr<NodePtr> ParseLiquid(Parser& parser, const TagStart& tag) {
  NOTIFY_ASSIGN_OR_RETURN(NodeList nodes, parser.ParseLiquidLines(tag));
  const bool blank = AllBlank(nodes);
  return std::make_unique<SequenceNode>(tag.pos, std::move(nodes), blank);
}

// ------------------------------------------------------------------------------------------------
// if, unless, case.

struct Branch {
  std::optional<Condition> condition;  // None: else.
  NodeList body;
};

class IfNode final : public Node {
 public:
  IfNode(Position pos, std::vector<Branch> branches, bool negate_first, bool blank)
      : Node(pos), branches_(std::move(branches)), negate_first_(negate_first), blank_(blank) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    for (std::size_t i = 0; i < branches_.size(); ++i) {
      const Branch& branch = branches_[i];
      bool holds = true;
      if (branch.condition.has_value()) {
        NOTIFY_ASSIGN_OR_RETURN(holds, state.Test(*branch.condition));
        if (i == 0 && negate_first_) holds = !holds;
      }
      if (holds) return state.RenderList(branch.body, out);
    }
    return absl::OkStatus();
  }
  bool blank() const override { return blank_; }

 private:
  std::vector<Branch> branches_;
  bool negate_first_;
  bool blank_;
};

absl::StatusOr<Condition> ParseLiquidCondition(Parser& parser, const TagStart& tag,
                                               absl::string_view markup, std::size_t offset) {
  NOTIFY_ASSIGN_OR_RETURN(LiquidParser p, LiquidParser::Make(markup, offset, parser.lines()));
  if (p.AtEnd()) return ErrorAt(tag.pos, absl::StrCat("'", tag.name, "' needs a condition"));
  NOTIFY_ASSIGN_OR_RETURN(Condition c, p.ParseCondition());
  NOTIFY_RETURN_IF_ERROR(p.ExpectEnd());
  return c;
}

absl::StatusOr<NodePtr> ParseIf(Parser& parser, const TagStart& tag) {
  const std::string end = absl::StrCat("end", tag.name);
  std::vector<Branch> branches;
  TagStart current = tag;
  bool blank = true;
  while (true) {
    Branch branch;
    if (current.name != "else") {
      NOTIFY_ASSIGN_OR_RETURN(
          branch.condition,
          ParseLiquidCondition(parser, current, current.markup, current.markup_offset));
    }
    // Liquid accepts branches after an else; they can never run.
    absl::StatusOr<Parser::Body> body = parser.ParseBody({"elsif", "else", end}, tag);
    NOTIFY_RETURN_IF_ERROR(body.status());
    blank = blank && body->blank;
    branch.body = std::move(body->nodes);
    branches.push_back(std::move(branch));
    if (body->end.name == end) break;
    current = std::move(body->end);
  }
  if (blank) {
    for (Branch& branch : branches) RemoveBlankText(branch.body);
  }
  return std::make_unique<IfNode>(tag.pos, std::move(branches), tag.name == "unless", blank);
}

class CaseNode final : public Node {
 public:
  struct When {
    std::vector<Condition> matches;  // Empty: else.
    NodeList body;
  };
  CaseNode(Position pos, std::vector<When> whens, bool blank)
      : Node(pos), whens_(std::move(whens)), blank_(blank) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    // Every matching when renders; an else renders when no when before it has.
    bool run_else = true;
    for (const When& when : whens_) {
      if (when.matches.empty()) {
        if (run_else) NOTIFY_RETURN_IF_ERROR(state.RenderList(when.body, out));
        continue;
      }
      for (const Condition& match : when.matches) {
        NOTIFY_ASSIGN_OR_RETURN(bool holds, state.Test(match));
        if (holds) {
          run_else = false;
          NOTIFY_RETURN_IF_ERROR(state.RenderList(when.body, out));
          break;
        }
      }
    }
    return absl::OkStatus();
  }
  bool blank() const override { return blank_; }

 private:
  std::vector<When> whens_;
  bool blank_;
};

absl::StatusOr<NodePtr> ParseCase(Parser& parser, const TagStart& tag) {
  NOTIFY_ASSIGN_OR_RETURN(LiquidParser p, MarkupParser(parser, tag));
  if (p.AtEnd()) return ErrorAt(tag.pos, "'case' needs a value");
  Condition subject;
  subject.pos = tag.pos;
  NOTIFY_ASSIGN_OR_RETURN(subject.value.base, p.ParseExpr());
  NOTIFY_RETURN_IF_ERROR(p.ExpectEnd());
  // What stands before the first when is parsed but never rendered.
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body lead, parser.ParseBody({"when", "else", "endcase"}, tag));
  bool blank = lead.blank;
  std::vector<CaseNode::When> whens;
  TagStart current = std::move(lead.end);
  while (current.name != "endcase") {
    CaseNode::When when;
    if (current.name == "when") {
      NOTIFY_ASSIGN_OR_RETURN(LiquidParser wp, MarkupParser(parser, current));
      while (true) {
        Condition match;
        match.op = Condition::Op::kEq;
        match.pos = wp.Here();
        Condition value;
        value.pos = match.pos;
        NOTIFY_ASSIGN_OR_RETURN(value.value.base, wp.ParseExpr());
        match.operands.push_back(subject);
        match.operands.push_back(std::move(value));
        when.matches.push_back(std::move(match));
        if (!wp.ConsumePunct(",") && !wp.ConsumeWord("or")) break;
      }
      NOTIFY_RETURN_IF_ERROR(wp.ExpectEnd());
    }
    NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"when", "else", "endcase"}, tag));
    blank = blank && body.blank;
    when.body = std::move(body.nodes);
    whens.push_back(std::move(when));
    current = std::move(body.end);
  }
  if (blank) {
    for (CaseNode::When& when : whens) RemoveBlankText(when.body);
  }
  return std::make_unique<CaseNode>(tag.pos, std::move(whens), blank);
}

// ------------------------------------------------------------------------------------------------
// for, tablerow, break, continue, cycle, ifchanged.

// A loop's collection, sliced as Liquid's Utils.slice_collection does: strings are one item,
// hashes are [key, value] pairs, anything else that is not a list is nothing.
absl::StatusOr<std::vector<Value>> Segment(RenderState& state, const Value& collection,
                                           std::int64_t from, std::optional<std::int64_t> to) {
  std::vector<Value> items;
  auto in_window = [&](std::int64_t i) { return i >= from && (!to.has_value() || i < *to); };
  if (collection.is_string()) {
    if (collection.Size() > 0 && in_window(0)) items.push_back(collection);
    return items;
  }
  if (collection.is_object()) {
    const std::vector<std::string> keys = collection.Keys();
    NOTIFY_RETURN_IF_ERROR(state.budget().Elements(keys.size() * 3));
    std::int64_t i = 0;
    for (const std::string& key : keys) {
      if (in_window(i++)) items.push_back(Value::Array({Value::String(key), collection.Get(key)}));
    }
    return items;
  }
  if (!collection.is_sequence()) return items;
  const auto size = static_cast<std::int64_t>(collection.Size());
  const std::int64_t begin = std::clamp<std::int64_t>(from, 0, size);
  const std::int64_t end = std::clamp<std::int64_t>(to.value_or(size), begin, size);
  NOTIFY_RETURN_IF_ERROR(state.budget().Elements(static_cast<std::size_t>(end - begin)));
  items.reserve(static_cast<std::size_t>(end - begin));
  for (std::int64_t i = begin; i < end; ++i)
    items.push_back(collection.At(static_cast<std::size_t>(i)));
  return items;
}

struct LoopSpec {
  std::string variable;
  Expr collection;
  std::string name;  // "variable-collection as written".
  bool reversed = false;
  std::optional<Expr> limit;
  std::optional<Expr> offset;
  bool offset_continue = false;
  std::optional<Expr> cols;  // tablerow.
};

absl::StatusOr<LoopSpec> ParseLoopSpec(Parser& parser, const TagStart& tag, bool tablerow) {
  NOTIFY_ASSIGN_OR_RETURN(LiquidParser p, MarkupParser(parser, tag));
  LoopSpec spec;
  NOTIFY_ASSIGN_OR_RETURN(spec.variable, p.ExpectIdentifier("a loop variable"));
  if (!p.ConsumeWord("in")) return p.Error(absl::StrCat("'", tag.name, "' expects 'in'"));
  const std::size_t start = p.NextOffset();
  NOTIFY_ASSIGN_OR_RETURN(spec.collection, p.ParseExpr());
  spec.name = absl::StrCat(
      spec.variable, "-",
      absl::string_view(tag.markup).substr(start - tag.markup_offset, p.PreviousEnd() - start));
  if (!tablerow) spec.reversed = p.ConsumeWord("reversed");
  while (!p.AtEnd()) {
    p.ConsumePunct(",");
    NOTIFY_ASSIGN_OR_RETURN(std::string attribute, p.ExpectIdentifier("limit: or offset:"));
    const bool known =
        attribute == "limit" || attribute == "offset" || (tablerow && attribute == "cols");
    if (!known) {
      return ErrorAt(
          tag.pos,
          absl::StrCat("invalid attribute '", attribute, "' in '", tag.name, "'; valid ones are ",
                       tablerow ? "cols, limit and offset" : "limit and offset"));
    }
    NOTIFY_RETURN_IF_ERROR(p.ExpectPunct(":"));
    if (attribute == "offset" && !tablerow && p.PeekWord("continue")) {
      p.ConsumeWord("continue");
      spec.offset_continue = true;
      spec.offset.reset();
      continue;
    }
    NOTIFY_ASSIGN_OR_RETURN(Expr value, p.ParseExpr());
    if (attribute == "limit") spec.limit = std::move(value);
    if (attribute == "offset") {
      spec.offset = std::move(value);
      spec.offset_continue = false;
    }
    if (attribute == "cols") spec.cols = std::move(value);
  }
  return spec;
}

// The window of a loop's collection: from the offset, at most limit items.
absl::StatusOr<std::vector<Value>> LoopItems(RenderState& state, const LoopSpec& spec, Position pos,
                                             std::int64_t* from_out) {
  std::int64_t from = 0;
  if (spec.offset_continue) {
    from = state.for_offsets()[spec.name];
  } else if (spec.offset.has_value()) {
    NOTIFY_ASSIGN_OR_RETURN(Value v, state.Eval(*spec.offset));
    if (!v.is_nil()) {
      NOTIFY_ASSIGN_OR_RETURN(from, ToInteger(v, pos));
    }
  }
  std::optional<std::int64_t> to;
  if (spec.limit.has_value()) {
    NOTIFY_ASSIGN_OR_RETURN(Value v, state.Eval(*spec.limit));
    if (!v.is_nil()) {
      NOTIFY_ASSIGN_OR_RETURN(std::int64_t limit, ToInteger(v, pos));
      to = from + limit;
    }
  }
  NOTIFY_ASSIGN_OR_RETURN(Value collection, state.Eval(spec.collection));
  *from_out = from;
  return Segment(state, collection, from, to);
}

class ForNode final : public Node {
 public:
  ForNode(Position pos, LoopSpec spec, NodeList body, NodeList else_body, bool blank)
      : Node(pos),
        spec_(std::move(spec)),
        body_(std::move(body)),
        else_body_(std::move(else_body)),
        blank_(blank) {}

  absl::Status Render(RenderState& state, std::string& out) const override {
    std::int64_t from = 0;
    NOTIFY_ASSIGN_OR_RETURN(std::vector<Value> items, LoopItems(state, spec_, pos(), &from));
    if (spec_.reversed) std::reverse(items.begin(), items.end());
    state.for_offsets()[spec_.name] = from + static_cast<std::int64_t>(items.size());
    if (items.empty()) return state.RenderList(else_body_, out);
    LoopInfo loop;
    loop.syntax = Syntax::kLiquid;
    loop.name = spec_.name;
    return state.ForEach(std::move(loop), static_cast<std::int64_t>(items.size()),
                         [&](std::int64_t i) -> absl::StatusOr<bool> {
                           state.Set(spec_.variable, items[static_cast<std::size_t>(i)]);
                           const absl::Status status = state.RenderList(body_, out);
                           const bool broke = state.interrupt == RenderState::Interrupt::kBreak;
                           state.interrupt = RenderState::Interrupt::kNone;
                           NOTIFY_RETURN_IF_ERROR(status);
                           return !broke;
                         });
  }
  bool blank() const override { return blank_; }

 private:
  LoopSpec spec_;
  NodeList body_;
  NodeList else_body_;
  bool blank_;
};

absl::StatusOr<NodePtr> ParseFor(Parser& parser, const TagStart& tag) {
  NOTIFY_ASSIGN_OR_RETURN(LoopSpec spec, ParseLoopSpec(parser, tag, /*tablerow=*/false));
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"else", "endfor"}, tag));
  Parser::Body else_body;
  if (body.end.name == "else") {
    NOTIFY_ASSIGN_OR_RETURN(else_body, parser.ParseBody({"endfor"}, tag));
  }
  const bool blank = body.blank && else_body.blank;
  if (blank) {
    RemoveBlankText(body.nodes);
    RemoveBlankText(else_body.nodes);
  }
  return std::make_unique<ForNode>(tag.pos, std::move(spec), std::move(body.nodes),
                                   std::move(else_body.nodes), blank);
}

class TablerowNode final : public Node {
 public:
  TablerowNode(Position pos, LoopSpec spec, NodeList body)
      : Node(pos), spec_(std::move(spec)), body_(std::move(body)) {}

  absl::Status Render(RenderState& state, std::string& out) const override {
    std::int64_t from = 0;
    NOTIFY_ASSIGN_OR_RETURN(std::vector<Value> items, LoopItems(state, spec_, pos(), &from));
    const auto length = static_cast<std::int64_t>(items.size());
    std::int64_t cols = length;
    if (spec_.cols.has_value()) {
      NOTIFY_ASSIGN_OR_RETURN(Value v, state.Eval(*spec_.cols));
      NOTIFY_ASSIGN_OR_RETURN(cols, ToInteger(v, pos()));
    }
    NOTIFY_RETURN_IF_ERROR(state.Append(out, "<tr class=\"row1\">\n"));
    state.PushScope();
    absl::Status status;
    for (std::int64_t i = 0; i < length && status.ok(); ++i) {
      status = state.budget().Step();
      if (!status.ok()) break;
      auto loop = std::make_shared<LoopInfo>();
      loop->syntax = Syntax::kLiquid;
      loop->index0 = i;
      loop->length = length;
      loop->cols = std::max<std::int64_t>(cols, 1);
      state.Set("tablerowloop", Value::Loop(loop));
      state.Set(spec_.variable, items[static_cast<std::size_t>(i)]);
      const std::int64_t col = i % loop->cols + 1;
      status = state.Append(out, absl::StrCat("<td class=\"col", col, "\">"));
      if (status.ok()) status = state.RenderList(body_, out);
      if (status.ok()) status = state.Append(out, "</td>");
      if (status.ok() && col == cols && i != length - 1) {
        status =
            state.Append(out, absl::StrCat("</tr>\n<tr class=\"row", i / loop->cols + 2, "\">"));
      }
    }
    state.PopScope();
    NOTIFY_RETURN_IF_ERROR(status);
    // A break or continue is not the tablerow's: it stays pending, so the remaining cells (and
    // whatever follows) print nothing, as in Liquid.
    return state.Append(out, "</tr>\n");
  }

 private:
  LoopSpec spec_;
  NodeList body_;
};

absl::StatusOr<NodePtr> ParseTablerow(Parser& parser, const TagStart& tag) {
  NOTIFY_ASSIGN_OR_RETURN(LoopSpec spec, ParseLoopSpec(parser, tag, /*tablerow=*/true));
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"endtablerow"}, tag));
  return std::make_unique<TablerowNode>(tag.pos, std::move(spec), std::move(body.nodes));
}

class InterruptNode final : public Node {
 public:
  InterruptNode(Position pos, RenderState::Interrupt kind) : Node(pos), kind_(kind) {}
  absl::Status Render(RenderState& state, std::string&) const override {
    state.interrupt = kind_;
    return absl::OkStatus();
  }

 private:
  RenderState::Interrupt kind_;
};

absl::StatusOr<NodePtr> ParseInterrupt(Parser& parser, const TagStart& tag) {
  (void)parser;
  return std::make_unique<InterruptNode>(tag.pos, tag.name == "break"
                                                      ? RenderState::Interrupt::kBreak
                                                      : RenderState::Interrupt::kContinue);
}

class CycleNode final : public Node {
 public:
  CycleNode(Position pos, std::optional<Expr> group, std::string key, std::vector<Expr> values)
      : Node(pos), group_(std::move(group)), key_(std::move(key)), values_(std::move(values)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    std::string key = key_;
    if (group_.has_value()) {
      NOTIFY_ASSIGN_OR_RETURN(Value name, state.Eval(*group_));
      key = absl::StrCat("named:", Print(name, Syntax::kLiquid));
    }
    std::int64_t& position = state.cycle_positions()[key];
    if (position < 0 || position >= static_cast<std::int64_t>(values_.size())) position = 0;
    NOTIFY_ASSIGN_OR_RETURN(Value v, state.Eval(values_[static_cast<std::size_t>(position)]));
    position = (position + 1) % static_cast<std::int64_t>(values_.size());
    return state.Output(v, out);
  }

 private:
  std::optional<Expr> group_;
  std::string key_;
  std::vector<Expr> values_;
};

absl::StatusOr<NodePtr> ParseCycle(Parser& parser, const TagStart& tag) {
  NOTIFY_ASSIGN_OR_RETURN(LiquidParser p, MarkupParser(parser, tag));
  std::optional<Expr> group;
  std::vector<Expr> values;
  NOTIFY_ASSIGN_OR_RETURN(Expr first, p.ParseExpr());
  if (p.ConsumePunct(":")) {
    group = std::move(first);
  } else {
    values.push_back(std::move(first));
    if (!p.AtEnd()) NOTIFY_RETURN_IF_ERROR(p.ExpectPunct(","));
  }
  while (!p.AtEnd()) {
    NOTIFY_ASSIGN_OR_RETURN(Expr value, p.ParseExpr());
    values.push_back(std::move(value));
    if (!p.AtEnd()) NOTIFY_RETURN_IF_ERROR(p.ExpectPunct(","));
  }
  if (values.empty()) return ErrorAt(tag.pos, "'cycle' needs values");
  // Unnamed cycles with the same values share their position, as in Liquid.
  std::string key = absl::StrCat("values:", tag.markup);
  return std::make_unique<CycleNode>(tag.pos, std::move(group), std::move(key), std::move(values));
}

class IfchangedNode final : public Node {
 public:
  IfchangedNode(Position pos, NodeList body) : Node(pos), body_(std::move(body)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    std::string rendered;
    NOTIFY_RETURN_IF_ERROR(state.RenderList(body_, rendered));
    if (rendered == state.last_ifchanged()) return absl::OkStatus();
    NOTIFY_RETURN_IF_ERROR(state.Append(out, rendered));
    state.last_ifchanged() = std::move(rendered);
    return absl::OkStatus();
  }

 private:
  NodeList body_;
};

absl::StatusOr<NodePtr> ParseIfchanged(Parser& parser, const TagStart& tag) {
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"endifchanged"}, tag));
  return std::make_unique<IfchangedNode>(tag.pos, std::move(body.nodes));
}

// ------------------------------------------------------------------------------------------------
// include, render: another template (a layout of the company), by name, from the PartialSource.

struct PartialSpec {
  bool isolated = false;      // render: only what the tag passes; include: the caller's variables.
  Expr name;                  // render: a quoted string.
  std::optional<Expr> value;  // `with value` or `for value`.
  bool for_each = false;      // render's `for`: once per item (include loops over any array).
  std::string alias;          // `as alias`; else the name's last `/` segment.
  std::vector<std::pair<std::string, Expr>> attributes;  // `, key: value`.
};

class PartialNode final : public Node {
 public:
  PartialNode(Position pos, PartialSpec spec) : Node(pos), spec_(std::move(spec)) {}

  absl::Status Render(RenderState& state, std::string& out) const override {
    const absl::string_view tag = spec_.isolated ? "render" : "include";
    if (!spec_.isolated && state.isolated()) {
      return ErrorAt(pos(), "'include' is not allowed inside a template that 'render' shows");
    }
    NOTIFY_ASSIGN_OR_RETURN(Value name_value, state.Eval(spec_.name));
    if (!name_value.is_string() || name_value.string_value().empty()) {
      return ErrorAt(pos(), absl::StrCat("'", tag, "' needs the name of a layout"));
    }
    const std::string name(name_value.string_value());
    NOTIFY_ASSIGN_OR_RETURN(Template partial, Find(state, tag, name));
    const std::string variable =
        !spec_.alias.empty() ? spec_.alias : name.substr(name.rfind('/') + 1);
    absl::Status status = spec_.isolated ? RenderIsolated(state, partial, name, variable, out)
                                         : RenderShared(state, partial, name, variable, out);
    // The partial's own positions mean little to the caller's template: say where it was shown.
    if (absl::IsInvalidArgument(status)) {
      return ErrorAt(pos(), absl::StrCat("in layout '", name, "': ", status.message()));
    }
    return status;
  }

 private:
  absl::StatusOr<Template> Find(RenderState& state, absl::string_view tag,
                                const std::string& name) const {
    absl::StatusOr<Template> found = state.partials() == nullptr
                                         ? absl::NotFoundError("no partials")
                                         : state.partials()->Find(name);
    if (absl::IsNotFound(found.status())) {
      return ErrorAt(pos(), absl::StrCat("'", tag, "' names '", name,
                                         "', and no layout of the company has that name"));
    }
    if (absl::IsInvalidArgument(found.status())) {
      return ErrorAt(pos(), absl::StrCat("layout '", name, "': ", found.status().message()));
    }
    NOTIFY_RETURN_IF_ERROR(found.status());
    if (found->syntax() != Syntax::kLiquid) {
      return ErrorAt(pos(), absl::StrCat("layout '", name, "' is written in Django; '", tag,
                                         "' shows Liquid layouts only"));
    }
    return found;
  }

  // Liquid's render: a fresh context with the tag's attributes and value, its own counters and
  // cycles; `for` renders once per item of a list, range or hash, with a forloop.
  absl::Status RenderIsolated(RenderState& state, const Template& partial, const std::string& name,
                              const std::string& variable, std::string& out) const {
    static const nlohmann::json* const kNoData = new nlohmann::json(nlohmann::json::object());
    std::vector<std::pair<std::string, Value>> attributes;
    for (const auto& [key, expr] : spec_.attributes) {
      NOTIFY_ASSIGN_OR_RETURN(Value v, state.Eval(expr));
      attributes.emplace_back(key, std::move(v));
    }
    Value value;
    if (spec_.value.has_value()) {
      NOTIFY_ASSIGN_OR_RETURN(value, state.Eval(*spec_.value));
    }
    auto render_one = [&](const Value& item, std::shared_ptr<const LoopInfo> loop) {
      RenderState inner(RenderState::Isolated{}, state, *kNoData);
      if (loop != nullptr) inner.Set("forloop", Value::Loop(std::move(loop)));
      for (const auto& [key, v] : attributes) inner.Set(key, v);
      if (!item.is_nil()) inner.Set(variable, item);
      return inner.RenderList(partial.tree().nodes, out);
    };
    if (!spec_.for_each || !(value.is_sequence() || value.is_object())) {
      return render_one(value, nullptr);
    }
    NOTIFY_ASSIGN_OR_RETURN(std::vector<Value> items, Segment(state, value, 0, std::nullopt));
    const auto length = static_cast<std::int64_t>(items.size());
    for (std::int64_t i = 0; i < length; ++i) {
      NOTIFY_RETURN_IF_ERROR(state.budget().Step());
      auto loop = std::make_shared<LoopInfo>();
      loop->syntax = Syntax::kLiquid;
      loop->index0 = i;
      loop->length = length;
      loop->name = name;
      NOTIFY_RETURN_IF_ERROR(render_one(items[static_cast<std::size_t>(i)], std::move(loop)));
    }
    return absl::OkStatus();
  }

  // Liquid's include: the caller's variables, counters and assigns, with the attributes in a
  // scope of their own; the value (by default the variable named as the template) is bound to
  // the alias, once per item when it is an array.
  absl::Status RenderShared(RenderState& state, const Template& partial, const std::string& name,
                            const std::string& variable, std::string& out) const {
    Value value;
    if (spec_.value.has_value()) {
      NOTIFY_ASSIGN_OR_RETURN(value, state.Eval(*spec_.value));
    } else {
      value = state.Lookup(name);
    }
    state.PushScope();
    absl::Status status;
    for (const auto& [key, expr] : spec_.attributes) {
      absl::StatusOr<Value> v = state.Eval(expr);
      status = v.status();
      if (!status.ok()) break;
      state.Set(key, *std::move(v));
    }
    if (status.ok() && value.is_array()) {
      const std::size_t size = value.Size();
      for (std::size_t i = 0; i < size && status.ok(); ++i) {
        status = state.budget().Step();
        if (!status.ok()) break;
        state.Set(variable, value.At(i));
        status = state.RenderList(partial.tree().nodes, out);
      }
    } else if (status.ok()) {
      state.Set(variable, value);
      status = state.RenderList(partial.tree().nodes, out);
    }
    state.PopScope();
    return status;
  }

  PartialSpec spec_;
};

absl::StatusOr<NodePtr> ParsePartial(Parser& parser, const TagStart& tag) {
  PartialSpec spec;
  spec.isolated = tag.name == "render";
  const std::string usage = absl::StrCat("{% ", tag.name, " 'footer' %}");
  NOTIFY_ASSIGN_OR_RETURN(LiquidParser p, MarkupParser(parser, tag));
  if (p.AtEnd()) {
    return ErrorAt(tag.pos, absl::StrCat("'", tag.name, "' needs the name of a layout: ", usage));
  }
  NOTIFY_ASSIGN_OR_RETURN(spec.name, p.ParseExpr());
  if (spec.isolated && !(spec.name.kind == Expr::Kind::kLiteral && spec.name.literal.is_string())) {
    return ErrorAt(tag.pos,
                   absl::StrCat("'render' needs the layout's name as a quoted string: ", usage));
  }
  const bool for_each = p.ConsumeWord("for");
  if (for_each || p.ConsumeWord("with")) {
    spec.for_each = for_each;
    NOTIFY_ASSIGN_OR_RETURN(spec.value, p.ParseExpr());
  }
  if (p.ConsumeWord("as")) {
    NOTIFY_ASSIGN_OR_RETURN(spec.alias, p.ExpectIdentifier("a variable name after 'as'"));
  }
  while (!p.AtEnd()) {
    p.ConsumePunct(",");
    const Position at = p.Here();
    NOTIFY_ASSIGN_OR_RETURN(std::string key, p.ExpectIdentifier("a parameter (name: value)"));
    if (!p.ConsumePunct(":")) {
      return ErrorAt(at, absl::StrCat("'", key, "' needs ': value'; after the layout's name '",
                                      tag.name, "' takes with, for, as and name: value"));
    }
    NOTIFY_ASSIGN_OR_RETURN(Expr value, p.ParseExpr());
    spec.attributes.emplace_back(std::move(key), std::move(value));
  }
  return std::make_unique<PartialNode>(tag.pos, std::move(spec));
}

}  // namespace

TagParser FindLiquidTag(absl::string_view name) {
  static const std::map<std::string, TagParser, std::less<>>* const kTags =
      new std::map<std::string, TagParser, std::less<>>{
          {"assign", ParseAssign},
          {"capture", ParseCapture},
          {"echo", ParseEcho},
          {"increment", ParseCounter},
          {"decrement", ParseCounter},
          {"comment", ParseComment},
          {"#", ParseInlineComment},
          {"liquid", ParseLiquid},
          {"if", ParseIf},
          {"unless", ParseIf},
          {"case", ParseCase},
          {"for", ParseFor},
          {"tablerow", ParseTablerow},
          {"break", ParseInterrupt},
          {"continue", ParseInterrupt},
          {"cycle", ParseCycle},
          {"ifchanged", ParseIfchanged},
          {"include", ParsePartial},  // A layout, by name, from the PartialSource.
          {"render", ParsePartial},
      };
  auto it = kTags->find(name);
  return it == kTags->end() ? nullptr : it->second;
}

}  // namespace notify::tmpl
