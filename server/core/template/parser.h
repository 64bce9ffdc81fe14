// Building the tree: pieces from the lexer become text and output nodes, and each `{% tag %}` is
// handed to its dialect's tag parser, which may read a body up to its end tag.
#ifndef NOTIFY_SERVER_CORE_TEMPLATE_PARSER_H_
#define NOTIFY_SERVER_CORE_TEMPLATE_PARSER_H_

#include <cstddef>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/core/template/ast.h"
#include "server/core/template/lexer.h"

namespace notify::tmpl {

// `{% name markup %}`.
struct TagStart {
  std::string name;
  std::string markup;
  std::size_t markup_offset = 0;
  Position pos;
};

class Parser {
 public:
  Parser(std::vector<Piece> pieces, Syntax syntax, const LineMap& lines);

  // The whole template. InvalidArgument ("line L, column C: ...") when it does not parse.
  absl::StatusOr<NodeList> ParseDocument();

  struct Body {
    NodeList nodes;
    TagStart end;  // The tag that ended the body.
    bool blank = true;
  };
  // Reads nodes up to a tag named in `ends`, which it consumes and returns. Errors: the input ends
  // first ("'if' is never closed"), or another tag's end or middle comes first.
  absl::StatusOr<Body> ParseBody(std::initializer_list<absl::string_view> ends,
                                 const TagStart& opener);
  // Skips pieces up to the tag whose whole content is `end` (Django's comment), consumed.
  absl::Status SkipPast(absl::string_view end, const TagStart& opener);
  // Liquid's comment: a body whose unknown tags are ignored, up to `endcomment`.
  absl::Status SkipComment(const TagStart& opener);

  // A parser over the lines of a Liquid `{% liquid %}` tag, each line one tag.
  absl::StatusOr<NodeList> ParseLiquidLines(const TagStart& tag);

  Syntax syntax() const { return syntax_; }
  const LineMap& lines() const { return lines_; }

  // What tags of one template share while it is parsed (Django's named cycles).
  std::map<std::string, std::shared_ptr<void>>& registry() { return registry_; }

 private:
  absl::StatusOr<Body> Parse(std::initializer_list<absl::string_view> ends, const TagStart* opener,
                             bool ignore_unknown);

  std::vector<Piece> pieces_;
  std::size_t index_ = 0;
  Syntax syntax_;
  const LineMap& lines_;
  int depth_ = 0;
  std::map<std::string, std::shared_ptr<void>> registry_;
};

// A tag's parser: reads the tag (and its body through `parser`) into a node, or returns null for a
// tag that makes none (Liquid's `{% liquid %}` lines append their own).
using TagParser = absl::StatusOr<std::unique_ptr<const Node>> (*)(Parser& parser,
                                                                  const TagStart& tag);
// nullptr for an unknown tag; tags refused here (Django's include, load, url...) have parsers
// that say why.
TagParser FindDjangoTag(absl::string_view name);
TagParser FindLiquidTag(absl::string_view name);

// The nodes every dialect has.
class TextNode final : public Node {
 public:
  TextNode(Position pos, std::string text) : Node(pos), text_(std::move(text)) {}
  absl::Status Render(RenderState& state, std::string& out) const override;
  bool blank() const override;
  bool is_text() const override { return true; }

 private:
  std::string text_;
};

class OutputNode final : public Node {
 public:
  OutputNode(Position pos, FilterExpr expr) : Node(pos), expr_(std::move(expr)) {}
  absl::Status Render(RenderState& state, std::string& out) const override;

 private:
  FilterExpr expr_;
};

// A list of nodes as one (what a `{% liquid %}` tag's lines make).
class SequenceNode final : public Node {
 public:
  SequenceNode(Position pos, NodeList nodes, bool blank)
      : Node(pos), nodes_(std::move(nodes)), blank_(blank) {}
  absl::Status Render(RenderState& state, std::string& out) const override;
  bool blank() const override { return blank_; }

 private:
  NodeList nodes_;
  bool blank_;
};

// Drops whitespace-only text from a Liquid body whose nodes are all blank.
void RemoveBlankText(NodeList& nodes);

}  // namespace notify::tmpl

#endif  // NOTIFY_SERVER_CORE_TEMPLATE_PARSER_H_
