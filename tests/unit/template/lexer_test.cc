// How each dialect splits a source into pieces.
#include "server/core/template/lexer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace notify::tmpl {
namespace {

// The pieces as "T:text", "O:output", "G:tag", joined by "|"; or "ERROR message".
std::string Pieces(const std::string& text, Syntax syntax) {
  const LineMap lines(text);
  absl::StatusOr<std::vector<Piece>> pieces = Lex(text, syntax, lines);
  if (!pieces.ok()) return absl::StrCat("ERROR ", pieces.status().message());
  std::vector<std::string> out;
  for (const Piece& p : *pieces) {
    const char* kind = p.kind == Piece::Kind::kText     ? "T"
                       : p.kind == Piece::Kind::kOutput ? "O"
                                                        : "G";
    out.push_back(absl::StrCat(kind, ":", p.text));
  }
  return absl::StrJoin(out, "|");
}

struct Row {
  const char* text;
  const char* django;
  const char* liquid;
};

TEST(LexerTest, SplitsEachDialectByItsRules) {
  const Row rows[] = {
      {"a {{ x }} b", "T:a |O:x|T: b", "T:a |O:x|T: b"},
      {"{% if a %}y{% endif %}", "G:if a|T:y|G:endif", "G:if a|T:y|G:endif"},
      // Django's comments vanish; to Liquid they are text.
      {"a{# note #}b", "T:ab", "T:a{# note #}b"},
      // Django's delimiters never span lines; Liquid's may.
      {"{{ a\n }}", "T:{{ a\n }}", "O:a"},
      // Whitespace control is Liquid's.
      {"a  {{- x -}}  b", "T:a  |O:- x -|T:  b", "T:a|O:x|T:b"},
      {"x\n  {%- if a -%}\n y", "T:x\n  |G:- if a -|T:\n y", "T:x|G:if a|T:y"},
      // Bodies that stay text.
      {"{% verbatim %}{{ x }}{% endverbatim %}", "G:verbatim|T:{{ x }}|G:endverbatim",
       "G:verbatim|O:x|G:endverbatim"},
      {"{% raw %}{{ x }}{% endraw %}", "G:raw|O:x|G:endraw", "T:{{ x }}"},
      // Unclosed delimiters: Django's are text, Liquid's are errors.
      {"a {{ b", "T:a {{ b", "ERROR line 1, column 3: output '{{' is never closed with '}}'"},
      {"{{ x }", "T:{{ x }", "ERROR line 1, column 1: output '{{ x }' is not closed with '}}'"},
      {"{% if", "T:{% if", "ERROR line 1, column 1: tag '{%' is never closed with '%}'"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(Pieces(row.text, Syntax::kDjango), row.django) << row.text;
    EXPECT_EQ(Pieces(row.text, Syntax::kLiquid), row.liquid) << row.text;
  }
}

TEST(LexerTest, LineMapCountsFromOne) {
  const LineMap lines("ab\ncd\n\ne");
  EXPECT_EQ(lines.At(0).line, 1);
  EXPECT_EQ(lines.At(1).column, 2);
  EXPECT_EQ(lines.At(3).line, 2);
  EXPECT_EQ(lines.At(3).column, 1);
  EXPECT_EQ(lines.At(7).line, 4);
  EXPECT_EQ(At(Position{3, 7}, "what"), "line 3, column 7: what");
}

}  // namespace
}  // namespace notify::tmpl
