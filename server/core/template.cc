#include "server/core/template.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "server/common/status.h"

namespace notify {

using json = nlohmann::json;

namespace {

struct Position {
  int line = 1;
  int column = 1;
};

std::string At(Position pos, absl::string_view message) {
  return absl::StrCat("line ", pos.line, ", column ", pos.column, ": ", message);
}

absl::Status ErrorAt(Position pos, absl::string_view message) {
  return absl::InvalidArgumentError(At(pos, message));
}

// A value on its way to the output; `safe` values are not HTML-escaped.
struct Value {
  json data;
  bool safe = false;
};

using FilterFn = absl::StatusOr<Value> (*)(Value input, const std::vector<json>& args,
                                           const RenderOptions& options);

struct FilterSpec {
  FilterFn fn;
  int min_args;
  int max_args;
};

const FilterSpec* FindFilter(absl::string_view name);

// A literal, or a variable path.
struct Operand {
  bool is_literal = false;
  json literal;
  std::vector<std::string> path;
};

struct FilterCall {
  const FilterSpec* spec = nullptr;
  std::vector<Operand> args;
  Position pos;
};

struct Filtered {
  Operand base;
  std::vector<FilterCall> filters;
};

enum class CondKind { kOr, kAnd, kNot, kCompare, kTruthy };

struct Cond {
  CondKind kind = CondKind::kTruthy;
  std::vector<Cond> children;
  Filtered left;
  Filtered right;
  std::string op;
};

}  // namespace

namespace template_internal {

enum class NodeKind { kText, kOutput, kIf, kFor, kCase, kAssign, kCapture };

struct Node;

struct Branch {
  Cond cond;
  std::vector<Node> body;
};

struct When {
  std::vector<Filtered> values;
  std::vector<Node> body;
};

struct Node {
  NodeKind kind = NodeKind::kText;
  Position pos;
  std::string text;  // Literal text, or the variable a for/assign/capture binds.
  Filtered value;    // Output, assign, for collection, case subject.
  std::vector<Branch> branches;
  std::vector<When> whens;
  std::vector<Node> body;       // for, capture.
  std::vector<Node> else_body;  // if/unless else, for else/empty, case else.
  std::optional<Filtered> limit;
  std::optional<Filtered> offset;
  bool reversed = false;
};

struct Tree {
  std::vector<Node> root;
};

}  // namespace template_internal

namespace {

using template_internal::Branch;
using template_internal::Node;
using template_internal::NodeKind;
using template_internal::Tree;
using template_internal::When;

constexpr int kMaxParseDepth = 512;

// Maps byte offsets of the source to 1-based lines and columns.
class LineMap {
 public:
  explicit LineMap(absl::string_view text) {
    starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') starts_.push_back(i + 1);
    }
  }
  Position At(std::size_t offset) const {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
    const std::size_t line = static_cast<std::size_t>(it - starts_.begin());
    return Position{static_cast<int>(line), static_cast<int>(offset - starts_[line - 1] + 1)};
  }

 private:
  std::vector<std::size_t> starts_;
};

// ---------------------------------------------------------------------------------------------
// Tokens inside `{{ }}` and `{% %}`.

struct Token {
  enum Kind { kIdent, kString, kNumber, kOp, kEnd } kind = kEnd;
  std::string text;
  std::size_t offset = 0;  // In the whole source.
};

bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '.'; }

