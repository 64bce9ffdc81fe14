// Django's built-in tags that mean something without files, requests or translations. Each is a
// parse function and a node class, following Django 3.2's behaviour (what resolves to None and
// what to "", what is escaped, where state lives). Tags that need files or translations are
// refused at parse time with a message that says so.
#include <algorithm>
#include <cfenv>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/common/status.h"
#include "server/core/template/expression_parser.h"
#include "server/core/template/filters.h"
#include "server/core/template/parser.h"
#include "server/core/template/render.h"

namespace notify::tmpl {
namespace {

using NodePtr = std::unique_ptr<const Node>;

std::vector<Bit> Bits(const TagStart& tag) {
  return SplitDjangoBits(tag.markup, tag.markup_offset);
}

absl::StatusOr<FilterExpr> Compile(Parser& parser, const Bit& bit) {
  return ParseDjangoFilterExpr(bit.text, bit.offset, parser.lines());
}

bool IsIdentifier(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '_' || (static_cast<unsigned char>(c) & 0x80) != 0;
  });
}

// Python's float() of a value, as widthratio uses it.
std::optional<double> PythonFloat(const Value& v) {
  if (v.is_number()) return v.number_value();
  if (v.is_bool()) return v.bool_value() ? 1.0 : 0.0;
  if (v.is_string()) {
    std::optional<Value> n = ToNumber(v, Syntax::kDjango);
    if (n.has_value()) return n->number_value();
  }
  return std::nullopt;
}

// ------------------------------------------------------------------------------------------------
// if, ifequal, for, with.

struct Branch {
  std::optional<Condition> condition;
  NodeList body;
};

class IfNode final : public Node {
 public:
  IfNode(Position pos, std::vector<Branch> branches) : Node(pos), branches_(std::move(branches)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    for (const Branch& branch : branches_) {
      bool holds = true;
      if (branch.condition.has_value()) {
        absl::StatusOr<bool> tested = state.Test(*branch.condition);
        // Django's if treats a variable that does not exist (a filter argument) as no match.
        if (tested.status().code() == absl::StatusCode::kNotFound) tested = false;
        NOTIFY_RETURN_IF_ERROR(tested.status());
        holds = *tested;
      }
      if (holds) return state.RenderList(branch.body, out);
    }
    return absl::OkStatus();
  }

 private:
  std::vector<Branch> branches_;
};

absl::StatusOr<NodePtr> ParseIf(Parser& parser, const TagStart& tag) {
  std::vector<Branch> branches;
  TagStart current = tag;
  while (true) {
    Branch branch;
    if (current.name != "else") {
      const std::vector<Bit> bits = Bits(current);
      NOTIFY_ASSIGN_OR_RETURN(branch.condition,
                              ParseDjangoCondition(bits, current.pos, parser.lines()));
    }
    absl::StatusOr<Parser::Body> body = current.name == "else"
                                            ? parser.ParseBody({"endif"}, tag)
                                            : parser.ParseBody({"elif", "else", "endif"}, tag);
    NOTIFY_RETURN_IF_ERROR(body.status());
    branch.body = std::move(body->nodes);
    branches.push_back(std::move(branch));
    if (body->end.name == "endif") break;
    current = std::move(body->end);
  }
  return std::make_unique<IfNode>(tag.pos, std::move(branches));
}

// {% ifequal a b %} and {% ifnotequal a b %}, as Django 3.2 still has them.
absl::StatusOr<NodePtr> ParseIfEqual(Parser& parser, const TagStart& tag) {
  const std::vector<Bit> bits = Bits(tag);
  if (bits.size() != 2)
    return ErrorAt(tag.pos, absl::StrCat("'", tag.name, "' takes two arguments"));
  Condition condition;
  condition.pos = tag.pos;
  condition.op = tag.name == "ifequal" ? Condition::Op::kEq : Condition::Op::kNe;
  for (const Bit& bit : bits) {
    Condition operand;
    operand.pos = parser.lines().At(bit.offset);
    NOTIFY_ASSIGN_OR_RETURN(operand.value, Compile(parser, bit));
    condition.operands.push_back(std::move(operand));
  }
  const std::string end = absl::StrCat("end", tag.name);
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"else", end}, tag));
  std::vector<Branch> branches;
  branches.push_back(Branch{std::move(condition), std::move(body.nodes)});
  if (body.end.name == "else") {
    NOTIFY_ASSIGN_OR_RETURN(Parser::Body else_body, parser.ParseBody({end}, tag));
    branches.push_back(Branch{std::nullopt, std::move(else_body.nodes)});
  }
  return std::make_unique<IfNode>(tag.pos, std::move(branches));
}

