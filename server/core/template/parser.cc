#include "server/core/template/parser.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/status.h"
#include "server/core/template/expression_parser.h"
#include "server/core/template/render.h"

namespace notify::tmpl {

namespace {

// Below the render's default depth (budget.h), so that what parses renders.
constexpr int kMaxNesting = 60;

bool IsWhitespace(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isspace(c); });
}

// Splits a tag's content into its name and the rest. Liquid's names are `\w+` or `#`; Django's
// run to the first whitespace.
TagStart MakeTag(const Piece& piece, Syntax syntax, const LineMap& lines) {
  const absl::string_view content = piece.text;
  std::size_t end = 0;
  if (syntax == Syntax::kLiquid && !content.empty() && content[0] == '#') {
    end = 1;
  } else if (syntax == Syntax::kLiquid) {
    while (end < content.size() && (absl::ascii_isalnum(content[end]) || content[end] == '_'))
      ++end;
  } else {
    while (end < content.size() && !absl::ascii_isspace(content[end])) ++end;
  }
  std::size_t rest = end;
  while (rest < content.size() && absl::ascii_isspace(content[rest])) ++rest;
  TagStart tag;
  tag.name = std::string(content.substr(0, end));
  tag.markup = std::string(content.substr(rest));
  tag.markup_offset = piece.content_offset + rest;
  tag.pos = lines.At(piece.offset);
  return tag;
}

bool IsMiddleOrEnd(absl::string_view name) {
  return absl::StartsWith(name, "end") || name == "else" || name == "elif" || name == "elsif" ||
         name == "empty" || name == "when";
}

}  // namespace

Parser::Parser(std::vector<Piece> pieces, Syntax syntax, const LineMap& lines)
    : pieces_(std::move(pieces)), syntax_(syntax), lines_(lines) {}

absl::StatusOr<NodeList> Parser::ParseDocument() {
  NOTIFY_ASSIGN_OR_RETURN(Body body, Parse({}, nullptr, false));
  return std::move(body.nodes);
}

absl::StatusOr<Parser::Body> Parser::ParseBody(std::initializer_list<absl::string_view> ends,
                                               const TagStart& opener) {
  return Parse(ends, &opener, false);
}

absl::Status Parser::SkipComment(const TagStart& opener) {
  return Parse({"endcomment"}, &opener, true).status();
}

absl::Status Parser::SkipPast(absl::string_view end, const TagStart& opener) {
  while (index_ < pieces_.size()) {
    const Piece& piece = pieces_[index_++];
    if (piece.kind == Piece::Kind::kTag && piece.text == end) return absl::OkStatus();
  }
  return ErrorAt(opener.pos, absl::StrCat("'", opener.name, "' is never closed with '", end, "'"));
}