absl::StatusOr<std::vector<Token>> Tokenize(absl::string_view content, std::size_t base,
                                            const LineMap& lines) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < content.size()) {
    const char c = content[i];
    if (absl::ascii_isspace(c)) {
      ++i;
      continue;
    }
    Token token;
    token.offset = base + i;
    if (c == '"' || c == '\'') {
      const std::size_t end = content.find(c, i + 1);
      if (end == absl::string_view::npos) {
        return ErrorAt(lines.At(base + i), "unterminated string literal");
      }
      token.kind = Token::kString;
      token.text = std::string(content.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (absl::ascii_isdigit(c) ||
               (c == '-' && i + 1 < content.size() && absl::ascii_isdigit(content[i + 1]))) {
      std::size_t j = i + 1;
      while (j < content.size() && absl::ascii_isdigit(content[j])) ++j;
      if (j + 1 < content.size() && content[j] == '.' && absl::ascii_isdigit(content[j + 1])) {
        ++j;
        while (j < content.size() && absl::ascii_isdigit(content[j])) ++j;
      }
      token.kind = Token::kNumber;
      token.text = std::string(content.substr(i, j - i));
      i = j;
    } else if (IsIdentStart(c)) {
      std::size_t j = i + 1;
      while (j < content.size() && IsIdentChar(content[j])) ++j;
      token.kind = Token::kIdent;
      token.text = std::string(content.substr(i, j - i));
      i = j;
    } else {
      static constexpr absl::string_view kTwo[] = {"==", "!=", "<=", ">=", "<>"};
      token.kind = Token::kOp;
      for (absl::string_view two : kTwo) {
        if (absl::StartsWith(content.substr(i), two)) token.text = std::string(two);
      }
      if (token.text.empty()) {
        if (absl::string_view("|:,=<>()").find(c) == absl::string_view::npos) {
          return ErrorAt(lines.At(base + i),
                         absl::StrCat("unexpected character '", std::string(1, c), "'"));
        }
        token.text = std::string(1, c);
      }
      if (token.text == "<>") token.text = "!=";
      i += token.text.size();
    }
    tokens.push_back(std::move(token));
  }
  Token end;
  end.offset = base + content.size();
  tokens.push_back(end);
  return tokens;
}

// Parses the expressions of one `{{ }}` or `{% %}`.
class ExprParser {
 public:
  ExprParser(std::vector<Token> tokens, const LineMap& lines)
      : tokens_(std::move(tokens)), lines_(lines) {}

  const Token& Peek() const { return tokens_[index_]; }
  const Token& Next() { return tokens_[index_ < tokens_.size() - 1 ? index_++ : index_]; }
  bool AtEnd() const { return Peek().kind == Token::kEnd; }
  bool PeekOp(absl::string_view op) const { return Peek().kind == Token::kOp && Peek().text == op; }
  bool PeekWord(absl::string_view word) const {
    return Peek().kind == Token::kIdent && Peek().text == word;
  }
  Position Here() const { return lines_.At(Peek().offset); }

  absl::Status Error(absl::string_view message) const { return ErrorAt(Here(), message); }

  absl::Status ExpectEnd() const {
    if (AtEnd()) return absl::OkStatus();
    return Error(absl::StrCat("unexpected '", Peek().text, "'"));
  }

  absl::StatusOr<std::string> ExpectName(absl::string_view what) {
    if (Peek().kind != Token::kIdent || absl::StrContains(Peek().text, '.')) {
      return Error(absl::StrCat("expected ", what));
    }
    return Next().text;
  }

  absl::Status ExpectOp(absl::string_view op) {
    if (!PeekOp(op)) return Error(absl::StrCat("expected '", op, "'"));
    Next();
    return absl::OkStatus();
  }

  absl::StatusOr<Operand> ParseOperand() {
    const Token& token = Peek();
    Operand operand;
    switch (token.kind) {
      case Token::kString:
        operand.is_literal = true;
        operand.literal = token.text;
        break;
      case Token::kNumber:
        operand.is_literal = true;
        operand.literal = json::parse(token.text, nullptr, false);
        break;
      case Token::kIdent:
        if (token.text == "true" || token.text == "false") {
          operand.is_literal = true;
          operand.literal = token.text == "true";
        } else if (token.text == "null" || token.text == "nil" || token.text == "None") {
          operand.is_literal = true;
        } else {
          operand.path = absl::StrSplit(token.text, '.');
          for (const std::string& segment : operand.path) {
            if (segment.empty()) return Error(absl::StrCat("bad variable name '", token.text, "'"));
          }
        }
        break;
      default:
        return Error(token.kind == Token::kEnd ? "expected a value"
                                               : absl::StrCat("unexpected '", token.text, "'"));
    }
    Next();
    return operand;
  }

  absl::StatusOr<Filtered> ParseFiltered() {
    Filtered filtered;
    NOTIFY_ASSIGN_OR_RETURN(filtered.base, ParseOperand());
    while (PeekOp("|")) {
      Next();
      FilterCall call;
      call.pos = Here();
      if (Peek().kind != Token::kIdent) return Error("expected a filter name after '|'");
      const std::string name = Next().text;
      call.spec = FindFilter(name);
      if (call.spec == nullptr)
        return ErrorAt(call.pos, absl::StrCat("unknown filter '", name, "'"));
      if (PeekOp(":")) {
        Next();
        while (true) {
          NOTIFY_ASSIGN_OR_RETURN(Operand arg, ParseOperand());
          call.args.push_back(std::move(arg));
          if (!PeekOp(",")) break;
          Next();
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
      filtered.filters.push_back(std::move(call));
    }
    return filtered;
  }

  absl::StatusOr<Cond> ParseCondition() {
    Cond result;
    result.kind = CondKind::kOr;
    while (true) {
      NOTIFY_ASSIGN_OR_RETURN(Cond part, ParseAnd());
      result.children.push_back(std::move(part));
      if (!PeekWord("or")) break;
      Next();
    }
    return result;
  }

 private:
  absl::StatusOr<Cond> ParseAnd() {
    Cond result;
    result.kind = CondKind::kAnd;
    while (true) {
      // `not` chains are counted rather than recursed into, so they cannot exhaust the stack.
      int nots = 0;
      while (PeekWord("not")) {
        Next();
        ++nots;
      }
      NOTIFY_ASSIGN_OR_RETURN(Cond part, ParseComparison());
      if (nots % 2 == 1) {
        Cond negated;
        negated.kind = CondKind::kNot;
        negated.children.push_back(std::move(part));
        part = std::move(negated);
      }
      result.children.push_back(std::move(part));
      if (!PeekWord("and")) break;
      Next();
    }
    return result;
  }

  absl::StatusOr<Cond> ParseComparison() {
    Cond cond;
    NOTIFY_ASSIGN_OR_RETURN(cond.left, ParseFiltered());
    static const std::set<std::string> kOps = {"==", "!=", "<", "<=", ">", ">="};
    if ((Peek().kind == Token::kOp && kOps.count(Peek().text) > 0) || PeekWord("contains") ||
        PeekWord("in")) {
      cond.kind = CondKind::kCompare;
      cond.op = Next().text;
      NOTIFY_ASSIGN_OR_RETURN(cond.right, ParseFiltered());
    } else {
      cond.kind = CondKind::kTruthy;
    }
    return cond;
  }

  std::vector<Token> tokens_;
  std::size_t index_ = 0;
  const LineMap& lines_;
};

// ---------------------------------------------------------------------------------------------
// Splitting the source into text, `{{ }}` and `{% %}`.

struct Piece {
  enum Kind { kText, kOutput, kTag } kind = kText;
  std::string text;        // kText: the text; otherwise the inside of the delimiters.
  std::size_t offset = 0;  // Of the opening delimiter.
  std::size_t content_offset = 0;
};

// Finds `{% name %}` (with optional `-` trim markers) at or after `from`; npos when absent.
std::size_t FindEndTag(absl::string_view text, std::size_t from, absl::string_view name,
                       std::size_t* after, bool* trim_left, bool* trim_right) {
  std::size_t at = from;
  while ((at = text.find("{%", at)) != absl::string_view::npos) {
    std::size_t i = at + 2;
    *trim_left = i < text.size() && text[i] == '-';
    if (*trim_left) ++i;
    while (i < text.size() && absl::ascii_isspace(text[i])) ++i;
    if (absl::StartsWith(text.substr(i), name)) {
      i += name.size();
      while (i < text.size() && absl::ascii_isspace(text[i])) ++i;
      *trim_right = i < text.size() && text[i] == '-';
      if (*trim_right) ++i;
      if (absl::StartsWith(text.substr(i), "%}")) {
        *after = i + 2;
        return at;
      }
    }
    at += 2;
  }
  return absl::string_view::npos;
}

std::string FirstWord(absl::string_view content) {
  content = absl::StripLeadingAsciiWhitespace(content);
  std::size_t end = 0;
  while (end < content.size() && IsIdentChar(content[end])) ++end;
  return std::string(content.substr(0, end));
}

absl::StatusOr<std::vector<Piece>> Split(absl::string_view text, const LineMap& lines) {
  std::vector<Piece> pieces;
  bool strip_next = false;
  auto add_text = [&](absl::string_view body, bool trim_right_of_it) {
    std::string value(body);
    if (strip_next) value = std::string(absl::StripLeadingAsciiWhitespace(value));
    if (trim_right_of_it) value = std::string(absl::StripTrailingAsciiWhitespace(value));
    strip_next = false;
    if (!value.empty()) pieces.push_back(Piece{Piece::kText, std::move(value), 0, 0});
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = pos;
    while ((open = text.find('{', open)) != absl::string_view::npos) {
      if (open + 1 < text.size() &&
          (text[open + 1] == '{' || text[open + 1] == '%' || text[open + 1] == '#')) {
        break;
      }
      ++open;
    }
    if (open == absl::string_view::npos) {
      add_text(text.substr(pos), false);
      break;
    }
    const char kind = text[open + 1];
    const absl::string_view close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
    const std::size_t end = text.find(close, open + 2);
    if (end == absl::string_view::npos) {
      return ErrorAt(lines.At(open), absl::StrCat("unclosed '", text.substr(open, 2), "'"));
    }
    std::size_t content_start = open + 2;
    std::size_t content_end = end;
    const bool trim_left = content_start < content_end && text[content_start] == '-';
    if (trim_left) ++content_start;
    const bool trim_right = content_end > content_start && text[content_end - 1] == '-';
    if (trim_right) --content_end;
    add_text(text.substr(pos, open - pos), trim_left);
    strip_next = trim_right;
    pos = end + 2;
    if (kind == '#') continue;
    const absl::string_view content = text.substr(content_start, content_end - content_start);
    if (kind == '{') {
      pieces.push_back(Piece{Piece::kOutput, std::string(content), open, content_start});
      continue;
    }
    const std::string name = FirstWord(content);
    if (name == "raw" || name == "comment") {
      // Their bodies are not parsed, so they end at the first matching end tag.
      if (!absl::StripAsciiWhitespace(content.substr(content.find(name) + name.size())).empty()) {
        return ErrorAt(lines.At(content_start), absl::StrCat("'", name, "' takes no arguments"));
      }
      std::size_t after = 0;
      bool end_trim_left = false;
      bool end_trim_right = false;
      const std::size_t end_tag =
          FindEndTag(text, pos, absl::StrCat("end", name), &after, &end_trim_left, &end_trim_right);
      if (end_tag == absl::string_view::npos) {
        return ErrorAt(lines.At(open), absl::StrCat("'", name, "' block is never closed"));
      }
      if (name == "raw") {
        add_text(text.substr(pos, end_tag - pos), end_trim_left);
      } else {
        strip_next = false;
      }
      strip_next = end_trim_right;
      pos = after;
      continue;
    }
    pieces.push_back(Piece{Piece::kTag, std::string(content), open, content_start});
  }
  return pieces;
}

// ---------------------------------------------------------------------------------------------
// Building the tree.

struct Frame {
  Node* node;
  std::string tag;
  std::vector<Node>* body;
  bool in_else = false;
};

absl::StatusOr<Tree> BuildTree(absl::string_view text) {
  const LineMap lines(text);
  NOTIFY_ASSIGN_OR_RETURN(std::vector<Piece> pieces, Split(text, lines));
  Tree tree;
  std::vector<Frame> stack;
  auto current = [&]() -> std::vector<Node>* {
    return stack.empty() ? &tree.root : stack.back().body;
  };
  for (Piece& piece : pieces) {
    if (piece.kind == Piece::kText) {
      Node node;
      node.kind = NodeKind::kText;
      node.text = std::move(piece.text);
      if (std::vector<Node>* body = current(); body != nullptr) body->push_back(std::move(node));
      continue;
    }
    const Position pos = lines.At(piece.offset);
    NOTIFY_ASSIGN_OR_RETURN(std::vector<Token> tokens,
                            Tokenize(piece.text, piece.content_offset, lines));
    ExprParser parser(std::move(tokens), lines);
    if (piece.kind == Piece::kOutput) {
      if (parser.AtEnd()) return ErrorAt(pos, "empty '{{ }}'");
      Node node;
      node.kind = NodeKind::kOutput;
      node.pos = pos;
      NOTIFY_ASSIGN_OR_RETURN(node.value, parser.ParseFiltered());
      NOTIFY_RETURN_IF_ERROR(parser.ExpectEnd());
      if (std::vector<Node>* body = current(); body != nullptr) body->push_back(std::move(node));
      continue;
    }
    if (parser.Peek().kind != Token::kIdent) return ErrorAt(pos, "expected a tag name");
    const Position name_pos = parser.Here();
    const std::string tag = parser.Next().text;
    auto open_block = [&](Node node, absl::string_view name) -> absl::Status {
      if (static_cast<int>(stack.size()) >= kMaxParseDepth) {
        return ErrorAt(pos, absl::StrCat("blocks nested more than ", kMaxParseDepth, " deep"));
      }
      std::vector<Node>* body = current();
      if (body == nullptr) return ErrorAt(pos, "expected 'when' or 'else' after 'case'");
      body->push_back(std::move(node));
      Node* added = &body->back();
      std::vector<Node>* inner = nullptr;
      if (added->kind == NodeKind::kIf) inner = &added->branches.back().body;
      if (added->kind == NodeKind::kFor || added->kind == NodeKind::kCapture) inner = &added->body;
      stack.push_back(Frame{added, std::string(name), inner});
      return absl::OkStatus();
    };
    auto top_is = [&](std::initializer_list<absl::string_view> tags) {
      if (stack.empty()) return false;
      for (absl::string_view t : tags) {
        if (stack.back().tag == t) return true;
      }
      return false;
    };
    if (tag == "if" || tag == "unless") {
      Node node;
      node.kind = NodeKind::kIf;
      node.pos = pos;
      Branch branch;
      NOTIFY_ASSIGN_OR_RETURN(branch.cond, parser.ParseCondition());
      if (tag == "unless") {
        Cond negated;
        negated.kind = CondKind::kNot;
        negated.children.push_back(std::move(branch.cond));
        branch.cond = std::move(negated);
      }
      node.branches.push_back(std::move(branch));
      NOTIFY_RETURN_IF_ERROR(parser.ExpectEnd());
      NOTIFY_RETURN_IF_ERROR(open_block(std::move(node), tag));
    } else if (tag == "elif" || tag == "elsif") {
      if (!top_is({"if"}) || stack.back().in_else) {
        return ErrorAt(name_pos, absl::StrCat("unexpected '", tag, "'"));
      }
      Branch branch;
      NOTIFY_ASSIGN_OR_RETURN(branch.cond, parser.ParseCondition());
      NOTIFY_RETURN_IF_ERROR(parser.ExpectEnd());
      stack.back().node->branches.push_back(std::move(branch));
      stack.back().body = &stack.back().node->branches.back().body;
    } else if (tag == "else" || tag == "empty") {
      const bool fits = tag == "else" ? top_is({"if", "unless", "for", "case"}) : top_is({"for"});
      if (!fits || stack.back().in_else) {
        return ErrorAt(name_pos, absl::StrCat("unexpected '", tag, "'"));
      }
      NOTIFY_RETURN_IF_ERROR(parser.ExpectEnd());
      stack.back().in_else = true;
      stack.back().body = &stack.back().node->else_body;
    } else if (tag == "for") {
      Node node;
      node.kind = NodeKind::kFor;
      node.pos = pos;
      NOTIFY_ASSIGN_OR_RETURN(node.text, parser.ExpectName("a loop variable"));
      if (!parser.PeekWord("in")) return parser.Error("expected 'in'");
      parser.Next();
      NOTIFY_ASSIGN_OR_RETURN(node.value, parser.ParseFiltered());
      while (!parser.AtEnd()) {
        if (parser.PeekWord("reversed")) {
          parser.Next();
          node.reversed = true;
        } else if (parser.PeekWord("limit") || parser.PeekWord("offset")) {
          const bool limit = parser.Next().text == "limit";
          NOTIFY_RETURN_IF_ERROR(parser.ExpectOp(":"));
          NOTIFY_ASSIGN_OR_RETURN(Filtered amount, parser.ParseFiltered());
          (limit ? node.limit : node.offset) = std::move(amount);
        } else {
          return parser.Error(absl::StrCat("unexpected '", parser.Peek().text, "' in 'for'"));
        }
      }
      NOTIFY_RETURN_IF_ERROR(open_block(std::move(node), tag));
    } else if (tag == "case") {
      Node node;
      node.kind = NodeKind::kCase;
      node.pos = pos;
      NOTIFY_ASSIGN_OR_RETURN(node.value, parser.ParseFiltered());
      NOTIFY_RETURN_IF_ERROR(parser.ExpectEnd());
      NOTIFY_RETURN_IF_ERROR(open_block(std::move(node), tag));
    } else if (tag == "when") {
      if (!top_is({"case"}) || stack.back().in_else) return ErrorAt(name_pos, "unexpected 'when'");
      When when;
      while (true) {
        NOTIFY_ASSIGN_OR_RETURN(Filtered value, parser.ParseFiltered());
        when.values.push_back(std::move(value));
        if (!parser.PeekOp(",") && !parser.PeekWord("or")) break;
        parser.Next();
      }
      NOTIFY_RETURN_IF_ERROR(parser.ExpectEnd());
      stack.back().node->whens.push_back(std::move(when));
      stack.back().body = &stack.back().node->whens.back().body;
    } else if (tag == "assign") {
      Node node;
      node.kind = NodeKind::kAssign;
      node.pos = pos;
      NOTIFY_ASSIGN_OR_RETURN(node.text, parser.ExpectName("a variable name"));
      NOTIFY_RETURN_IF_ERROR(parser.ExpectOp("="));
      NOTIFY_ASSIGN_OR_RETURN(node.value, parser.ParseFiltered());
      NOTIFY_RETURN_IF_ERROR(parser.ExpectEnd());
      if (std::vector<Node>* body = current(); body != nullptr) body->push_back(std::move(node));
    } else if (tag == "capture") {
      Node node;
      node.kind = NodeKind::kCapture;
      node.pos = pos;
      NOTIFY_ASSIGN_OR_RETURN(node.text, parser.ExpectName("a variable name"));
      NOTIFY_RETURN_IF_ERROR(parser.ExpectEnd());
      NOTIFY_RETURN_IF_ERROR(open_block(std::move(node), tag));
    } else if (absl::StartsWith(tag, "end")) {
      const std::string opened = tag.substr(3);
      if (stack.empty() || stack.back().tag != opened) {
        return ErrorAt(name_pos, stack.empty()
                                     ? absl::StrCat("unexpected '", tag, "'")
                                     : absl::StrCat("unexpected '", tag, "', expected 'end",
                                                    stack.back().tag, "'"));
      }
      NOTIFY_RETURN_IF_ERROR(parser.ExpectEnd());
      stack.pop_back();
    } else {
      return ErrorAt(name_pos, absl::StrCat("unknown tag '", tag, "'"));
    }
  }
  if (!stack.empty()) {
    return ErrorAt(stack.back().node->pos,
                   absl::StrCat("'", stack.back().tag, "' block is never closed"));
  }
  return tree;
}

// ---------------------------------------------------------------------------------------------
// Values.

std::string ToText(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return "";
    case json::value_t::string:
      return value.get<std::string>();
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    default:
      return value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

bool Truthy(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return false;
    case json::value_t::boolean:
      return value.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return value.get<double>() != 0;
    case json::value_t::string:
      // nlohmann's empty() is false for every string; the text itself must be checked.
      return !value.get_ref<const std::string&>().empty();
    case json::value_t::array:
    case json::value_t::object:
      return !value.empty();
    default:
      return true;
  }
}

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool LooseEqual(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_number_float() || b.is_number_float()) return a.get<double>() == b.get<double>();
    return a == b;
  }
  return a == b;
}

bool Contains(const json& haystack, const json& needle) {
  if (haystack.is_string()) {
    return absl::StrContains(haystack.get<std::string>(), ToText(needle));
  }
  if (haystack.is_array()) {
    return std::any_of(haystack.begin(), haystack.end(),
                       [&](const json& item) { return LooseEqual(item, needle); });
  }
  if (haystack.is_object() && needle.is_string())
    return haystack.contains(needle.get<std::string>());
  return false;
}

bool Compare(const std::string& op, const json& a, const json& b) {
  if (op == "==") return LooseEqual(a, b);
  if (op == "!=") return !LooseEqual(a, b);
  if (op == "contains") return Contains(a, b);
  if (op == "in") return Contains(b, a);
  int order = 0;
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>();
    const double y = b.get<double>();
    order = x < y ? -1 : x > y ? 1 : 0;
  } else if (a.is_string() && b.is_string()) {
    order = a.get<std::string>().compare(b.get<std::string>());
  } else {
    return false;  // Django's choice: an ordering between unlike values is simply false.
  }
  if (op == "<") return order < 0;
  if (op == "<=") return order <= 0;
  if (op == ">") return order > 0;
  return order >= 0;
}