class ForNode final : public Node {
 public:
  ForNode(Position pos, std::vector<std::string> vars, FilterExpr sequence, bool reversed,
          NodeList body, NodeList empty)
      : Node(pos),
        vars_(std::move(vars)),
        sequence_(std::move(sequence)),
        reversed_(reversed),
        body_(std::move(body)),
        empty_(std::move(empty)) {}

  absl::Status Render(RenderState& state, std::string& out) const override {
    NOTIFY_ASSIGN_OR_RETURN(Value sequence, state.Eval(sequence_, /*in_condition=*/true));
    NOTIFY_ASSIGN_OR_RETURN(std::vector<Value> items, Items(state, sequence));
    if (items.empty()) return state.RenderList(empty_, out);
    if (reversed_) std::reverse(items.begin(), items.end());
    LoopInfo loop;
    loop.syntax = Syntax::kDjango;
    loop.run = state.NextId();
    return state.ForEach(std::move(loop), static_cast<std::int64_t>(items.size()),
                         [&](std::int64_t i) -> absl::StatusOr<bool> {
                           NOTIFY_RETURN_IF_ERROR(Bind(state, items[static_cast<std::size_t>(i)]));
                           NOTIFY_RETURN_IF_ERROR(state.RenderList(body_, out));
                           return true;
                         });
  }

 private:
  // What Python's iteration gives: a list's items, a string's characters, a dict's keys.
  absl::StatusOr<std::vector<Value>> Items(RenderState& state, const Value& sequence) const {
    std::vector<Value> items;
    if (sequence.is_nil()) return items;
    if (sequence.is_sequence()) {
      NOTIFY_RETURN_IF_ERROR(state.budget().Elements(sequence.Size()));
      return sequence.Elements();
    }
    if (sequence.is_object()) {
      const std::vector<std::string> keys = sequence.Keys();
      NOTIFY_RETURN_IF_ERROR(state.budget().Elements(keys.size()));
      for (const std::string& key : keys) items.push_back(Value::String(key));
      return items;
    }
    if (sequence.is_string()) {
      const absl::string_view s = sequence.string_value();
      NOTIFY_RETURN_IF_ERROR(state.budget().Elements(s.size()));
      for (std::size_t i = 0; i < s.size();) {
        std::size_t j = i + 1;
        while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
        items.push_back(Value::String(std::string(s.substr(i, j - i))).MarkedSafe(sequence.safe()));
        i = j;
      }
      return items;
    }
    return ErrorAt(pos(), "'for' needs something to iterate over: a list, a string or an object");
  }

  absl::Status Bind(RenderState& state, const Value& item) const {
    if (vars_.size() == 1) {
      state.Set(vars_[0], item);
      return absl::OkStatus();
    }
    std::vector<Value> parts;
    if (item.is_sequence()) {
      parts = item.Elements();
    } else if (item.is_string()) {
      for (char c : item.string_value()) parts.push_back(Value::String(std::string(1, c)));
    }
    const std::size_t got = item.is_sequence() || item.is_string() ? parts.size() : 1;
    if (got != vars_.size()) {
      return ErrorAt(pos(), absl::StrCat("need ", vars_.size(),
                                         " values to unpack in the for loop; got ", got));
    }
    for (std::size_t k = 0; k < vars_.size(); ++k) state.Set(vars_[k], parts[k]);
    return absl::OkStatus();
  }

  std::vector<std::string> vars_;
  FilterExpr sequence_;
  bool reversed_;
  NodeList body_;
  NodeList empty_;
};

