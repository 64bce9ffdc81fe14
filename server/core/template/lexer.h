// Splitting a template's source into text, `{{ output }}`, `{% tags %}` and comments, each
// dialect by its own rules, and mapping byte offsets to the line and column errors name.
#ifndef NOTIFY_SERVER_CORE_TEMPLATE_LEXER_H_
#define NOTIFY_SERVER_CORE_TEMPLATE_LEXER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/core/template/value.h"

namespace notify::tmpl {

// 1-based.
struct Position {
  int line = 1;
  int column = 1;
};

// "line L, column C: MESSAGE": how every template error starts.
std::string At(Position pos, absl::string_view message);
absl::Status ErrorAt(Position pos, absl::string_view message);

// Maps byte offsets of one text to positions. The one mapper for templates and expressions.
class LineMap {
 public:
  explicit LineMap(absl::string_view text);
  Position At(std::size_t offset) const;

 private:
  std::vector<std::size_t> starts_;
};

struct Piece {
  enum class Kind { kText, kOutput, kTag };
  Kind kind = Kind::kText;
  // kText: the text, whitespace control already applied. kOutput/kTag: what stands between the
  // delimiters and the trim markers, with surrounding whitespace removed.
  std::string text;
  std::size_t offset = 0;          // Of the piece in the source.
  std::size_t content_offset = 0;  // Of `text` in the source (kOutput/kTag).
};

// Django's rules: `{{ }}`, `{% %}` and `{# #}` never span lines (a delimiter pair across a
// newline is plain text, as is an unclosed one); `{% verbatim %}` bodies are text; `{# #}`
// comments vanish. Liquid's: tags may span lines; `{{ x }` closes with one brace; an unclosed `{{`
// or `{%` is an error; `-` inside a delimiter strips the whitespace next to it (`{%-` before,
// `-%}` after); `{% raw %}` bodies are text. Tags' own bodies (comment, raw in Liquid) are the
// parser's business except as said.
absl::StatusOr<std::vector<Piece>> Lex(absl::string_view text, Syntax syntax, const LineMap& lines);

}  // namespace notify::tmpl

#endif  // NOTIFY_SERVER_CORE_TEMPLATE_LEXER_H_