// ---------------------------------------------------------------------------------------------
// Rendering.

class Renderer {
 public:
  Renderer(const json& context, const RenderOptions& options)
      : context_(context), options_(options) {
    for (const auto& [name, html] : options_.safe_values) {
      globals_[name] = html;
      safe_globals_.insert(name);
    }
  }

  absl::Status RenderBody(const std::vector<Node>& body, std::string& out, int depth) {
    if (depth > options_.max_depth) {
      return absl::ResourceExhaustedError(
          absl::StrCat("blocks nested more than ", options_.max_depth, " deep"));
    }
    for (const Node& node : body) NOTIFY_RETURN_IF_ERROR(RenderNode(node, out, depth));
    return absl::OkStatus();
  }

 private:
  absl::Status Append(std::string& out, absl::string_view text) {
    produced_ += text.size();
    if (produced_ > options_.max_output_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("output exceeds ", options_.max_output_bytes, " bytes"));
    }
    out.append(text.data(), text.size());
    return absl::OkStatus();
  }

  absl::Status RenderNode(const Node& node, std::string& out, int depth) {
    switch (node.kind) {
      case NodeKind::kText:
        return Append(out, node.text);
      case NodeKind::kOutput: {
        NOTIFY_ASSIGN_OR_RETURN(Value value, Evaluate(node.value));
        const std::string text = ToText(value.data);
        return Append(out, options_.html_escape && !value.safe ? HtmlEscape(text) : text);
      }
      case NodeKind::kIf: {
        for (const Branch& branch : node.branches) {
          NOTIFY_ASSIGN_OR_RETURN(bool holds, Test(branch.cond));
          if (holds) return RenderBody(branch.body, out, depth + 1);
        }
        return RenderBody(node.else_body, out, depth + 1);
      }
      case NodeKind::kFor:
        return RenderFor(node, out, depth);
      case NodeKind::kCase: {
        NOTIFY_ASSIGN_OR_RETURN(Value subject, Evaluate(node.value));
        for (const When& when : node.whens) {
          for (const Filtered& candidate : when.values) {
            NOTIFY_ASSIGN_OR_RETURN(Value value, Evaluate(candidate));
            if (LooseEqual(subject.data, value.data)) return RenderBody(when.body, out, depth + 1);
          }
        }
        return RenderBody(node.else_body, out, depth + 1);
      }
      case NodeKind::kAssign: {
        NOTIFY_ASSIGN_OR_RETURN(Value value, Evaluate(node.value));
        globals_[node.text] = std::move(value.data);
        if (value.safe) {
          safe_globals_.insert(node.text);
        } else {
          safe_globals_.erase(node.text);
        }
        return absl::OkStatus();
      }
      case NodeKind::kCapture: {
        std::string captured;
        NOTIFY_RETURN_IF_ERROR(RenderBody(node.body, captured, depth + 1));
        globals_[node.text] = std::move(captured);
        // Its output was escaped as it was rendered; printing it must not escape it again.
        safe_globals_.insert(node.text);
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::int64_t> Count(const std::optional<Filtered>& expr, std::int64_t fallback) {
    if (!expr.has_value()) return fallback;
    NOTIFY_ASSIGN_OR_RETURN(Value value, Evaluate(*expr));
    if (value.data.is_number()) return std::max<std::int64_t>(0, value.data.get<std::int64_t>());
    std::int64_t parsed = 0;
    if (value.data.is_string() && absl::SimpleAtoi(value.data.get<std::string>(), &parsed)) {
      return std::max<std::int64_t>(0, parsed);
    }
    return fallback;
  }

  absl::Status RenderFor(const Node& node, std::string& out, int depth) {
    NOTIFY_ASSIGN_OR_RETURN(Value collection, Evaluate(node.value));
    std::vector<const json*> items;
    if (collection.data.is_array()) {
      for (const json& item : collection.data) items.push_back(&item);
    }
    NOTIFY_ASSIGN_OR_RETURN(std::int64_t offset, Count(node.offset, 0));
    NOTIFY_ASSIGN_OR_RETURN(std::int64_t limit,
                            Count(node.limit, static_cast<std::int64_t>(items.size())));
    const std::size_t begin = std::min(items.size(), static_cast<std::size_t>(offset));
    const std::size_t end = std::min(items.size(), begin + static_cast<std::size_t>(limit));
    items = std::vector<const json*>(items.begin() + begin, items.begin() + end);
    if (node.reversed) std::reverse(items.begin(), items.end());
    if (items.empty()) return RenderBody(node.else_body, out, depth + 1);
    const std::int64_t length = static_cast<std::int64_t>(items.size());
    for (std::int64_t i = 0; i < length; ++i) {
      if (++iterations_ > options_.max_loop_iterations) {
        return absl::ResourceExhaustedError(
            absl::StrCat("loops ran more than ", options_.max_loop_iterations, " iterations"));
      }
      json scope = json::object();
      scope[node.text] = *items[i];
      scope["forloop"] = {{"index", i + 1},       {"index0", i},
                          {"rindex", length - i}, {"rindex0", length - i - 1},
                          {"first", i == 0},      {"last", i == length - 1},
                          {"length", length}};
      scopes_.push_back(std::move(scope));
      absl::Status status = RenderBody(node.body, out, depth + 1);
      scopes_.pop_back();
      NOTIFY_RETURN_IF_ERROR(status);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<bool> Test(const Cond& cond) {
    switch (cond.kind) {
      case CondKind::kOr:
      case CondKind::kAnd: {
        const bool is_or = cond.kind == CondKind::kOr;
        for (const Cond& child : cond.children) {
          NOTIFY_ASSIGN_OR_RETURN(bool holds, Test(child));
          if (holds == is_or) return is_or;
        }
        return !is_or;
      }
      case CondKind::kNot: {
        NOTIFY_ASSIGN_OR_RETURN(bool holds, Test(cond.children.front()));
        return !holds;
      }
      case CondKind::kTruthy: {
        NOTIFY_ASSIGN_OR_RETURN(Value value, Evaluate(cond.left));
        return Truthy(value.data);
      }
      case CondKind::kCompare: {
        NOTIFY_ASSIGN_OR_RETURN(Value left, Evaluate(cond.left));
        NOTIFY_ASSIGN_OR_RETURN(Value right, Evaluate(cond.right));
        return Compare(cond.op, left.data, right.data);
      }
    }
    return false;
  }

  Value Resolve(const Operand& operand) const {
    if (operand.is_literal) return Value{operand.literal};
    const std::string& head = operand.path.front();
    const json* current = nullptr;
    for (auto it = scopes_.rbegin(); it != scopes_.rend() && current == nullptr; ++it) {
      if (auto found = it->find(head); found != it->end()) current = &*found;
    }
    bool safe = false;
    if (current == nullptr && globals_.contains(head)) {
      current = &globals_[head];
      safe = safe_globals_.count(head) > 0 && operand.path.size() == 1;
    }
    if (current == nullptr && context_.is_object()) {
      if (auto found = context_.find(head); found != context_.end()) current = &*found;
    }
    if (current == nullptr) return Value{};
    for (std::size_t i = 1; i < operand.path.size(); ++i) {
      const std::string& segment = operand.path[i];
      std::size_t index = 0;
      if (current->is_object()) {
        auto found = current->find(segment);
        if (found != current->end()) {
          current = &*found;
          continue;
        }
      } else if (current->is_array() && absl::SimpleAtoi(segment, &index)) {
        if (index >= current->size()) return Value{};
        current = &(*current)[index];
        continue;
      }
      // Liquid's properties of lists and strings, when no key of that name exists.
      if (i + 1 == operand.path.size() && (current->is_array() || current->is_string())) {
        if (segment == "size") {
          return Value{current->is_array() ? current->size() : current->get<std::string>().size()};
        }
        if (current->is_array() && !current->empty() && segment == "first") {
          return Value{current->front()};
        }
        if (current->is_array() && !current->empty() && segment == "last") {
          return Value{current->back()};
        }
      }
      return Value{};
    }
    return Value{*current, safe};
  }

  absl::StatusOr<Value> Evaluate(const Filtered& filtered) {
    Value value = Resolve(filtered.base);
    for (const FilterCall& call : filtered.filters) {
      std::vector<json> args;
      args.reserve(call.args.size());
      for (const Operand& arg : call.args) args.push_back(Resolve(arg).data);
      absl::StatusOr<Value> result = call.spec->fn(std::move(value), args, options_);
      if (!result.ok()) {
        if (result.status().code() != absl::StatusCode::kInvalidArgument) return result.status();
        return ErrorAt(call.pos, result.status().message());
      }
      value = *std::move(result);
      // Values grow without reaching the output through assign; a chain of appends is bounded here.
      if (value.data.is_string() &&
          value.data.get_ref<const std::string&>().size() > options_.max_output_bytes) {
        return absl::ResourceExhaustedError(
            absl::StrCat("a value exceeds ", options_.max_output_bytes, " bytes"));
      }
    }
    return value;
  }

  const json& context_;
  const RenderOptions& options_;
  json globals_ = json::object();
  std::set<std::string> safe_globals_;
  std::vector<json> scopes_;
  std::size_t produced_ = 0;
  std::int64_t iterations_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Filters.

std::int64_t CountCodePoints(absl::string_view text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// The first `count` code points of `text`.
absl::string_view PrefixCodePoints(absl::string_view text, std::int64_t count) {
  std::size_t i = 0;
  for (std::int64_t seen = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && seen++ == count) break;
  }
  return text.substr(0, i);
}

std::vector<std::string> CodePoints(absl::string_view text) {
  std::vector<std::string> out;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 || out.empty()) {
      out.emplace_back(1, c);
    } else {
      out.back() += c;
    }
  }
  return out;
}

// A number as the arithmetic filters see it: integers stay exact while they fit.
struct Number {
  bool is_int = true;
  std::int64_t i = 0;
  double d = 0;
  double AsDouble() const { return is_int ? static_cast<double>(i) : d; }
  json ToJson() const { return is_int ? json(i) : json(d); }
};

Number ToNumber(const json& value) {
  Number n;
  if (value.is_number_integer() ||
      (value.is_number_unsigned() &&
       value.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))) {
    n.i = value.get<std::int64_t>();
  } else if (value.is_number()) {
    n.is_int = false;
    n.d = value.get<double>();
  } else if (value.is_string()) {
    const std::string text(absl::StripAsciiWhitespace(value.get<std::string>()));
    if (!absl::SimpleAtoi(text, &n.i)) {
      double d = 0;
      if (absl::SimpleAtod(text, &d)) {
        n.is_int = false;
        n.d = d;
      }
    }
  }
  return n;
}

std::optional<std::int64_t> ToInt(const json& value) {
  const Number n = ToNumber(value);
  if (n.is_int) return n.i;
  if (!std::isfinite(n.d) || std::fabs(n.d) > 9e18) return std::nullopt;
  return static_cast<std::int64_t>(n.d);
}

Number FromDouble(double d) {
  Number n;
  n.is_int = false;
  n.d = d;
  return n;
}

// A decimal number kept as digits, so money and floatformat round exactly: value = digits ×
// 10^-scale.
struct Decimal {
  bool negative = false;
  std::string digits;
  int scale = 0;
};

std::optional<Decimal> ParseDecimal(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  Decimal d;
  if (absl::ConsumePrefix(&text, "-")) {
    d.negative = true;
  } else {
    absl::ConsumePrefix(&text, "+");
  }
  std::size_t i = 0;
  while (i < text.size() && absl::ascii_isdigit(text[i])) d.digits += text[i++];
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && absl::ascii_isdigit(text[i])) {
      d.digits += text[i++];
      ++d.scale;
    }
  }
  if (d.digits.empty()) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    int exponent = 0;
    if (!absl::SimpleAtoi(text.substr(i + 1), &exponent) || std::abs(exponent) > 400) {
      return std::nullopt;
    }
    d.scale -= exponent;
    i = text.size();
  }
  if (i != text.size()) return std::nullopt;
  if (d.scale < 0) {
    d.digits.append(static_cast<std::size_t>(-d.scale), '0');
    d.scale = 0;
  }
  return d;
}