absl::StatusOr<NodePtr> ParseFor(Parser& parser, const TagStart& tag) {
  const std::vector<Bit> bits = Bits(tag);
  if (bits.size() < 3) {
    return ErrorAt(tag.pos, "'for' statements should have at least four words: {% for x in y %}");
  }
  const bool reversed = bits.back().text == "reversed";
  const std::size_t in_index = bits.size() - (reversed ? 3 : 2);
  if (in_index < 1 || bits[in_index].text != "in") {
    return ErrorAt(
        tag.pos,
        absl::StrCat("'for' statements should use the format 'for x in y': for ", tag.markup));
  }
  std::vector<std::string> words;
  for (std::size_t k = 0; k < in_index; ++k) words.push_back(bits[k].text);
  std::vector<std::string> vars;
  for (absl::string_view var : absl::StrSplit(absl::StrJoin(words, " "), ',')) {
    var = absl::StripAsciiWhitespace(var);
    if (var.empty() || absl::StrContains(var, ' ')) {
      return ErrorAt(tag.pos,
                     absl::StrCat("'for' tag received an invalid argument: for ", tag.markup));
    }
    vars.emplace_back(var);
  }
  NOTIFY_ASSIGN_OR_RETURN(FilterExpr sequence, Compile(parser, bits[in_index + 1]));
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"empty", "endfor"}, tag));
  Parser::Body empty;
  if (body.end.name == "empty") {
    NOTIFY_ASSIGN_OR_RETURN(empty, parser.ParseBody({"endfor"}, tag));
  }
  return std::make_unique<ForNode>(tag.pos, std::move(vars), std::move(sequence), reversed,
                                   std::move(body.nodes), std::move(empty.nodes));
}

class WithNode final : public Node {
 public:
  WithNode(Position pos, std::vector<std::pair<std::string, FilterExpr>> bindings, NodeList body)
      : Node(pos), bindings_(std::move(bindings)), body_(std::move(body)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    std::vector<Value> values;
    for (const auto& [name, expr] : bindings_) {
      NOTIFY_ASSIGN_OR_RETURN(Value v, state.Eval(expr));
      values.push_back(std::move(v));
    }
    state.PushScope();
    for (std::size_t k = 0; k < values.size(); ++k) state.Set(bindings_[k].first, values[k]);
    absl::Status status = state.RenderList(body_, out);
    state.PopScope();
    return status;
  }

 private:
  std::vector<std::pair<std::string, FilterExpr>> bindings_;
  NodeList body_;
};

absl::StatusOr<NodePtr> ParseWith(Parser& parser, const TagStart& tag) {
  const std::vector<Bit> bits = Bits(tag);
  std::vector<std::pair<std::string, FilterExpr>> bindings;
  if (bits.size() == 3 && bits[1].text == "as") {
    // The older form: {% with value as name %}.
    NOTIFY_ASSIGN_OR_RETURN(FilterExpr value, Compile(parser, bits[0]));
    bindings.emplace_back(bits[2].text, std::move(value));
  } else {
    for (const Bit& bit : bits) {
      const std::size_t eq = bit.text.find('=');
      if (eq == std::string::npos || eq == 0 || !IsIdentifier(bit.text.substr(0, eq))) {
        return ErrorAt(parser.lines().At(bit.offset),
                       absl::StrCat("'with' expected name=value, got '", bit.text, "'"));
      }
      NOTIFY_ASSIGN_OR_RETURN(FilterExpr value,
                              Compile(parser, Bit{bit.text.substr(eq + 1), bit.offset + eq + 1}));
      bindings.emplace_back(bit.text.substr(0, eq), std::move(value));
    }
  }
  if (bindings.empty()) return ErrorAt(tag.pos, "'with' expected at least one variable assignment");
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"endwith"}, tag));
  return std::make_unique<WithNode>(tag.pos, std::move(bindings), std::move(body.nodes));
}

// ------------------------------------------------------------------------------------------------
// Text-shaping tags: comment, verbatim, autoescape, filter, spaceless, templatetag, block.

class NothingNode final : public Node {
 public:
  explicit NothingNode(Position pos) : Node(pos) {}
  absl::Status Render(RenderState&, std::string&) const override { return absl::OkStatus(); }
};

absl::StatusOr<NodePtr> ParseComment(Parser& parser, const TagStart& tag) {
  NOTIFY_RETURN_IF_ERROR(parser.SkipPast("endcomment", tag));
  return std::make_unique<NothingNode>(tag.pos);
}

class BodyNode final : public Node {
 public:
  BodyNode(Position pos, NodeList body) : Node(pos), body_(std::move(body)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    return state.RenderList(body_, out);
  }

 private:
  NodeList body_;
};

absl::StatusOr<NodePtr> ParseVerbatim(Parser& parser, const TagStart& tag) {
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"endverbatim"}, tag));
  return std::make_unique<BodyNode>(tag.pos, std::move(body.nodes));
}

absl::StatusOr<NodePtr> ParseBlock(Parser& parser, const TagStart& tag) {
  // Without {% extends %} a block just renders its body.
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"endblock"}, tag));
  return std::make_unique<BodyNode>(tag.pos, std::move(body.nodes));
}