absl::StatusOr<Parser::Body> Parser::Parse(std::initializer_list<absl::string_view> ends,
                                           const TagStart* opener, bool ignore_unknown) {
  if (depth_ > kMaxNesting) {
    return ErrorAt(opener->pos, absl::StrCat("blocks nested more than ", kMaxNesting, " deep"));
  }
  ++depth_;
  Body body;
  while (index_ < pieces_.size()) {
    const Piece& piece = pieces_[index_++];
    const Position pos = lines_.At(piece.offset);
    if (piece.kind == Piece::Kind::kText) {
      body.blank = body.blank && IsWhitespace(piece.text);
      body.nodes.push_back(std::make_unique<TextNode>(pos, piece.text));
      continue;
    }
    if (piece.kind == Piece::Kind::kOutput) {
      body.blank = false;
      FilterExpr expr;
      if (syntax_ == Syntax::kDjango) {
        if (piece.text.empty()) return ErrorAt(pos, "empty '{{ }}'");
        NOTIFY_ASSIGN_OR_RETURN(expr,
                                ParseDjangoFilterExpr(piece.text, piece.content_offset, lines_));
      } else if (piece.text.empty()) {
        expr.base.literal = Value::Nil();  // Liquid prints nothing for `{{ }}`.
      } else {
        NOTIFY_ASSIGN_OR_RETURN(LiquidParser p,
                                LiquidParser::Make(piece.text, piece.content_offset, lines_));
        NOTIFY_ASSIGN_OR_RETURN(expr, p.ParseFilterExpr());
        NOTIFY_RETURN_IF_ERROR(p.ExpectEnd());
      }
      body.nodes.push_back(std::make_unique<OutputNode>(pos, std::move(expr)));
      continue;
    }
    TagStart tag = MakeTag(piece, syntax_, lines_);
    if (tag.name.empty()) {
      if (ignore_unknown) continue;
      return ErrorAt(pos, piece.text.empty() ? "empty '{% %}'" : "expected a tag name");
    }
    if (std::find(ends.begin(), ends.end(), tag.name) != ends.end()) {
      body.end = std::move(tag);
      --depth_;
      return body;
    }
    const TagParser parse =
        syntax_ == Syntax::kDjango ? FindDjangoTag(tag.name) : FindLiquidTag(tag.name);
    if (parse == nullptr) {
      if (ignore_unknown) continue;
      // Errors about a tag point at its name.
      const Position name_pos = lines_.At(piece.content_offset);
      if (IsMiddleOrEnd(tag.name)) {
        return ErrorAt(name_pos, opener == nullptr
                                     ? absl::StrCat("unexpected '", tag.name, "'")
                                     : absl::StrCat("unexpected '", tag.name, "', expected '",
                                                    *(ends.end() - 1), "'"));
      }
      return ErrorAt(name_pos, absl::StrCat("unknown tag '", tag.name, "'"));
    }
    NOTIFY_ASSIGN_OR_RETURN(std::unique_ptr<const Node> node, parse(*this, tag));
    if (node != nullptr) {
      body.blank = body.blank && node->blank();
      body.nodes.push_back(std::move(node));
    }
  }
  if (opener != nullptr) {
    // The last of `ends` is the block's own end tag.
    return ErrorAt(opener->pos, absl::StrCat("'", opener->name, "' is never closed with '",
                                             *(ends.end() - 1), "'"));
  }
  --depth_;
  return body;
}

absl::StatusOr<NodeList> Parser::ParseLiquidLines(const TagStart& tag) {
  std::vector<Piece> pieces;
  std::size_t start = 0;
  const absl::string_view markup = tag.markup;
  while (start <= markup.size()) {
    std::size_t end = markup.find('\n', start);
    if (end == absl::string_view::npos) end = markup.size();
    const absl::string_view line = markup.substr(start, end - start);
    const absl::string_view content = absl::StripAsciiWhitespace(line);
    if (!content.empty()) {
      const std::size_t offset =
          tag.markup_offset + start + static_cast<std::size_t>(content.data() - line.data());
      pieces.push_back(Piece{Piece::Kind::kTag, std::string(content), offset, offset});
    }
    start = end + 1;
  }
  Parser lines_parser(std::move(pieces), syntax_, lines_);
  lines_parser.depth_ = depth_ + 1;
  return lines_parser.ParseDocument();
}

// ------------------------------------------------------------------------------------------------

absl::Status TextNode::Render(RenderState& state, std::string& out) const {
  return state.Append(out, text_);
}

bool TextNode::blank() const { return IsWhitespace(text_); }

absl::Status OutputNode::Render(RenderState& state, std::string& out) const {
  NOTIFY_ASSIGN_OR_RETURN(Value value, state.Eval(expr_));
  return state.Output(value, out);
}

absl::Status SequenceNode::Render(RenderState& state, std::string& out) const {
  for (const auto& node : nodes_) {
    NOTIFY_RETURN_IF_ERROR(node->Render(state, out));
    if (state.interrupt != RenderState::Interrupt::kNone) break;
  }
  return absl::OkStatus();
}

void RemoveBlankText(NodeList& nodes) {
  nodes.erase(std::remove_if(nodes.begin(), nodes.end(),
                             [](const std::unique_ptr<const Node>& n) { return n->is_text(); }),
              nodes.end());
}

}  // namespace notify::tmpl