std::optional<Decimal> ToDecimal(const json& value) {
  if (value.is_number() || value.is_string()) return ParseDecimal(ToText(value));
  return std::nullopt;
}

// `d` with exactly `places` decimals, rounding half away from zero.
std::string FormatFixed(Decimal d, int places) {
  if (d.scale > places) {
    const std::size_t drop = static_cast<std::size_t>(d.scale - places);
    bool round_up = false;
    if (drop > d.digits.size()) {
      d.digits = "0";
    } else {
      round_up = drop > 0 && d.digits[d.digits.size() - drop] >= '5';
      d.digits.resize(d.digits.size() - drop);
      if (d.digits.empty()) d.digits = "0";
    }
    if (round_up) {
      std::size_t i = d.digits.size();
      while (i > 0 && d.digits[i - 1] == '9') d.digits[--i] = '0';
      if (i == 0) {
        d.digits.insert(d.digits.begin(), '1');
      } else {
        ++d.digits[i - 1];
      }
    }
  } else {
    d.digits.append(static_cast<std::size_t>(places - d.scale), '0');
  }
  const std::size_t first = d.digits.find_first_not_of('0');
  const bool zero = first == std::string::npos;
  d.digits = zero ? "" : d.digits.substr(first);
  const std::size_t width = static_cast<std::size_t>(places) + 1;
  if (d.digits.size() < width) d.digits.insert(0, width - d.digits.size(), '0');
  std::string out = d.negative && !zero ? "-" : "";
  out += d.digits.substr(0, d.digits.size() - places);
  if (places > 0) absl::StrAppend(&out, ".", d.digits.substr(d.digits.size() - places));
  return out;
}