class AutoescapeNode final : public Node {
 public:
  AutoescapeNode(Position pos, bool on, NodeList body)
      : Node(pos), on_(on), body_(std::move(body)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    const bool was = state.autoescape();
    state.set_autoescape(on_);
    absl::Status status = state.RenderList(body_, out);
    state.set_autoescape(was);
    return status;
  }

 private:
  bool on_;
  NodeList body_;
};

absl::StatusOr<NodePtr> ParseAutoescape(Parser& parser, const TagStart& tag) {
  if (tag.markup != "on" && tag.markup != "off") {
    return ErrorAt(tag.pos, "'autoescape' argument should be 'on' or 'off'");
  }
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"endautoescape"}, tag));
  return std::make_unique<AutoescapeNode>(tag.pos, tag.markup == "on", std::move(body.nodes));
}

class FilterNode final : public Node {
 public:
  FilterNode(Position pos, std::vector<FilterCall> filters, NodeList body)
      : Node(pos), filters_(std::move(filters)), body_(std::move(body)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    std::string rendered;
    NOTIFY_RETURN_IF_ERROR(state.RenderList(body_, rendered));
    NOTIFY_ASSIGN_OR_RETURN(
        Value v, state.ApplyFilters(Value::String(std::move(rendered)).MarkedSafe(), filters_));
    return state.Append(out, Print(v, Syntax::kDjango));
  }

 private:
  std::vector<FilterCall> filters_;
  NodeList body_;
};

absl::StatusOr<NodePtr> ParseFilter(Parser& parser, const TagStart& tag) {
  // Django compiles "var|" + the markup; a stand-in name does the same here.
  const std::string text = absl::StrCat("x|", tag.markup);
  NOTIFY_ASSIGN_OR_RETURN(FilterExpr expr,
                          ParseDjangoFilterExpr(text, tag.markup_offset - 2, parser.lines()));
  for (const FilterCall& call : expr.filters) {
    if (call.spec->name == "escape" || call.spec->name == "safe") {
      return ErrorAt(call.pos,
                     absl::StrCat("'filter ", call.spec->name,
                                  "' is not permitted; use the 'autoescape' tag instead"));
    }
  }
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"endfilter"}, tag));
  return std::make_unique<FilterNode>(tag.pos, std::move(expr.filters), std::move(body.nodes));
}

class SpacelessNode final : public Node {
 public:
  SpacelessNode(Position pos, NodeList body) : Node(pos), body_(std::move(body)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    std::string rendered;
    NOTIFY_RETURN_IF_ERROR(state.RenderList(body_, rendered));
    const absl::string_view text = absl::StripAsciiWhitespace(rendered);
    // Whitespace between a '>' and a '<' goes.
    std::string result;
    result.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
      result += text[i];
      if (text[i] != '>') continue;
      std::size_t j = i + 1;
      while (j < text.size() && absl::ascii_isspace(text[j])) ++j;
      if (j > i + 1 && j < text.size() && text[j] == '<') i = j - 1;
    }
    return state.Append(out, result);
  }

 private:
  NodeList body_;
};

absl::StatusOr<NodePtr> ParseSpaceless(Parser& parser, const TagStart& tag) {
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"endspaceless"}, tag));
  return std::make_unique<SpacelessNode>(tag.pos, std::move(body.nodes));
}

absl::StatusOr<NodePtr> ParseTemplatetag(Parser& parser, const TagStart& tag) {
  (void)parser;
  static const std::map<std::string, std::string, std::less<>> kMarks = {
      {"openblock", "{%"}, {"closeblock", "%}"}, {"openvariable", "{{"}, {"closevariable", "}}"},
      {"openbrace", "{"},  {"closebrace", "}"},  {"opencomment", "{#"},  {"closecomment", "#}"},
  };
  auto it = kMarks.find(tag.markup);
  if (it == kMarks.end()) {
    return ErrorAt(tag.pos, absl::StrCat("invalid templatetag argument: '", tag.markup,
                                         "'; must be one of openblock, closeblock, openvariable, "
                                         "closevariable, openbrace, closebrace, opencomment, "
                                         "closecomment"));
  }
  return std::make_unique<TextNode>(tag.pos, it->second);
}

// ------------------------------------------------------------------------------------------------
// firstof, cycle, resetcycle, ifchanged, widthratio, now, regroup.

// Renders a value as `{{ }}` would, for tags that print or keep one (`as name`).
absl::StatusOr<std::string> Rendered(RenderState& state, const Value& value) {
  std::string out;
  NOTIFY_RETURN_IF_ERROR(state.Output(value, out));
  return out;
}

