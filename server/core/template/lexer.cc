#include "server/core/template/lexer.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace notify::tmpl {

std::string At(Position pos, absl::string_view message) {
  return absl::StrCat("line ", pos.line, ", column ", pos.column, ": ", message);
}

absl::Status ErrorAt(Position pos, absl::string_view message) {
  return absl::InvalidArgumentError(At(pos, message));
}

LineMap::LineMap(absl::string_view text) {
  starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
  }
}

Position LineMap::At(std::size_t offset) const {
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  const std::size_t line = static_cast<std::size_t>(it - starts_.begin());
  return Position{static_cast<int>(line), static_cast<int>(offset - starts_[line - 1] + 1)};
}

namespace {

// Python's and Ruby's strip: ASCII whitespace (and, for Ruby, NUL at the end; not worth it).
absl::string_view Strip(absl::string_view s) { return absl::StripAsciiWhitespace(s); }

// The first word of a tag's content: its name.
absl::string_view TagName(absl::string_view content) {
  std::size_t end = 0;
  while (end < content.size() && !absl::ascii_isspace(content[end])) ++end;
  return content.substr(0, end);
}

// Django: the delimiter pair starting at `at` (`{%`, `{{` or `{#`) closes before the end of the
// line; returns the offset just past the close, or npos.
std::size_t DjangoClose(absl::string_view text, std::size_t at) {
  const char kind = text[at + 1];
  const absl::string_view close = kind == '%' ? "%}" : kind == '{' ? "}}" : "#}";
  const std::size_t line_end = std::min(text.find('\n', at), text.size());
  const std::size_t end = text.find(close, at + 2);
  if (end == absl::string_view::npos || end + 2 > line_end) return absl::string_view::npos;
  return end + 2;
}

absl::StatusOr<std::vector<Piece>> LexDjango(absl::string_view text) {
  std::vector<Piece> pieces;
  std::size_t text_start = 0;
  std::string verbatim_end;  // While inside {% verbatim %}: the tag content that ends it.
  auto flush_text = [&](std::size_t end) {
    if (end > text_start) {
      if (!pieces.empty() && pieces.back().kind == Piece::Kind::kText) {
        pieces.back().text.append(text.data() + text_start, end - text_start);
      } else {
        pieces.push_back(Piece{Piece::Kind::kText,
                               std::string(text.substr(text_start, end - text_start)), text_start,
                               text_start});
      }
    }
  };
  for (std::size_t at = 0; at + 1 < text.size(); ++at) {
    if (text[at] != '{' || (text[at + 1] != '%' && text[at + 1] != '{' && text[at + 1] != '#')) {
      continue;
    }
    const std::size_t open = at;
    const std::size_t after = DjangoClose(text, open);
    if (after == absl::string_view::npos) continue;
    at = after - 1;
    const char kind = text[open + 1];
    const absl::string_view inner = text.substr(open + 2, after - open - 4);
    const absl::string_view content = Strip(inner);
    const std::size_t content_offset =
        open + 2 + static_cast<std::size_t>(content.data() - inner.data());
    const Piece piece{kind == '{' ? Piece::Kind::kOutput : Piece::Kind::kTag, std::string(content),
                      open, content_offset};
    if (!verbatim_end.empty()) {
      // Inside verbatim everything is text but the tag that ends it.
      if (kind == '%' && content == verbatim_end) {
        flush_text(open);
        verbatim_end.clear();
        text_start = after;
        pieces.push_back(piece);
      }
      continue;
    }
    flush_text(open);
    text_start = after;
    if (kind == '#') continue;
    if (kind == '%' && TagName(content) == "verbatim") verbatim_end = absl::StrCat("end", content);
    pieces.push_back(piece);
  }
  flush_text(text.size());
  return pieces;
}

bool IsLiquidSpace(char c) { return absl::ascii_isspace(c) || c == '\0'; }

absl::StatusOr<std::vector<Piece>> LexLiquid(absl::string_view text, const LineMap& lines) {
  std::vector<Piece> pieces;
  bool strip_next = false;
  auto add_text = [&](absl::string_view body, std::size_t offset, bool strip_end) {
    if (strip_next) {
      while (!body.empty() && IsLiquidSpace(body.front())) {
        body.remove_prefix(1);
        ++offset;
      }
    }
    if (strip_end) {
      while (!body.empty() && IsLiquidSpace(body.back())) body.remove_suffix(1);
    }
    strip_next = false;
    if (!body.empty())
      pieces.push_back(Piece{Piece::Kind::kText, std::string(body), offset, offset});
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = pos;
    while ((open = text.find('{', open)) != absl::string_view::npos) {
      if (open + 1 < text.size() && (text[open + 1] == '{' || text[open + 1] == '%')) break;
      ++open;
    }
    if (open == absl::string_view::npos) {
      add_text(text.substr(pos), pos, false);
      break;
    }
    const bool is_tag = text[open + 1] == '%';
    std::size_t close = absl::string_view::npos;
    std::size_t after = 0;
    if (is_tag) {
      close = text.find("%}", open + 2);
      after = close + 2;
    } else {
      // Liquid's tokenizer ends an output at its first `}`; one not followed by another is an
      // unterminated output.
      close = text.find('}', open + 2);
      if (close != absl::string_view::npos &&
          (close + 1 >= text.size() || text[close + 1] != '}')) {
        return ErrorAt(lines.At(open), absl::StrCat("output '", text.substr(open, close + 1 - open),
                                                    "' is not closed with '}}'"));
      }
      after = close + 2;
    }
    if (close == absl::string_view::npos) {
      return ErrorAt(lines.At(open), is_tag ? "tag '{%' is never closed with '%}'"
                                            : "output '{{' is never closed with '}}'");
    }
    std::size_t content_start = open + 2;
    std::size_t content_end = close;
    const bool trim_before = content_start < content_end && text[content_start] == '-';
    if (trim_before) ++content_start;
    const bool trim_after = content_end > content_start && text[content_end - 1] == '-';
    if (trim_after) --content_end;
    add_text(text.substr(pos, open - pos), pos, trim_before);
    const absl::string_view inner = text.substr(content_start, content_end - content_start);
    const absl::string_view content = Strip(inner);
    const std::size_t content_offset =
        content_start + static_cast<std::size_t>(content.data() - inner.data());
    pos = after;
    strip_next = trim_after;
    if (is_tag && TagName(content) == "raw") {
      // The body is text up to the first `{% endraw %}`, whatever it holds.
      std::size_t search = pos;
      while (true) {
        const std::size_t end_open = text.find("{%", search);
        if (end_open == absl::string_view::npos) {
          return ErrorAt(lines.At(open), "'raw' is never closed with 'endraw'");
        }
        const std::size_t end_close = text.find("%}", end_open + 2);
        if (end_close == absl::string_view::npos) {
          return ErrorAt(lines.At(end_open), "tag '{%' is never closed with '%}'");
        }
        // Liquid does not recognise `{%- endraw %}`; `{% endraw -%}` it does.
        absl::string_view end_inner = text.substr(end_open + 2, end_close - end_open - 2);
        absl::ConsumeSuffix(&end_inner, "-");
        if (Strip(end_inner) == "endraw") {
          // Liquid keeps a raw body as written: no whitespace control reaches into it.
          strip_next = false;
          add_text(text.substr(pos, end_open - pos), pos, false);
          strip_next = text[end_close - 1] == '-';
          pos = end_close + 2;
          break;
        }
        search = end_open + 2;
      }
      continue;
    }
    pieces.push_back(Piece{is_tag ? Piece::Kind::kTag : Piece::Kind::kOutput, std::string(content),
                           open, content_offset});
  }
  return pieces;
}

}  // namespace

absl::StatusOr<std::vector<Piece>> Lex(absl::string_view text, Syntax syntax,
                                       const LineMap& lines) {
  if (syntax == Syntax::kDjango) return LexDjango(text);
  return LexLiquid(text, lines);
}

}  // namespace notify::tmpl