std::optional<absl::Time> ToTime(const json& value) {
  if (value.is_number()) {
    const Number n = ToNumber(value);
    return n.is_int ? absl::FromUnixSeconds(n.i)
                    : absl::FromUnixMicros(static_cast<std::int64_t>(n.d * 1e6));
  }
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  if (text == "now" || text == "today") return absl::Now();
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return time;
  if (absl::ParseTime("%Y-%m-%d", text, &time, &error)) return time;
  std::int64_t seconds = 0;
  if (absl::SimpleAtoi(text, &seconds)) return absl::FromUnixSeconds(seconds);
  return std::nullopt;
}

std::string FormatDjangoDate(absl::string_view format, absl::Time time) {
  static constexpr const char* kDays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};
  static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
  const absl::CivilSecond c = absl::ToCivilSecond(time, absl::UTCTimeZone());
  const int weekday = static_cast<int>(absl::GetWeekday(absl::CivilDay(c)));
  const std::string month = kMonths[c.month() - 1];
  const std::string day = kDays[weekday];
  auto two = [](std::int64_t v) { return absl::StrFormat("%02d", v); };
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    const char f = format[i];
    switch (f) {
      case 'D':
        out += day.substr(0, 3);
        break;
      case 'l':
        out += day;
        break;
      case 'd':
        out += two(c.day());
        break;
      case 'j':
        absl::StrAppend(&out, c.day());
        break;
      case 'M':
        out += month.substr(0, 3);
        break;
      case 'F':
        out += month;
        break;
      case 'n':
        absl::StrAppend(&out, c.month());
        break;
      case 'm':
        out += two(c.month());
        break;
      case 'Y':
        absl::StrAppend(&out, c.year());
        break;
      case 'y':
        out += two(c.year() % 100);
        break;
      case 'H':
        out += two(c.hour());
        break;
      case 'G':
        absl::StrAppend(&out, c.hour());
        break;
      case 'i':
        out += two(c.minute());
        break;
      case 's':
        out += two(c.second());
        break;
      case 'A':
        out += c.hour() < 12 ? "AM" : "PM";
        break;
      case '\\':
        if (i + 1 < format.size()) out += format[++i];
        break;
      default:
        out += f;
    }
  }
  return out;
}