class FirstofNode final : public Node {
 public:
  FirstofNode(Position pos, std::vector<FilterExpr> values, std::string as)
      : Node(pos), values_(std::move(values)), as_(std::move(as)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    Value first = Value::StringRef("");
    for (const FilterExpr& expr : values_) {
      NOTIFY_ASSIGN_OR_RETURN(Value v, state.Eval(expr, /*in_condition=*/true));
      if (Truthy(v, Syntax::kDjango)) {
        first = std::move(v);
        break;
      }
    }
    NOTIFY_ASSIGN_OR_RETURN(std::string text, Rendered(state, first));
    if (as_.empty()) return state.Append(out, text);
    state.Set(as_, Value::String(std::move(text)).MarkedSafe());
    return absl::OkStatus();
  }

 private:
  std::vector<FilterExpr> values_;
  std::string as_;
};

absl::StatusOr<NodePtr> ParseFirstof(Parser& parser, const TagStart& tag) {
  std::vector<Bit> bits = Bits(tag);
  std::string as;
  if (bits.size() >= 2 && bits[bits.size() - 2].text == "as") {
    as = bits.back().text;
    bits.resize(bits.size() - 2);
  }
  if (bits.empty()) return ErrorAt(tag.pos, "'firstof' statement requires at least one argument");
  std::vector<FilterExpr> values;
  for (const Bit& bit : bits) {
    NOTIFY_ASSIGN_OR_RETURN(FilterExpr value, Compile(parser, bit));
    values.push_back(std::move(value));
  }
  return std::make_unique<FirstofNode>(tag.pos, std::move(values), std::move(as));
}

// A cycle's values, shared by the tag that defines it and the tags that name it later.
struct CycleSpec {
  std::vector<FilterExpr> values;
  std::string as;
  bool silent = false;
};

class CycleNode final : public Node {
 public:
  CycleNode(Position pos, std::shared_ptr<const CycleSpec> spec, bool silent)
      : Node(pos), spec_(std::move(spec)), silent_(silent) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    std::int64_t& position = state.Counter(spec_.get());
    const auto count = static_cast<std::int64_t>(spec_->values.size());
    const FilterExpr& expr = spec_->values[static_cast<std::size_t>(position % count)];
    position = (position + 1) % count;
    NOTIFY_ASSIGN_OR_RETURN(Value v, state.Eval(expr));
    if (!spec_->as.empty()) state.SetUpward(spec_->as, v);
    if (silent_) return absl::OkStatus();
    return state.Output(v, out);
  }

 private:
  std::shared_ptr<const CycleSpec> spec_;
  bool silent_;
};

constexpr absl::string_view kLastCycle = "\x01last cycle";

absl::StatusOr<NodePtr> ParseCycle(Parser& parser, const TagStart& tag) {
  std::vector<Bit> bits = Bits(tag);
  if (bits.empty()) return ErrorAt(tag.pos, "'cycle' tag requires at least two arguments");
  if (bits.size() == 1 && !absl::StrContains(bits[0].text, ',')) {
    // {% cycle name %}: the named cycle defined earlier in this template.
    auto it = parser.registry().find(absl::StrCat("cycle:", bits[0].text));
    if (it == parser.registry().end()) {
      return ErrorAt(tag.pos, absl::StrCat("no named cycle '", bits[0].text, "' in this template"));
    }
    auto spec = std::static_pointer_cast<const CycleSpec>(it->second);
    return std::make_unique<CycleNode>(tag.pos, spec, false);
  }
  auto spec = std::make_shared<CycleSpec>();
  if (bits.size() == 1 ||
      (bits.size() == 3 && bits[1].text == "as" && absl::StrContains(bits[0].text, ','))) {
    // The old comma form, {% cycle a,b,c %}: each part is a string.
    const std::size_t base = bits[0].offset;
    for (absl::string_view part : absl::StrSplit(bits[0].text, ',')) {
      FilterExpr value;
      value.base.pos = parser.lines().At(base);
      value.base.literal = Value::String(std::string(part)).MarkedSafe();
      spec->values.push_back(std::move(value));
    }
    if (bits.size() == 3) spec->as = bits[2].text;
  } else {
    bool silent = false;
    std::size_t end = bits.size();
    if (bits.size() > 2 && bits.back().text == "silent" && bits[bits.size() - 3].text == "as") {
      silent = true;
      --end;
    }
    if (end > 2 && bits[end - 2].text == "as") {
      spec->as = bits[end - 1].text;
      end -= 2;
    } else if (silent) {
      return ErrorAt(tag.pos, "only a named cycle can be silent");
    }
    for (std::size_t k = 0; k < end; ++k) {
      NOTIFY_ASSIGN_OR_RETURN(FilterExpr value, Compile(parser, bits[k]));
      spec->values.push_back(std::move(value));
    }
    spec->silent = silent;
  }
  if (spec->values.empty()) return ErrorAt(tag.pos, "'cycle' tag requires at least two arguments");
  if (!spec->as.empty()) parser.registry()[absl::StrCat("cycle:", spec->as)] = spec;
  parser.registry()[std::string(kLastCycle)] = spec;
  const bool silent = spec->silent;
  return std::make_unique<CycleNode>(tag.pos, std::move(spec), silent);
}