Value Text(std::string text) { return Value{json(std::move(text))}; }

absl::Status CheckSize(std::size_t bytes, const RenderOptions& options);

absl::StatusOr<Value> FilterDefault(Value in, const std::vector<json>& args, const RenderOptions&) {
  const json& v = in.data;
  const bool missing = v.is_null() || (v.is_boolean() && !v.get<bool>()) ||
                       (v.is_string() && v.get_ref<const std::string&>().empty()) ||
                       ((v.is_array() || v.is_object()) && v.empty());
  return missing ? Value{args[0]} : in;
}

absl::StatusOr<Value> FilterLower(Value in, const std::vector<json>&, const RenderOptions&) {
  return Text(absl::AsciiStrToLower(ToText(in.data)));
}

absl::StatusOr<Value> FilterUpper(Value in, const std::vector<json>&, const RenderOptions&) {
  return Text(absl::AsciiStrToUpper(ToText(in.data)));
}

absl::StatusOr<Value> FilterCapitalize(Value in, const std::vector<json>&, const RenderOptions&) {
  std::string text = absl::AsciiStrToLower(ToText(in.data));
  if (!text.empty()) text[0] = absl::ascii_toupper(text[0]);
  return Text(std::move(text));
}

absl::StatusOr<Value> FilterTitle(Value in, const std::vector<json>&, const RenderOptions&) {
  std::string text = ToText(in.data);
  bool start = true;
  for (char& c : text) {
    c = start ? absl::ascii_toupper(c) : absl::ascii_tolower(c);
    start = !absl::ascii_isalnum(c) && c != '\'';
  }
  return Text(std::move(text));
}

absl::StatusOr<Value> FilterTruncate(Value in, const std::vector<json>& args,
                                     const RenderOptions&) {
  const std::string text = ToText(in.data);
  const std::int64_t length = args.empty() ? 50 : ToInt(args[0]).value_or(50);
  const std::string ellipsis = args.size() > 1 ? ToText(args[1]) : "...";
  if (CountCodePoints(text) <= length) return Text(text);
  const std::int64_t keep = std::max<std::int64_t>(0, length - CountCodePoints(ellipsis));
  return Text(absl::StrCat(PrefixCodePoints(text, keep), ellipsis));
}

absl::StatusOr<Value> FilterTruncateWords(Value in, const std::vector<json>& args,
                                          const RenderOptions&) {
  const std::string text = ToText(in.data);
  const std::int64_t count =
      std::max<std::int64_t>(1, args.empty() ? 15 : ToInt(args[0]).value_or(15));
  const std::string ellipsis = args.size() > 1 ? ToText(args[1]) : "...";
  std::vector<absl::string_view> words =
      absl::StrSplit(text, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
  if (static_cast<std::int64_t>(words.size()) <= count) return Text(text);
  words.resize(static_cast<std::size_t>(count));
  return Text(absl::StrCat(absl::StrJoin(words, " "), ellipsis));
}

absl::StatusOr<Value> FilterStrip(Value in, const std::vector<json>&, const RenderOptions&) {
  return Text(std::string(absl::StripAsciiWhitespace(ToText(in.data))));
}

absl::StatusOr<Value> FilterEscape(Value in, const std::vector<json>&, const RenderOptions&) {
  return Value{HtmlEscape(ToText(in.data)), true};
}

absl::StatusOr<Value> FilterSafe(Value in, const std::vector<json>&, const RenderOptions&) {
  in.safe = true;
  return in;
}

absl::StatusOr<Value> FilterJoin(Value in, const std::vector<json>& args,
                                 const RenderOptions& options) {
  if (!in.data.is_array()) return Text(ToText(in.data));
  const std::string separator = args.empty() ? " " : ToText(args[0]);
  std::vector<std::string> parts;
  std::size_t bytes = 0;
  for (const json& item : in.data) {
    parts.push_back(ToText(item));
    bytes += parts.back().size() + separator.size();
    NOTIFY_RETURN_IF_ERROR(CheckSize(bytes, options));
  }
  return Text(absl::StrJoin(parts, separator));
}

absl::StatusOr<Value> FilterFirst(Value in, const std::vector<json>&, const RenderOptions&) {
  if (in.data.is_array()) return Value{in.data.empty() ? json() : in.data.front()};
  if (in.data.is_string())
    return Text(std::string(PrefixCodePoints(in.data.get<std::string>(), 1)));
  return Value{};
}

absl::StatusOr<Value> FilterLast(Value in, const std::vector<json>&, const RenderOptions&) {
  if (in.data.is_array()) return Value{in.data.empty() ? json() : in.data.back()};
  if (in.data.is_string()) {
    std::vector<std::string> points = CodePoints(in.data.get<std::string>());
    return points.empty() ? Text("") : Text(points.back());
  }
  return Value{};
}

absl::StatusOr<Value> FilterSize(Value in, const std::vector<json>&, const RenderOptions&) {
  if (in.data.is_string()) return Value{json(CountCodePoints(in.data.get<std::string>()))};
  if (in.data.is_array() || in.data.is_object()) return Value{json(in.data.size())};
  return Value{json(0)};
}

absl::StatusOr<Value> FilterDate(Value in, const std::vector<json>& args, const RenderOptions&) {
  if (in.data.is_null() || in.data == "") return Text("");
  const std::optional<absl::Time> time = ToTime(in.data);
  if (!time.has_value()) return in;  // Liquid hands back what is not a date.
  const std::string format = args.empty() ? "Y-m-d H:i:s" : ToText(args[0]);
  if (absl::StrContains(format, '%')) {
    return Text(absl::FormatTime(format, *time, absl::UTCTimeZone()));
  }
  return Text(FormatDjangoDate(format, *time));
}

absl::StatusOr<Value> FilterTimestamp(Value in, const std::vector<json>&, const RenderOptions&) {
  if (in.data.is_null() || in.data == "") return Value{};
  const Number n = ToNumber(in.data);
  const absl::Time time = n.is_int ? absl::FromUnixMillis(n.i)
                                   : absl::FromUnixMicros(static_cast<std::int64_t>(n.d * 1000));
  return Text(absl::FormatTime(absl::RFC3339_full, time, absl::UTCTimeZone()));
}

enum class Op { kPlus, kMinus, kTimes };

absl::StatusOr<Value> Arithmetic(Op op, const json& left, const json& right) {
  const Number a = ToNumber(left);
  const Number b = ToNumber(right);
  if (a.is_int && b.is_int) {
    std::int64_t result = 0;
    const bool overflow = op == Op::kPlus    ? __builtin_add_overflow(a.i, b.i, &result)
                          : op == Op::kMinus ? __builtin_sub_overflow(a.i, b.i, &result)
                                             : __builtin_mul_overflow(a.i, b.i, &result);
    if (!overflow) return Value{json(result)};
  }
  const double x = a.AsDouble();
  const double y = b.AsDouble();
  return Value{FromDouble(op == Op::kPlus ? x + y : op == Op::kMinus ? x - y : x * y).ToJson()};
}

absl::StatusOr<Value> FilterPlus(Value in, const std::vector<json>& args, const RenderOptions&) {
  return Arithmetic(Op::kPlus, in.data, args[0]);
}

absl::StatusOr<Value> FilterMinus(Value in, const std::vector<json>& args, const RenderOptions&) {
  return Arithmetic(Op::kMinus, in.data, args[0]);
}

absl::StatusOr<Value> FilterTimes(Value in, const std::vector<json>& args, const RenderOptions&) {
  return Arithmetic(Op::kTimes, in.data, args[0]);
}

absl::StatusOr<Value> FilterDividedBy(Value in, const std::vector<json>& args,
                                      const RenderOptions&) {
  const Number a = ToNumber(in.data);
  const Number b = ToNumber(args[0]);
  if (b.AsDouble() == 0) return absl::InvalidArgumentError("divided_by zero");
  if (a.is_int && b.is_int && !(a.i == INT64_MIN && b.i == -1)) {
    // Liquid divides integers by flooring, as Ruby does.
    std::int64_t quotient = a.i / b.i;
    if ((a.i % b.i != 0) && ((a.i < 0) != (b.i < 0))) --quotient;
    return Value{json(quotient)};
  }
  return Value{json(a.AsDouble() / b.AsDouble())};
}

json WholeOrDouble(double d) {
  if (std::isfinite(d) && std::fabs(d) < 9e18) return json(static_cast<std::int64_t>(d));
  return json(d);
}

absl::StatusOr<Value> FilterRound(Value in, const std::vector<json>& args, const RenderOptions&) {
  const Number n = ToNumber(in.data);
  const std::int64_t places = args.empty() ? 0 : ToInt(args[0]).value_or(0);
  if (n.is_int) return Value{json(n.i)};
  if (places <= 0) return Value{WholeOrDouble(std::round(n.d))};
  const double scale = std::pow(10.0, static_cast<double>(std::min<std::int64_t>(places, 15)));
  return Value{json(std::round(n.d * scale) / scale)};
}

absl::StatusOr<Value> FilterFloor(Value in, const std::vector<json>&, const RenderOptions&) {
  const Number n = ToNumber(in.data);
  return Value{n.is_int ? json(n.i) : WholeOrDouble(std::floor(n.d))};
}

absl::StatusOr<Value> FilterCeil(Value in, const std::vector<json>&, const RenderOptions&) {
  const Number n = ToNumber(in.data);
  return Value{n.is_int ? json(n.i) : WholeOrDouble(std::ceil(n.d))};
}

absl::StatusOr<Value> FilterAbs(Value in, const std::vector<json>&, const RenderOptions&) {
  const Number n = ToNumber(in.data);
  if (n.is_int && n.i != INT64_MIN) return Value{json(n.i < 0 ? -n.i : n.i)};
  return Value{json(std::fabs(n.AsDouble()))};
}

absl::StatusOr<Value> FilterAppend(Value in, const std::vector<json>& args, const RenderOptions&) {
  return Text(absl::StrCat(ToText(in.data), ToText(args[0])));
}

absl::StatusOr<Value> FilterPrepend(Value in, const std::vector<json>& args, const RenderOptions&) {
  return Text(absl::StrCat(ToText(args[0]), ToText(in.data)));
}

// Filters that can multiply a text check the size first, so a bomb fails before it allocates.
absl::Status CheckSize(std::size_t bytes, const RenderOptions& options) {
  if (bytes <= options.max_output_bytes) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("a value exceeds ", options.max_output_bytes, " bytes"));
}