class ResetcycleNode final : public Node {
 public:
  ResetcycleNode(Position pos, std::shared_ptr<const CycleSpec> spec)
      : Node(pos), spec_(std::move(spec)) {}
  absl::Status Render(RenderState& state, std::string&) const override {
    state.Counter(spec_.get()) = 0;
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<const CycleSpec> spec_;
};

absl::StatusOr<NodePtr> ParseResetcycle(Parser& parser, const TagStart& tag) {
  const std::string key =
      tag.markup.empty() ? std::string(kLastCycle) : absl::StrCat("cycle:", tag.markup);
  auto it = parser.registry().find(key);
  if (it == parser.registry().end()) {
    return ErrorAt(tag.pos, tag.markup.empty()
                                ? std::string("no cycles in this template")
                                : absl::StrCat("named cycle '", tag.markup, "' does not exist"));
  }
  return std::make_unique<ResetcycleNode>(tag.pos,
                                          std::static_pointer_cast<const CycleSpec>(it->second));
}

class IfchangedNode final : public Node {
 public:
  IfchangedNode(Position pos, std::vector<FilterExpr> watched, NodeList body, NodeList else_body)
      : Node(pos),
        watched_(std::move(watched)),
        body_(std::move(body)),
        else_body_(std::move(else_body)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    // The memory lives with the loop run (Django keeps it in the forloop dict), or the render.
    const std::uint64_t run = state.current_loop() != nullptr ? state.current_loop()->run : 0;
    auto [it, fresh] = state.ifchanged().try_emplace({this, run});
    std::string rendered;
    std::string compare;
    if (watched_.empty()) {
      NOTIFY_RETURN_IF_ERROR(state.RenderList(body_, rendered));
      compare = rendered;
    } else {
      std::vector<Value> values;
      for (const FilterExpr& expr : watched_) {
        NOTIFY_ASSIGN_OR_RETURN(Value v, state.Eval(expr, /*in_condition=*/true));
        values.push_back(std::move(v));
      }
      compare = Print(Value::Array(std::move(values)), Syntax::kDjango);
    }
    if (fresh || compare != it->second) {
      it->second = std::move(compare);
      if (watched_.empty()) return state.Append(out, rendered);
      return state.RenderList(body_, out);
    }
    return state.RenderList(else_body_, out);
  }

 private:
  std::vector<FilterExpr> watched_;
  NodeList body_;
  NodeList else_body_;
};

absl::StatusOr<NodePtr> ParseIfchanged(Parser& parser, const TagStart& tag) {
  std::vector<FilterExpr> watched;
  for (const Bit& bit : Bits(tag)) {
    NOTIFY_ASSIGN_OR_RETURN(FilterExpr value, Compile(parser, bit));
    watched.push_back(std::move(value));
  }
  NOTIFY_ASSIGN_OR_RETURN(Parser::Body body, parser.ParseBody({"else", "endifchanged"}, tag));
  Parser::Body else_body;
  if (body.end.name == "else") {
    NOTIFY_ASSIGN_OR_RETURN(else_body, parser.ParseBody({"endifchanged"}, tag));
  }
  return std::make_unique<IfchangedNode>(tag.pos, std::move(watched), std::move(body.nodes),
                                         std::move(else_body.nodes));
}

// Django's widthratio: round(value / max * width) as text; "0" when max is 0; "" when either is
// not a number or the ratio is not finite.
std::string Ratio(const Value& value, const Value& max, std::int64_t width) {
  const std::optional<double> v = PythonFloat(value);
  const std::optional<double> m = PythonFloat(max);
  if (!v.has_value() || !m.has_value()) return "";
  if (*m == 0) return "0";
  const double ratio = *v / *m * static_cast<double>(width);
  if (!std::isfinite(ratio)) return "";
  // Python's round() takes halves to even, as nearbyint does in the default rounding mode.
  return absl::StrCat(static_cast<std::int64_t>(std::nearbyint(ratio)));
}

class WidthratioNode final : public Node {
 public:
  WidthratioNode(Position pos, FilterExpr value, FilterExpr max, FilterExpr width, std::string as)
      : Node(pos),
        value_(std::move(value)),
        max_(std::move(max)),
        width_(std::move(width)),
        as_(std::move(as)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    NOTIFY_ASSIGN_OR_RETURN(Value value, state.Eval(value_));
    NOTIFY_ASSIGN_OR_RETURN(Value max, state.Eval(max_));
    NOTIFY_ASSIGN_OR_RETURN(Value width_value, state.Eval(width_));
    const std::optional<std::int64_t> width =
        width_value.is_string() || width_value.is_number() || width_value.is_bool()
            ? ToInt(width_value, Syntax::kDjango)
            : std::nullopt;
    if (!width.has_value()) return ErrorAt(pos(), "widthratio final argument must be a number");
    std::string result = Ratio(value, max, *width);
    if (as_.empty()) return state.Append(out, result);
    state.Set(as_, Value::String(std::move(result)));
    return absl::OkStatus();
  }

 private:
  FilterExpr value_, max_, width_;
  std::string as_;
};

absl::StatusOr<NodePtr> ParseWidthratio(Parser& parser, const TagStart& tag) {
  std::vector<Bit> bits = Bits(tag);
  std::string as;
  if (bits.size() == 5 && bits[3].text == "as") {
    as = bits[4].text;
    bits.resize(3);
  }
  if (bits.size() != 3) return ErrorAt(tag.pos, "widthratio takes at least three arguments");
  NOTIFY_ASSIGN_OR_RETURN(FilterExpr value, Compile(parser, bits[0]));
  NOTIFY_ASSIGN_OR_RETURN(FilterExpr max, Compile(parser, bits[1]));
  NOTIFY_ASSIGN_OR_RETURN(FilterExpr width, Compile(parser, bits[2]));
  return std::make_unique<WidthratioNode>(tag.pos, std::move(value), std::move(max),
                                          std::move(width), std::move(as));
}

class NowNode final : public Node {
 public:
  NowNode(Position pos, std::string format, std::string as)
      : Node(pos), format_(std::move(format)), as_(std::move(as)) {}
  absl::Status Render(RenderState& state, std::string& out) const override {
    std::string text = FormatDjangoDate(format_, state.now());
    if (as_.empty()) return state.Append(out, text);
    state.Set(as_, Value::String(std::move(text)));
    return absl::OkStatus();
  }

 private:
  std::string format_;
  std::string as_;
};

absl::StatusOr<NodePtr> ParseNow(Parser& parser, const TagStart& tag) {
  (void)parser;
  std::vector<Bit> bits = Bits(tag);
  std::string as;
  if (bits.size() == 3 && bits[1].text == "as") {
    as = bits[2].text;
    bits.resize(1);
  }
  if (bits.size() != 1 || bits[0].text.size() < 2 ||
      (bits[0].text.front() != '"' && bits[0].text.front() != '\'') ||
      bits[0].text.back() != bits[0].text.front()) {
    return ErrorAt(tag.pos, "'now' statement takes one argument, a quoted format");
  }
  return std::make_unique<NowNode>(tag.pos, bits[0].text.substr(1, bits[0].text.size() - 2),
                                   std::move(as));
}

class RegroupNode final : public Node {
 public:
  RegroupNode(Position pos, FilterExpr target, FilterExpr key, std::string as)
      : Node(pos), target_(std::move(target)), key_(std::move(key)), as_(std::move(as)) {}
  absl::Status Render(RenderState& state, std::string&) const override {
    NOTIFY_ASSIGN_OR_RETURN(Value target, state.Eval(target_, /*in_condition=*/true));
    std::vector<Value> groups;
    if (target.is_sequence()) {
      NOTIFY_RETURN_IF_ERROR(state.budget().Elements(target.Size() * 2));
      std::optional<Value> grouper;
      std::vector<Value> members;
      auto close = [&]() {
        if (grouper.has_value()) {
          // A group is [grouper, list]; `.grouper` and `.list` read its two parts.
          groups.push_back(Value::Array({*grouper, Value::Array(std::move(members))}));
        }
        members.clear();
      };
      for (std::size_t i = 0; i < target.Size(); ++i) {
        const Value item = target.At(i);
        state.PushScope();
        state.Set(as_, item);
        absl::StatusOr<Value> key = state.Eval(key_, /*in_condition=*/true);
        state.PopScope();
        NOTIFY_RETURN_IF_ERROR(key.status());
        // A key that names nothing groups as None.
        if (key->is_undefined()) *key = Value::Nil();
        if (!grouper.has_value() || !Equal(*grouper, *key, Syntax::kDjango)) {
          close();
          grouper = *key;
        }
        members.push_back(item);
      }
      close();
    }
    state.Set(as_, Value::Array(std::move(groups)));
    return absl::OkStatus();
  }