absl::StatusOr<Value> FilterReplace(Value in, const std::vector<json>& args,
                                    const RenderOptions& options) {
  const std::string from = ToText(args[0]);
  const std::string text = ToText(in.data);
  if (from.empty()) return Text(text);
  const std::string to = ToText(args[1]);
  std::size_t count = 0;
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + from.size())) {
    ++count;
  }
  if (to.size() > from.size()) {
    NOTIFY_RETURN_IF_ERROR(CheckSize(text.size() + count * (to.size() - from.size()), options));
  }
  return Text(absl::StrReplaceAll(text, {{from, to}}));
}

absl::StatusOr<Value> FilterRemove(Value in, const std::vector<json>& args, const RenderOptions&) {
  const std::string from = ToText(args[0]);
  if (from.empty()) return Text(ToText(in.data));
  return Text(absl::StrReplaceAll(ToText(in.data), {{from, ""}}));
}

absl::StatusOr<Value> FilterSplit(Value in, const std::vector<json>& args, const RenderOptions&) {
  const std::string text = ToText(in.data);
  const std::string separator = ToText(args[0]);
  json parts = json::array();
  if (text.empty()) return Value{parts};
  if (separator.empty()) {
    for (std::string& point : CodePoints(text)) parts.push_back(std::move(point));
  } else {
    for (absl::string_view part : absl::StrSplit(text, separator))
      parts.push_back(std::string(part));
  }
  return Value{parts};
}

absl::StatusOr<Value> FilterUrlEncode(Value in, const std::vector<json>&, const RenderOptions&) {
  std::string out;
  for (char c : ToText(in.data)) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      absl::StrAppend(&out, absl::StrFormat("%%%02X", static_cast<unsigned char>(c)));
    }
  }
  return Text(std::move(out));
}

absl::StatusOr<Value> FilterNewlineToBr(Value in, const std::vector<json>&,
                                        const RenderOptions& options) {
  std::string text = ToText(in.data);
  // The <br /> tags must survive auto-escaping, so the rest is escaped here instead.
  if (options.html_escape && !in.safe) text = HtmlEscape(text);
  return Value{absl::StrReplaceAll(text, {{"\n", "<br />\n"}}), true};
}

absl::StatusOr<Value> FilterFloatFormat(Value in, const std::vector<json>& args,
                                        const RenderOptions&) {
  const std::optional<Decimal> d = ToDecimal(in.data);
  if (!d.has_value()) return Text("");  // Django prints nothing for what is not a number.
  const std::int64_t wanted = args.empty() ? -1 : ToInt(args[0]).value_or(-1);
  const int places = static_cast<int>(std::min<std::int64_t>(std::abs(wanted), 30));
  std::string out = FormatFixed(*d, places);
  if (wanted < 0 && places > 0 &&
      out.find_first_not_of('0', out.size() - static_cast<std::size_t>(places)) ==
          std::string::npos) {
    out = FormatFixed(*d, 0);
  }
  return Text(std::move(out));
}

absl::StatusOr<Value> FilterMoney(Value in, const std::vector<json>& args, const RenderOptions&) {
  if (in.data.is_null()) return Value{};
  std::optional<Decimal> d = ToDecimal(in.data);
  if (!d.has_value()) return absl::InvalidArgumentError("money needs a number");
  const std::optional<std::int64_t> places = ToInt(args[0]);
  if (!places.has_value() || *places < 0 || *places > 30) {
    return absl::InvalidArgumentError("money needs a divisibility from 0 to 30");
  }
  // Shifting the decimal point keeps integers exact, whatever their size.
  d->scale += static_cast<int>(*places);
  return Text(FormatFixed(*d, static_cast<int>(*places)));
}

const FilterSpec* FindFilter(absl::string_view name) {
  static const auto* const kFilters = new std::map<std::string, FilterSpec, std::less<>>{
      {"abs", {FilterAbs, 0, 0}},
      {"append", {FilterAppend, 1, 1}},
      {"capitalize", {FilterCapitalize, 0, 0}},
      {"ceil", {FilterCeil, 0, 0}},
      {"date", {FilterDate, 0, 1}},
      {"default", {FilterDefault, 1, 1}},
      {"divided_by", {FilterDividedBy, 1, 1}},
      {"downcase", {FilterLower, 0, 0}},
      {"escape", {FilterEscape, 0, 0}},
      {"first", {FilterFirst, 0, 0}},
      {"floatformat", {FilterFloatFormat, 0, 1}},
      {"floor", {FilterFloor, 0, 0}},
      {"join", {FilterJoin, 0, 1}},
      {"last", {FilterLast, 0, 0}},
      {"length", {FilterSize, 0, 0}},
      {"lower", {FilterLower, 0, 0}},
      {"minus", {FilterMinus, 1, 1}},
      {"money", {FilterMoney, 1, 1}},
      {"newline_to_br", {FilterNewlineToBr, 0, 0}},
      {"plus", {FilterPlus, 1, 1}},
      {"prepend", {FilterPrepend, 1, 1}},
      {"remove", {FilterRemove, 1, 1}},
      {"replace", {FilterReplace, 2, 2}},
      {"round", {FilterRound, 0, 1}},
      {"safe", {FilterSafe, 0, 0}},
      {"size", {FilterSize, 0, 0}},
      {"split", {FilterSplit, 1, 1}},
      {"strip", {FilterStrip, 0, 0}},
      {"times", {FilterTimes, 1, 1}},
      {"timestamp", {FilterTimestamp, 0, 0}},
      {"title", {FilterTitle, 0, 0}},
      {"truncate", {FilterTruncate, 0, 2}},
      {"truncatewords", {FilterTruncateWords, 0, 2}},
      {"upcase", {FilterUpper, 0, 0}},
      {"upper", {FilterUpper, 0, 0}},
      {"url_encode", {FilterUrlEncode, 0, 0}},
  };
  auto it = kFilters->find(name);
  return it == kFilters->end() ? nullptr : &it->second;
}

}  // namespace

absl::StatusOr<Template> Template::Parse(absl::string_view text) {
  NOTIFY_ASSIGN_OR_RETURN(Tree tree, BuildTree(text));
  return Template(std::make_shared<const Tree>(std::move(tree)));
}

absl::StatusOr<std::string> Template::Render(const nlohmann::json& context,
                                             const RenderOptions& options) const {
  Renderer renderer(context, options);
  std::string out;
  NOTIFY_RETURN_IF_ERROR(renderer.RenderBody(tree_->root, out, 0));
  return out;
}

absl::Status EngineTemplateChecker::Check(absl::string_view text) const {
  return Template::Parse(text).status();
}

}  // namespace notify