 private:
  FilterExpr target_;
  FilterExpr key_;
  std::string as_;
};

absl::StatusOr<NodePtr> ParseRegroup(Parser& parser, const TagStart& tag) {
  const std::vector<Bit> bits = Bits(tag);
  if (bits.size() != 5 || bits[1].text != "by" || bits[3].text != "as") {
    return ErrorAt(tag.pos, "'regroup' takes the form {% regroup list by attribute as name %}");
  }
  NOTIFY_ASSIGN_OR_RETURN(FilterExpr target, Compile(parser, bits[0]));
  // Django reads the key as the new name's attribute: `name.attribute|filters`.
  const std::string key_text = absl::StrCat(bits[4].text, ".", bits[2].text);
  NOTIFY_ASSIGN_OR_RETURN(FilterExpr key,
                          ParseDjangoFilterExpr(key_text, bits[2].offset, parser.lines()));
  return std::make_unique<RegroupNode>(tag.pos, std::move(target), std::move(key), bits[4].text);
}

absl::StatusOr<NodePtr> ParseRefused(Parser& parser, const TagStart& tag) {
  (void)parser;
  static const std::map<std::string, std::string, std::less<>> kWhy = {
      {"extends", "template files"},
      {"include", "template files"},
      {"ssi", "template files"},
      {"load", "tag libraries"},
      {"url", "the site's URL routes"},
      {"csrf_token", "a web request"},
      {"static", "static files"},
      {"get_static_prefix", "static files"},
      {"get_media_prefix", "media files"},
      {"debug", "Django's debug mode"},
      {"lorem", "Django's placeholder text"},
  };
  auto it = kWhy.find(tag.name);
  const std::string why = it != kWhy.end() ? it->second : "translations";
  return ErrorAt(tag.pos, absl::StrCat("'", tag.name, "' needs ", why,
                                       ", which notification templates do not have"));
}

}  // namespace

TagParser FindDjangoTag(absl::string_view name) {
  static const std::map<std::string, TagParser, std::less<>>* const kTags =
      new std::map<std::string, TagParser, std::less<>>{
          {"if", ParseIf},
          {"ifequal", ParseIfEqual},
          {"ifnotequal", ParseIfEqual},
          {"for", ParseFor},
          {"with", ParseWith},
          {"comment", ParseComment},
          {"verbatim", ParseVerbatim},
          {"block", ParseBlock},
          {"autoescape", ParseAutoescape},
          {"filter", ParseFilter},
          {"spaceless", ParseSpaceless},
          {"templatetag", ParseTemplatetag},
          {"firstof", ParseFirstof},
          {"cycle", ParseCycle},
          {"resetcycle", ParseResetcycle},
          {"ifchanged", ParseIfchanged},
          {"widthratio", ParseWidthratio},
          {"now", ParseNow},
          {"regroup", ParseRegroup},
          {"extends", ParseRefused},
          {"include", ParseRefused},
          {"ssi", ParseRefused},
          {"load", ParseRefused},
          {"url", ParseRefused},
          {"csrf_token", ParseRefused},
          {"static", ParseRefused},
          {"get_static_prefix", ParseRefused},
          {"get_media_prefix", ParseRefused},
          {"debug", ParseRefused},
          {"lorem", ParseRefused},
          {"trans", ParseRefused},
          {"translate", ParseRefused},
          {"blocktrans", ParseRefused},
          {"blocktranslate", ParseRefused},
          {"get_current_language", ParseRefused},
          {"get_available_languages", ParseRefused},
          {"get_language_info", ParseRefused},
          {"language", ParseRefused},
          {"localize", ParseRefused},
          {"localtime", ParseRefused},
          {"timezone", ParseRefused},
          {"get_current_timezone", ParseRefused},
      };
  auto it = kTags->find(name);
  return it == kTags->end() ? nullptr : it->second;
}

}  // namespace notify::tmpl
