// Django 3.2's built-in filters (django/template/defaultfilters.py), as the official engine
// computes them with its default settings in UTC, plus the platform's `money` and `timestamp`; and
// FormatDjangoDate, the date format characters of django/utils/dateformat.py.
//
// Why the file is shaped this way:
// - One table, kFilters (sorted by name), is the whole dialect: each row names a filter, its
//   implementation, its argument counts (Django filters take 0 or 1) and whether Django registers
//   it is_safe. Dispatch<I> gives each row its own FilterFn, so an implementation knows its name
//   (errors read "center: ...") and the table, not each filter, applies the common rules.
// - Safety follows Django's three mechanisms. The engine marks the result of an is_safe filter
//   safe when its input was (Dispatch does that for rows marked kIsSafe). Filters that Django
//   registers with needs_autoescape (join, linebreaks, linebreaksbr, linenumbers,
//   unordered_list, urlize, urlizetrunc) escape their input themselves when
//   FilterContext::autoescape is on and always return safe text. A few return safe text
//   whatever their input (safe, safeseq, escape, force_escape, escapejs, json_script,
//   floatformat's numbers), as Django's helpers mark_safe theirs.
// - Django runs on Python, so the helpers below reproduce Python rather than C++: int() and
//   float() of values, len(), indexing and slicing by code point, str.split() on any whitespace,
//   the case mapping of str.upper/lower/title, < between values, %-formatting, Decimal rounding,
//   pprint, json.dumps, textwrap, urllib.parse.quote/urlsplit and the html.parser that
//   strip_tags drives. Where Django lets an exception escape a filter, the filter returns
//   InvalidArgument ("first: ..."); where Django catches it, the filter returns what Django
//   returns ("" or its input).
// - Every string and list a filter makes is charged to the render's Budget before it is made: a
//   Text charges each piece before appending it, and lists are charged before they are filled, so
//   `ljust:1000000000` or make_list of a huge string fails with ResourceExhausted instead of
//   allocating. Scratch copies no larger than the input (decoded code points) are not charged.
// - Two choices differ from Django: date, time, timesince and timeuntil also read RFC 3339 /
//   ISO 8601 strings as times (Django gives "" or fails for any string), and times are the
//   platform's aware UTC datetimes. Settings are Django's defaults: DATE_FORMAT "N j, Y",
//   TIME_FORMAT "P", and NUMBER_GROUPING 0, so floatformat's "g" suffix groups nothing.
//
// Where Unicode tables would be needed, a subset is implemented: case mapping covers ASCII, Latin-1
// Supplement, Latin Extended-A, Latin Extended Additional, Greek and Cyrillic (other cased scripts
// pass through unchanged and count as uncased); slugify's NFKD transliteration covers the same
// Latin blocks, fullwidth ASCII, ligatures and spaces; \w outside ASCII is approximated by the
// letters of the common scripts; text is taken to be NFC already (truncatechars normalizes it in
// Django); IDNA's nameprep is approximated by lower-casing.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <arpa/inet.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "server/common/status.h"
#include "server/core/template/budget.h"
#include "server/core/template/filters.h"
#include "server/core/template/value.h"

namespace notify::tmpl {
namespace {

using Kind = Value::Kind;

// How deep pprint, json_script, unordered_list and comparisons follow nested lists and objects
// (Python would stop at its recursion limit).
constexpr int kMaxNesting = 100;

// ------------------------------------------------------------------------------------------------
// One invocation and the text it builds.

struct Call {
  absl::string_view name;
  const FilterArgs& args;
  FilterContext& context;

  bool has_arg() const { return !args.positional.empty(); }
  // The argument, or "" without one; an undefined variable arrives as "", as the input does.
  const Value& arg() const;
  bool autoescape() const { return context.autoescape; }
  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", message));
  }
  absl::Status Elements(std::size_t n) const { return context.budget->Elements(n); }
};

const Value& EmptyString() {
  static const Value* const kEmpty = new Value(Value::StringRef(""));
  return *kEmpty;
}

const Value& Call::arg() const {
  if (args.positional.empty()) return EmptyString();
  const Value& v = args.positional[0];
  return v.is_undefined() ? EmptyString() : v;
}

// A string under construction: each piece is charged to the budget before it is appended. The
// first piece that does not fit stops the build, and Finish returns the budget's error.
class Text {
 public:
  explicit Text(const Call& call) : budget_(call.context.budget) {}

  void Add(absl::string_view s) {
    if (Charge(s.size())) text_.append(s.data(), s.size());
  }
  void Add(std::size_t n, char c) {
    if (Charge(n)) text_.append(n, c);
  }
  void AddChar(char32_t c) { AddChars(std::u32string_view(&c, 1)); }
  void AddChars(std::u32string_view s);

  absl::StatusOr<Value> Finish(bool safe = false) {
    if (!status_.ok()) return status_;
    return Value::String(std::move(text_)).MarkedSafe(safe);
  }

 private:
  bool Charge(std::size_t n) {
    if (status_.ok()) status_ = budget_->Bytes(n);
    return status_.ok();
  }

  Budget* budget_;
  absl::Status status_;
  std::string text_;
};

// ------------------------------------------------------------------------------------------------
// Code points. Python strings are sequences of code points: lengths, indexes and widths count
// those, not bytes.

void Text::AddChars(std::u32string_view s) {
  std::size_t size = 0;
  for (char32_t c : s) size += Utf8Size(c);
  if (!Charge(size)) return;
  for (char32_t c : s) AppendUtf8(c, text_);
}

std::string Encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) AppendUtf8(c, out);
  return out;
}

// UTF-8 to code points as Python's bytes.decode("utf-8", "replace") does it: each maximal invalid
// subsequence becomes one U+FFFD.
std::u32string Decode(absl::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c);
      ++i;
      continue;
    }
    int extra = 0;
    unsigned char low = 0x80, high = 0xBF;  // The valid range of the second byte.
    char32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0F;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    int got = 0;
    while (got < extra && j < s.size()) {
      const unsigned char b = static_cast<unsigned char>(s[j]);
      if (got == 0 ? (b < low || b > high) : (b < 0x80 || b > 0xBF)) break;
      cp = (cp << 6) | (b & 0x3F);
      ++j;
      ++got;
    }
    out.push_back(got == extra ? cp : 0xFFFD);
    i = j;
  }
  return out;
}

std::size_t CountCodePoints(absl::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Python's str.isspace().
bool IsSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

bool IsAsciiAlpha(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlnum(char32_t c) { return IsAsciiAlpha(c) || IsAsciiDigit(c); }
bool IsHexDigit(char32_t c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// unicodedata.combining(c) != 0, for the Basic Multilingual Plane.
bool IsCombining(char32_t c) {
  static constexpr std::pair<char32_t, char32_t> kRanges[] = {
      {0x0300, 0x034E}, {0x0350, 0x036F}, {0x0483, 0x0487}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},
      {0x05C1, 0x05C2}, {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F},
      {0x0670, 0x0670}, {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED},
      {0x0711, 0x0711}, {0x0730, 0x074A}, {0x07EB, 0x07F3}, {0x07FD, 0x07FD}, {0x0816, 0x0819},
      {0x081B, 0x0823}, {0x0825, 0x0827}, {0x0829, 0x082D}, {0x0859, 0x085B}, {0x0898, 0x089F},
      {0x08CA, 0x08E1}, {0x08E3, 0x08FF}, {0x093C, 0x093C}, {0x094D, 0x094D}, {0x0951, 0x0954},
      {0x09BC, 0x09BC}, {0x09CD, 0x09CD}, {0x09FE, 0x09FE}, {0x0A3C, 0x0A3C}, {0x0A4D, 0x0A4D},
      {0x0ABC, 0x0ABC}, {0x0ACD, 0x0ACD}, {0x0B3C, 0x0B3C}, {0x0B4D, 0x0B4D}, {0x0BCD, 0x0BCD},
      {0x0C3C, 0x0C3C}, {0x0C4D, 0x0C4D}, {0x0C55, 0x0C56}, {0x0CBC, 0x0CBC}, {0x0CCD, 0x0CCD},
      {0x0D3B, 0x0D3C}, {0x0D4D, 0x0D4D}, {0x0DCA, 0x0DCA}, {0x0E38, 0x0E3A}, {0x0E48, 0x0E4B},
      {0x0EB8, 0x0EBA}, {0x0EC8, 0x0ECB}, {0x0F18, 0x0F19}, {0x0F35, 0x0F35}, {0x0F37, 0x0F37},
      {0x0F39, 0x0F39}, {0x0F71, 0x0F72}, {0x0F74, 0x0F74}, {0x0F7A, 0x0F7D}, {0x0F80, 0x0F80},
      {0x0F82, 0x0F84}, {0x0F86, 0x0F87}, {0x0FC6, 0x0FC6}, {0x1037, 0x1037}, {0x1039, 0x103A},
      {0x108D, 0x108D}, {0x135D, 0x135F}, {0x1714, 0x1715}, {0x1734, 0x1734}, {0x17D2, 0x17D2},
      {0x17DD, 0x17DD}, {0x18A9, 0x18A9}, {0x1939, 0x193B}, {0x1A17, 0x1A18}, {0x1A60, 0x1A60},
      {0x1A75, 0x1A7C}, {0x1A7F, 0x1A7F}, {0x1AB0, 0x1ABD}, {0x1ABF, 0x1ACE}, {0x1B34, 0x1B34},
      {0x1B44, 0x1B44}, {0x1B6B, 0x1B73}, {0x1BAA, 0x1BAB}, {0x1BE6, 0x1BE6}, {0x1BF2, 0x1BF3},
      {0x1C37, 0x1C37}, {0x1CD0, 0x1CD2}, {0x1CD4, 0x1CE0}, {0x1CE2, 0x1CE8}, {0x1CED, 0x1CED},
      {0x1CF4, 0x1CF4}, {0x1CF8, 0x1CF9}, {0x1DC0, 0x1DFF}, {0x20D0, 0x20DC}, {0x20E1, 0x20E1},
      {0x20E5, 0x20F0}, {0x2CEF, 0x2CF1}, {0x2D7F, 0x2D7F}, {0x2DE0, 0x2DFF}, {0x302A, 0x302F},
      {0x3099, 0x309A}, {0xA66F, 0xA66F}, {0xA674, 0xA67D}, {0xA69E, 0xA69F}, {0xA6F0, 0xA6F1},
      {0xA806, 0xA806}, {0xA82C, 0xA82C}, {0xA8C4, 0xA8C4}, {0xA8E0, 0xA8F1}, {0xA92B, 0xA92D},
      {0xA953, 0xA953}, {0xA9B3, 0xA9B3}, {0xA9C0, 0xA9C0}, {0xAAB0, 0xAAB0}, {0xAAB2, 0xAAB4},
      {0xAAB7, 0xAAB8}, {0xAABE, 0xAABF}, {0xAAC1, 0xAAC1}, {0xAAF6, 0xAAF6}, {0xABED, 0xABED},
      {0xFB1E, 0xFB1E}, {0xFE20, 0xFE2F},
  };
  if (c < 0x300) return false;
  const auto it = std::upper_bound(
      std::begin(kRanges), std::end(kRanges), c,
      [](char32_t v, const std::pair<char32_t, char32_t>& r) { return v < r.first; });
  return it != std::begin(kRanges) && c <= std::prev(it)->second;
}

// Python's str.isalnum() for \w in regular expressions: exact for ASCII, approximated elsewhere
// by the letters and digits of the common scripts.
bool IsWordChar(char32_t c) {
  if (c < 0x80) return IsAsciiAlnum(c) || c == '_';
  if (c < 0x100) {
    return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA ||
           (c >= 0xBC && c <= 0xBE) || (c >= 0xC0 && c != 0xD7 && c != 0xF7);
  }
  return (c <= 0x2C1) ||
         (c >= 0x370 && c <= 0x3FF && c != 0x375 && c != 0x37E && c != 0x384 && c != 0x385 &&
          c != 0x387 && c != 0x3F6) ||
         (c >= 0x400 && c <= 0x52F && (c < 0x482 || c > 0x489)) || (c >= 0x531 && c <= 0x587) ||
         (c >= 0x5D0 && c <= 0x5F2) || (c >= 0x620 && c <= 0x64A) || (c >= 0x660 && c <= 0x669) ||
         (c >= 0x671 && c <= 0x6D3) || (c >= 0x904 && c <= 0x939) || (c >= 0x966 && c <= 0x96F) ||
         (c >= 0xE01 && c <= 0xE30) || (c >= 0x1E00 && c <= 0x1FFF) ||
         (c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA) ||
         (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) ||
         (c >= 0xFF41 && c <= 0xFF5A);
}

// Python's str.strip() of code points.
std::u32string_view Strip(std::u32string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool IsBlank(std::u32string_view s) { return Strip(s).empty(); }

// Python's str.split() without arguments: runs of whitespace separate, and none are kept.
std::vector<std::u32string_view> SplitWords(std::u32string_view s) {
  std::vector<std::u32string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// Python's str.splitlines(keepends=True).
std::vector<std::u32string_view> SplitLines(std::u32string_view s) {
  std::vector<std::u32string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    const bool newline = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C ||
                         c == 0x1D || c == 0x1E || c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!newline) continue;
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    lines.push_back(s.substr(start, i + 1 - start));
    start = i + 1;
  }
  if (start < s.size()) lines.push_back(s.substr(start));
  return lines;
}

std::size_t Count(std::u32string_view s, char32_t c) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), c));
}

// ------------------------------------------------------------------------------------------------
// Case mapping: Python's full mappings (str.upper, lower, title) for ASCII, Latin-1 Supplement,
// Latin Extended-A, Greek and Coptic, Cyrillic (U+0400-U+052F) and Latin Extended Additional.
// Other code points map to themselves and count as uncased.

enum class Case { kUpper, kLower, kTitle };

// Blocks where each capital is followed by its small letter; `upper_even` tells which comes first.
struct CasePairs {
  char32_t first, last;
  bool upper_even;
};
constexpr CasePairs kCasePairs[] = {
    {0x0100, 0x012F, true},  {0x0132, 0x0137, true},  {0x0139, 0x0148, false},
    {0x014A, 0x0177, true},  {0x0179, 0x017E, false}, {0x0370, 0x0373, true},
    {0x0376, 0x0377, true},  {0x03D8, 0x03EF, true},  {0x03F7, 0x03F8, false},
    {0x03FA, 0x03FB, true},  {0x0460, 0x0481, true},  {0x048A, 0x04BF, true},
    {0x04C1, 0x04CE, false}, {0x04D0, 0x052F, true},  {0x1E00, 0x1E95, true},
    {0x1EA0, 0x1EFF, true},
};

// Single capital/small pairs outside the blocks and ranges below.
constexpr std::pair<char32_t, char32_t> kCaseSingles[] = {
    {0x0178, 0x00FF}, {0x037F, 0x03F3}, {0x0386, 0x03AC}, {0x038C, 0x03CC}, {0x03CF, 0x03D7},
    {0x03F9, 0x03F2}, {0x03FD, 0x037B}, {0x03FE, 0x037C}, {0x03FF, 0x037D}, {0x04C0, 0x04CF},
};

// Small letters whose capital is a letter that lower-cases to another small letter.
constexpr std::pair<char32_t, char32_t> kExtraUppers[] = {
    {0x00B5, 0x039C}, {0x0131, 'I'},    {0x017F, 'S'},    {0x03C2, 0x03A3},
    {0x03D0, 0x0392}, {0x03D1, 0x0398}, {0x03D5, 0x03A6}, {0x03D6, 0x03A0},
    {0x03F0, 0x039A}, {0x03F1, 0x03A1}, {0x03F5, 0x0395}, {0x1E9B, 0x1E60},
};

// Capitals whose small letter is a letter that upper-cases to another capital.
constexpr std::pair<char32_t, char32_t> kExtraLowers[] = {{0x03F4, 0x03B8}, {0x1E9E, 0x00DF}};

// Small letters whose capital is several code points (SpecialCasing.txt).
struct SpecialUpper {
  char32_t c;
  std::u32string_view upper, title;
};
constexpr SpecialUpper kSpecialUppers[] = {
    {0x00DF, U"SS", U"Ss"},
    {0x0149, U"\u02BCN", U"\u02BCN"},
    {0x0390, U"\u0399\u0308\u0301", U"\u0399\u0308\u0301"},
    {0x03B0, U"\u03A5\u0308\u0301", U"\u03A5\u0308\u0301"},
    {0x1E96, U"H\u0331", U"H\u0331"},
    {0x1E97, U"T\u0308", U"T\u0308"},
    {0x1E98, U"W\u030A", U"W\u030A"},
    {0x1E99, U"Y\u030A", U"Y\u030A"},
    {0x1E9A, U"A\u02BE", U"A\u02BE"},
};

// The simple mapping of `c` to the other case, or `c` when it has none in the covered blocks.
char32_t SimpleCase(char32_t c, bool to_upper) {
  if (c < 0x80) {
    if (to_upper) return c >= 'a' && c <= 'z' ? c - 0x20 : c;
    return c >= 'A' && c <= 'Z' ? c + 0x20 : c;
  }
  for (const CasePairs& p : kCasePairs) {
    if (c < p.first || c > p.last) continue;
    const bool is_upper = (c % 2 == 0) == p.upper_even;
    if (to_upper) return is_upper ? c : c - 1;
    return is_upper ? c + 1 : c;
  }
  for (const auto& [upper, lower] : kCaseSingles) {
    if (to_upper && c == lower) return upper;
    if (!to_upper && c == upper) return lower;
  }
  if (to_upper) {
    for (const auto& [from, to] : kExtraUppers) {
      if (c == from) return to;
    }
  } else {
    for (const auto& [from, to] : kExtraLowers) {
      if (c == from) return to;
    }
  }
  // × and ÷, and the unassigned U+03A2, sit inside the ranges below.
  if (c == 0xD7 || c == 0xF7 || c == 0x3A2) return c;
  // Ranges of capitals a constant below their small letters: Latin-1, Greek, Cyrillic.
  struct Offset {
    char32_t first, last, delta;
  };
  static constexpr Offset kOffsets[] = {
      {0x00C0, 0x00DE, 0x20}, {0x0388, 0x038A, 0x25}, {0x038E, 0x038F, 0x3F},
      {0x0391, 0x03AB, 0x20}, {0x0400, 0x040F, 0x50}, {0x0410, 0x042F, 0x20},
  };
  for (const Offset& o : kOffsets) {
    if (to_upper && c >= o.first + o.delta && c <= o.last + o.delta) return c - o.delta;
    if (!to_upper && c >= o.first && c <= o.last) return c + o.delta;
  }
  return c;
}

// Python's _PyUnicode_IsCased: upper, lower or title case letters (and ª º).
bool IsCased(char32_t c) {
  if (c < 0x80) return IsAsciiAlpha(c);
  if (c < 0x100) {
    return c == 0xAA || c == 0xB5 || c == 0xBA || (c >= 0xC0 && c != 0xD7 && c != 0xF7);
  }
  if (c < 0x180) return true;
  if (c >= 0x370 && c <= 0x3FF) {
    return !(c == 0x374 || c == 0x375 || c == 0x378 || c == 0x379 || c == 0x37E ||
             (c >= 0x380 && c <= 0x385) || c == 0x387 || c == 0x38B || c == 0x38D || c == 0x3A2 ||
             c == 0x3F6);
  }
  return (c >= 0x400 && c <= 0x481) || (c >= 0x48A && c <= 0x52F) || (c >= 0x1E00 && c <= 0x1EFF);
}

// Python's _PyUnicode_IsCaseIgnorable, for the characters text commonly has.
bool IsCaseIgnorable(char32_t c) {
  return c == '\'' || c == '.' || c == ':' || c == '^' || c == '`' || c == 0xA8 || c == 0xAD ||
         c == 0xAF || c == 0xB4 || c == 0xB7 || c == 0xB8 || c == 0x2018 || c == 0x2019 ||
         c == 0x2024 || c == 0x2027 || IsCombining(c);
}

// Appends the mapping of s[i] (several code points for ß, ŉ...). Capital sigma lower-cases to the
// final form at the end of a word, as Python's lower() decides it.
void MapCase(std::u32string_view s, std::size_t i, Case kind, std::u32string& out) {
  const char32_t c = s[i];
  if (kind == Case::kLower) {
    if (c == 0x0130) {
      out += U"i\u0307";
    } else if (c == 0x03A3) {
      std::size_t j = i;
      while (j > 0 && IsCaseIgnorable(s[j - 1])) --j;
      bool final_sigma = j > 0 && IsCased(s[j - 1]);
      if (final_sigma) {
        std::size_t k = i + 1;
        while (k < s.size() && IsCaseIgnorable(s[k])) ++k;
        final_sigma = k == s.size() || !IsCased(s[k]);
      }
      out.push_back(final_sigma ? 0x03C2 : 0x03C3);
    } else {
      out.push_back(SimpleCase(c, false));
    }
    return;
  }
  for (const SpecialUpper& special : kSpecialUppers) {
    if (c == special.c) {
      out += kind == Case::kUpper ? special.upper : special.title;
      return;
    }
  }
  out.push_back(SimpleCase(c, true));
}

std::u32string ChangeCase(std::u32string_view s, Case kind) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) MapCase(s, i, kind, out);
  return out;
}

// Python's str.title(): a cased letter after a cased letter is lower-cased, any other one
// title-cased.
std::u32string TitleCase(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  bool previous_cased = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    MapCase(s, i, previous_cased ? Case::kLower : Case::kTitle, out);
    previous_cased = IsCased(s[i]);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Python's view of values: str(), repr(), int(), float(), len(), <.

// str(value): strings as they are, the rest as Django prints them.
std::string Str(const Value& v) { return Print(v, Syntax::kDjango); }

std::u32string StrChars(const Value& v) {
  return v.is_string() ? Decode(v.string_value()) : Decode(Str(v));
}

// The exceptions of Python's conversions that the filters tell apart.
enum class PyError { kNone, kType, kValue, kOverflow };

struct PyInt {
  std::int64_t value = 0;
  PyError error = PyError::kNone;
};

struct PyFloat {
  double value = 0;
  PyError error = PyError::kNone;
};

// The digits of a Python numeric literal with its underscores removed: digits, with single
// underscores only between two of them. Empty when `s` is not one.
std::string DigitsWithoutUnderscores(absl::string_view s) {
  std::string digits;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && i > 0 && i + 1 < s.size() && absl::ascii_isdigit(s[i - 1]) &&
        absl::ascii_isdigit(s[i + 1])) {
      continue;
    }
    if (!absl::ascii_isdigit(s[i])) return "";
    digits += s[i];
  }
  return digits;
}

// The run of digits and underscores at s[i] (advancing i) without its underscores; nullopt when
// they are misplaced.
std::optional<std::string> DigitRun(absl::string_view s, std::size_t& i) {
  const std::size_t start = i;
  while (i < s.size() && (absl::ascii_isdigit(s[i]) || s[i] == '_')) ++i;
  if (i == start) return std::string();
  std::string digits = DigitsWithoutUnderscores(s.substr(start, i - start));
  if (digits.empty()) return std::nullopt;
  return digits;
}

// Python's str.strip() of UTF-8 text.
absl::string_view StripUtf8(absl::string_view s) {
  const std::u32string chars = Decode(s);
  std::size_t b = 0, e = chars.size();
  while (b < e && IsSpace(chars[b])) ++b;
  while (e > b && IsSpace(chars[e - 1])) --e;
  std::size_t lead = 0, trail = 0;
  for (std::size_t i = 0; i < b; ++i) lead += Utf8Size(chars[i]);
  for (std::size_t i = e; i < chars.size(); ++i) trail += Utf8Size(chars[i]);
  return s.substr(lead, s.size() - lead - trail);
}

// int(value). Python's ints have no bound; beyond 64 bits this gives kOverflow.
PyInt ToPyInt(const Value& v) {
  switch (v.kind()) {
    case Kind::kInt:
      return {v.int_value()};
    case Kind::kBool:
      return {v.bool_value() ? 1 : 0};
    case Kind::kFloat: {
      const double d = v.number_value();
      if (std::isnan(d)) return {0, PyError::kValue};
      const double t = std::trunc(d);
      if (!(t >= -9223372036854775808.0 && t < 9223372036854775808.0)) {
        return {0, PyError::kOverflow};
      }
      return {static_cast<std::int64_t>(t)};
    }
    case Kind::kString: {
      absl::string_view s = StripUtf8(v.string_value());
      bool negative = false;
      if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
      }
      const std::string digits = DigitsWithoutUnderscores(s);
      if (digits.empty()) return {0, PyError::kValue};
      std::uint64_t magnitude = 0;
      const auto [end, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
      if (ec != std::errc() || end != digits.data() + digits.size() ||
          magnitude > (negative ? 9223372036854775808ULL : 9223372036854775807ULL)) {
        return {0, PyError::kOverflow};
      }
      return {negative ? static_cast<std::int64_t>(0 - magnitude)
                       : static_cast<std::int64_t>(magnitude)};
    }
    default:
      return {0, PyError::kType};
  }
}

// float(value).
PyFloat ToPyFloat(const Value& v) {
  if (v.is_number()) return {v.number_value()};
  if (v.is_bool()) return {v.bool_value() ? 1.0 : 0.0};
  if (!v.is_string()) return {0, PyError::kType};
  absl::string_view s = StripUtf8(v.string_value());
  std::string text;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    text += s[0];
    s.remove_prefix(1);
  }
  const std::string lower = absl::AsciiStrToLower(s);
  if (lower == "inf" || lower == "infinity") {
    return {text == "-" ? -std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::infinity()};
  }
  if (lower == "nan") return {std::numeric_limits<double>::quiet_NaN()};
  // digits [. digits] [e [sign] digits], with a digit somewhere before the exponent.
  std::size_t i = 0;
  const std::optional<std::string> whole = DigitRun(s, i);
  if (!whole.has_value()) return {0, PyError::kValue};
  text += *whole;
  bool has_digits = !whole->empty();
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::optional<std::string> fraction = DigitRun(s, i);
    if (!fraction.has_value()) return {0, PyError::kValue};
    absl::StrAppend(&text, ".", *fraction);
    has_digits = has_digits || !fraction->empty();
  }
  if (!has_digits) return {0, PyError::kValue};
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    text += 'e';
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) text += s[i++];
    const std::optional<std::string> exponent = DigitRun(s, i);
    if (!exponent.has_value() || exponent->empty()) return {0, PyError::kValue};
    text += *exponent;
  }
  if (i != s.size()) return {0, PyError::kValue};
  // Correctly rounded, and overflowing to infinity, as Python's float() does.
  return {std::strtod(text.c_str(), nullptr)};
}

// repr(datetime) of an aware UTC datetime, as Django's default time zone (pytz's UTC) prints.
std::string TimeRepr(absl::Time t) {
  const absl::TimeZone::CivilInfo info = absl::UTCTimeZone().At(t);
  std::vector<std::int64_t> fields = {info.cs.year(),
                                      info.cs.month(),
                                      info.cs.day(),
                                      info.cs.hour(),
                                      info.cs.minute(),
                                      info.cs.second(),
                                      absl::ToInt64Microseconds(info.subsecond)};
  // Python leaves out a zero microsecond, and then a zero second.
  for (int k = 0; k < 2 && fields.back() == 0; ++k) fields.pop_back();
  return absl::StrCat("datetime.datetime(", absl::StrJoin(fields, ", "), ", tzinfo=<UTC>)");
}

// repr(value), with dict keys in sorted order (pprint's _safe_repr; JSON objects are sorted).
std::string Repr(const Value& v, int depth = 0) {
  switch (v.kind()) {
    case Kind::kString:
      return PythonRepr(v.string_value());
    case Kind::kTime:
      return TimeRepr(v.time_value());
    case Kind::kArray:
    case Kind::kRange: {
      if (depth >= kMaxNesting) return "[...]";
      std::string out = "[";
      for (std::size_t i = 0; i < v.Size(); ++i) {
        if (i > 0) out += ", ";
        out += Repr(v.At(i), depth + 1);
      }
      return out + "]";
    }
    case Kind::kObject: {
      if (depth >= kMaxNesting) return "{...}";
      std::vector<std::string> keys = v.Keys();
      std::sort(keys.begin(), keys.end());
      std::string out = "{";
      for (std::size_t i = 0; i < keys.size(); ++i) {
        if (i > 0) out += ", ";
        absl::StrAppend(&out, PythonRepr(keys[i]), ": ", Repr(v.Get(keys[i]), depth + 1));
      }
      return out + "}";
    }
    default:
      return Str(v);
  }
}

// len(value), or nullopt where Python raises TypeError.
std::optional<std::size_t> PyLen(const Value& v) {
  if (v.is_string()) return CountCodePoints(v.string_value());
  if (v.is_sequence() || v.is_object()) return v.Size();
  return std::nullopt;
}

bool IsPyNumber(const Value& v) { return v.is_number() || v.is_bool(); }

// a < b as Python has it, or nullopt where Python raises TypeError: numbers (bools among them)
// against numbers, strings by code point, lists item by item, datetimes.
std::optional<bool> PyLess(const Value& a, const Value& b, int depth = 0) {
  if (IsPyNumber(a) && IsPyNumber(b)) {
    if (!a.is_float() && !b.is_float()) return ToPyInt(a).value < ToPyInt(b).value;
    // Exact for every int64 and double.
    const auto wide = [](const Value& v) -> long double {
      return v.is_float() ? v.number_value() : static_cast<long double>(ToPyInt(v).value);
    };
    return wide(a) < wide(b);
  }
  if (a.is_string() && b.is_string()) return a.string_value() < b.string_value();
  if (a.is_time() && b.is_time()) return a.time_value() < b.time_value();
  if (a.is_sequence() && b.is_sequence() && depth < kMaxNesting) {
    const std::size_t n = std::min(a.Size(), b.Size());
    for (std::size_t i = 0; i < n; ++i) {
      const Value x = a.At(i), y = b.At(i);
      if (!Equal(x, y, Syntax::kDjango)) return PyLess(x, y, depth + 1);
    }
    return a.Size() < b.Size();
  }
  return std::nullopt;
}

// The items `for x in value` visits: a list's items, a string's characters, a dict's keys;
// nullopt where the value is not iterable.
absl::StatusOr<std::optional<std::vector<Value>>> PyItems(const Value& v, const Call& call) {
  // A list's handles are a scratch copy; the characters and keys made into values are charged.
  if (v.is_sequence()) return std::optional<std::vector<Value>>(v.Elements());
  std::vector<Value> items;
  if (v.is_string()) {
    const std::u32string chars = Decode(v.string_value());
    NOTIFY_RETURN_IF_ERROR(call.Elements(chars.size()));
    items.reserve(chars.size());
    for (char32_t c : chars) items.push_back(Value::String(Encode(std::u32string_view(&c, 1))));
  } else if (v.is_object()) {
    std::vector<std::string> keys = v.Keys();
    NOTIFY_RETURN_IF_ERROR(call.Elements(keys.size()));
    items.reserve(keys.size());
    for (std::string& key : keys) items.push_back(Value::String(std::move(key)));
  } else {
    return std::optional<std::vector<Value>>();
  }
  return std::optional<std::vector<Value>>(std::move(items));
}

// Django's conditional_escape: safe text as it is, anything else HTML-escaped.
std::string ConditionalEscape(const Value& v) {
  return v.safe() ? Str(v) : HtmlEscape(Str(v), Syntax::kDjango);
}

std::string Escape(absl::string_view s) { return HtmlEscape(s, Syntax::kDjango); }

// Python's slice(start, stop, step).indices(length), as the list of positions it selects.
struct SliceBounds {
  std::int64_t start, stop, step;
};

SliceBounds AdjustSlice(std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
                        std::int64_t step, std::int64_t length) {
  const auto clamp = [&](std::optional<std::int64_t> v, std::int64_t missing) {
    if (!v.has_value()) return missing;
    std::int64_t x = *v;
    if (x < 0) {
      x += length;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= length) {
      x = step < 0 ? length - 1 : length;
    }
    return x;
  };
  return {clamp(start, step < 0 ? length - 1 : 0), clamp(stop, step < 0 ? -1 : length), step};
}

std::vector<std::size_t> SlicePositions(const SliceBounds& s) {
  std::vector<std::size_t> positions;
  for (std::int64_t i = s.start; s.step > 0 ? i < s.stop : i > s.stop;) {
    positions.push_back(static_cast<std::size_t>(i));
    if (__builtin_add_overflow(i, s.step, &i)) break;
  }
  return positions;
}

// ------------------------------------------------------------------------------------------------
// Dates: django.utils.dateformat, for aware datetimes in UTC.

constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                   "May",       "June",     "July",     "August",
                                   "September", "October",  "November", "December"};
// Associated Press style (N).
constexpr const char* kMonthsAp[] = {"Jan.", "Feb.", "March", "April", "May",  "June",
                                     "July", "Aug.", "Sept.", "Oct.",  "Nov.", "Dec."};
// Indexed by Python's weekday(), Monday first, as absl::Weekday is.
constexpr const char* kWeekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                     "Friday", "Saturday", "Sunday"};

// The Python datetime a time is: microseconds, rounded down.
absl::Time ToMicros(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }

bool IsLeapYear(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// Django's two formatters: DateFormat (the date filter) knows every character, TimeFormat (the
// time filter) only the time ones.
enum class Formatter { kDate, kTime };

// The text of format character `c` for `time`, or nullopt where Django's formatter has no method
// for it (AttributeError: the filter then gives "").
std::optional<std::string> FormatChar(char c, absl::Time time, Formatter formatter) {
  if (formatter == Formatter::kTime && !absl::StrContains("aAefgGhHiOPsTuZ", c)) {
    return std::nullopt;
  }
  const absl::TimeZone::CivilInfo info = absl::UTCTimeZone().At(time);
  const absl::CivilSecond cs = info.cs;
  const absl::CivilDay day(cs);
  const int weekday = static_cast<int>(absl::GetWeekday(day));
  const std::int64_t micros = absl::ToInt64Microseconds(info.subsecond);
  const int hour12 = cs.hour() % 12 == 0 ? 12 : cs.hour() % 12;
  const std::string month = kMonths[cs.month() - 1];
  const auto two = [](std::int64_t v) { return absl::StrFormat("%02d", v); };
  const auto f = [&]() {
    return cs.minute() == 0 ? absl::StrCat(hour12) : absl::StrCat(hour12, ":", two(cs.minute()));
  };
  const auto iso_week = [&](bool year) {
    // The ISO week is the one of the week's Thursday, and so is its year.
    const absl::CivilDay thursday = day + (3 - weekday);
    return year ? thursday.year() : (absl::GetYearDay(thursday) - 1) / 7 + 1;
  };
  switch (c) {
    case 'a':
      return cs.hour() > 11 ? "p.m." : "a.m.";
    case 'A':
      return cs.hour() > 11 ? "PM" : "AM";
    case 'b':
      return absl::AsciiStrToLower(month.substr(0, 3));
    case 'c':
      return absl::StrCat(absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d", cs.year(), cs.month(),
                                          cs.day(), cs.hour(), cs.minute(), cs.second()),
                          micros != 0 ? absl::StrFormat(".%06d", micros) : "", "+00:00");
    case 'd':
      return two(cs.day());
    case 'D':
      return std::string(kWeekdays[weekday], 3);
    case 'e':
    case 'T':
      return "UTC";
    case 'E':  // The alternative month names some languages need: English has none.
    case 'F':
      return month;
    case 'f':
      return f();
    case 'g':
      return absl::StrCat(hour12);
    case 'G':
      return absl::StrCat(cs.hour());
    case 'h':
      return two(hour12);
    case 'H':
      return two(cs.hour());
    case 'i':
      return two(cs.minute());
    case 'I':  // Daylight saving time: never in UTC.
      return "0";
    case 'j':
      return absl::StrCat(cs.day());
    case 'l':
      return kWeekdays[weekday];
    case 'L':
      return IsLeapYear(cs.year()) ? "True" : "False";
    case 'm':
      return two(cs.month());
    case 'M':
      return month.substr(0, 3);
    case 'n':
      return absl::StrCat(cs.month());
    case 'N':
      return kMonthsAp[cs.month() - 1];
    case 'o':
      return absl::StrCat(iso_week(true));
    case 'O':
      return "+0000";
    case 'P':
      if (cs.minute() == 0 && cs.hour() == 0) return "midnight";
      if (cs.minute() == 0 && cs.hour() == 12) return "noon";
      return absl::StrCat(f(), " ", cs.hour() > 11 ? "p.m." : "a.m.");
    case 'r':
      return absl::StrFormat("%s, %02d %s %04d %02d:%02d:%02d +0000",
                             std::string(kWeekdays[weekday], 3), cs.day(), month.substr(0, 3),
                             cs.year(), cs.hour(), cs.minute(), cs.second());
    case 's':
      return two(cs.second());
    case 'S': {
      if (cs.day() >= 11 && cs.day() <= 13) return "th";
      const int last = cs.day() % 10;
      return last == 1 ? "st" : last == 2 ? "nd" : last == 3 ? "rd" : "th";
    }
    case 't': {
      const absl::CivilMonth this_month(cs);
      return two(absl::CivilDay(this_month + 1) - absl::CivilDay(this_month));
    }
    case 'u':
      return absl::StrFormat("%06d", micros);
    case 'U':
      return absl::StrCat(absl::ToUnixSeconds(time));
    case 'w':
      return absl::StrCat((weekday + 1) % 7);
    case 'W':
      return absl::StrCat(iso_week(false));
    case 'y':
      return two(cs.year() - FloorDiv(cs.year(), 100) * 100);
    case 'Y':
      return absl::StrCat(cs.year());
    case 'z':
      return absl::StrCat(absl::GetYearDay(day));
    case 'Z':
      return "0";
  }
  return std::nullopt;
}

// Formats `time` with `format` as Django's formatters do; `time` is nullopt for a value that is
// not a date, for which only the time zone characters work (they give ""). nullopt where Django
// raises AttributeError.
std::optional<std::string> FormatDate(absl::string_view format, std::optional<absl::Time> time,
                                      Formatter formatter) {
  // Django 3.2 has no B (Swatch Internet time): it is literal text, as are k, q, R, v, V, x, X.
  static constexpr absl::string_view kFormatChars = "aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ";
  std::string out;
  std::size_t literal_start = 0;
  // A run of literal text loses the backslash before each character (but not before a newline).
  const auto add_literal = [&](std::size_t end) {
    for (std::size_t j = literal_start; j < end; ++j) {
      if (format[j] == '\\' && j + 1 < end && format[j + 1] != '\n') ++j;
      out += format[j];
      // The rest of a UTF-8 sequence.
      while (j + 1 < end && (static_cast<unsigned char>(format[j + 1]) & 0xC0) == 0x80) {
        out += format[++j];
      }
    }
  };
  for (std::size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    // A format character preceded by a backslash is literal; so is "\\d"'s d, as in Django.
    if (!absl::StrContains(kFormatChars, c) || (i > 0 && format[i - 1] == '\\')) continue;
    add_literal(i);
    literal_start = i + 1;
    if (!time.has_value()) {
      const bool zone_char = c == 'e' || c == 'O' || c == 'T' || c == 'Z' ||
                             (c == 'I' && formatter == Formatter::kDate);
      if (!zone_char) return std::nullopt;
      continue;
    }
    std::optional<std::string> piece = FormatChar(c, ToMicros(*time), formatter);
    if (!piece.has_value()) return std::nullopt;
    out += *piece;
  }
  add_literal(format.size());
  return out;
}

// What Django's get_format makes of a format argument that names a setting: the default value of
// that setting (lists print as Python lists), else the argument itself.
std::string ResolveFormat(std::string format) {
  static constexpr std::pair<absl::string_view, absl::string_view> kSettings[] = {
      {"DATETIME_FORMAT", "N j, Y, P"},
      {"DATETIME_INPUT_FORMATS",
       "['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M', '%m/%d/%Y %H:%M:%S', "
       "'%m/%d/%Y %H:%M:%S.%f', '%m/%d/%Y %H:%M', '%m/%d/%y %H:%M:%S', '%m/%d/%y %H:%M:%S.%f', "
       "'%m/%d/%y %H:%M']"},
      {"DATE_FORMAT", "N j, Y"},
      {"DATE_INPUT_FORMATS",
       "['%Y-%m-%d', '%m/%d/%Y', '%m/%d/%y', '%b %d %Y', '%b %d, %Y', '%d %b %Y', '%d %b, %Y', "
       "'%B %d %Y', '%B %d, %Y', '%d %B %Y', '%d %B, %Y']"},
      {"DECIMAL_SEPARATOR", "."},
      {"FIRST_DAY_OF_WEEK", "0"},
      {"MONTH_DAY_FORMAT", "F j"},
      {"NUMBER_GROUPING", "0"},
      {"SHORT_DATETIME_FORMAT", "m/d/Y P"},
      {"SHORT_DATE_FORMAT", "m/d/Y"},
      {"THOUSAND_SEPARATOR", ","},
      {"TIME_FORMAT", "P"},
      {"TIME_INPUT_FORMATS", "['%H:%M:%S', '%H:%M:%S.%f', '%H:%M']"},
      {"YEAR_MONTH_FORMAT", "F Y"},
  };
  for (const auto& [name, value] : kSettings) {
    if (format == name) return std::string(value);
  }
  return format;
}

// The time a value names: a time, or (our choice: Django's filters give "" for strings) an
// RFC 3339 / ISO 8601 string.
std::optional<absl::Time> AsTime(const Value& v, const Call& call) {
  if (v.is_time()) return v.time_value();
  if (v.is_string()) return ToTime(v, Syntax::kDjango, call.context.now);
  return std::nullopt;
}

absl::StatusOr<Value> FormatDateFilter(const Value& in, const Call& call, Formatter formatter) {
  if (in.kind() == Kind::kNil || (in.is_string() && in.string_value().empty())) {
    return EmptyString();
  }
  // Django's `format or "DATE_FORMAT"`: any false argument means the setting.
  const char* const setting = formatter == Formatter::kDate ? "DATE_FORMAT" : "TIME_FORMAT";
  const std::string format = ResolveFormat(
      call.has_arg() && Truthy(call.arg(), Syntax::kDjango) ? Str(call.arg()) : setting);
  const std::optional<std::string> text = FormatDate(format, AsTime(in, call), formatter);
  Text out(call);
  if (text.has_value()) out.Add(*text);
  return out.Finish();
}

// Django's timesince(d, now, reversed): the time from d to now in at most two adjacent units.
std::string TimeSince(absl::Time d, absl::Time now, bool reversed) {
  if (reversed) std::swap(d, now);
  d = ToMicros(d);
  now = ToMicros(now);
  const std::int64_t y1 = absl::ToCivilSecond(d, absl::UTCTimeZone()).year();
  const std::int64_t y2 = absl::ToCivilSecond(now, absl::UTCTimeZone()).year();
  // calendar.leapdays(y1, y2), corrected as Django does for leap years at either end.
  const auto leaps_before = [](std::int64_t y) {
    return FloorDiv(y - 1, 4) - FloorDiv(y - 1, 100) + FloorDiv(y - 1, 400);
  };
  std::int64_t leapdays = leaps_before(y2) - leaps_before(y1);
  if (leapdays != 0) {
    if (IsLeapYear(y1)) {
      --leapdays;
    } else if (IsLeapYear(y2)) {
      ++leapdays;
    }
  }
  const absl::Duration delta = now - d - absl::Hours(24 * leapdays);
  std::int64_t since = absl::ToInt64Seconds(absl::Floor(delta, absl::Seconds(1)));
  static constexpr std::pair<std::int64_t, const char*> kChunks[] = {
      {60 * 60 * 24 * 365, "year"},
      {60 * 60 * 24 * 30, "month"},
      {60 * 60 * 24 * 7, "week"},
      {60 * 60 * 24, "day"},
      {60 * 60, "hour"},
      {60, "minute"},
  };
  // Non-breaking spaces, as Django's avoid_wrapping puts them.
  const auto amount = [](std::int64_t n, const char* unit) {
    return absl::StrCat(n, "\u00a0", unit, n == 1 ? "" : "s");
  };
  std::size_t i = 0;
  while (i < std::size(kChunks) && since / kChunks[i].first == 0) ++i;
  if (since <= 0 || i == std::size(kChunks)) return amount(0, "minute");
  std::string out;
  for (int depth = 0; depth < 2 && i < std::size(kChunks); ++depth, ++i) {
    const std::int64_t count = since / kChunks[i].first;
    if (count == 0) break;
    if (depth > 0) out += ", ";
    out += amount(count, kChunks[i].second);
    since -= count * kChunks[i].first;
  }
  return out;
}

absl::StatusOr<Value> TimeSinceFilter(const Value& in, const Call& call, bool reversed) {
  if (!Truthy(in, Syntax::kDjango)) return EmptyString();
  const std::optional<absl::Time> d = AsTime(in, call);
  if (!d.has_value()) return call.Error(absl::StrCat("'", Str(in), "' is not a date"));
  absl::Time now = call.context.now;
  if (call.has_arg() && Truthy(call.arg(), Syntax::kDjango)) {
    const std::optional<absl::Time> other = AsTime(call.arg(), call);
    if (!other.has_value()) {
      return call.Error(absl::StrCat("'", Str(call.arg()), "' is not a date"));
    }
    now = *other;
  }
  Text out(call);
  out.Add(TimeSince(*d, now, reversed));
  return out.Finish();
}

// ------------------------------------------------------------------------------------------------
// Numbers.

// A finite decimal number, (-1)^negative × digits × 10^exponent, as Python's Decimal holds it.
struct Decimal {
  bool negative = false;
  std::string digits = "0";
  std::int64_t exponent = 0;
};

Decimal DecimalFromInt(std::int64_t i) {
  Decimal d;
  d.negative = i < 0;
  // The magnitude of INT64_MIN does not fit an int64.
  d.digits =
      absl::StrCat(i < 0 ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i));
  return d;
}

// Decimal(repr(x)) for a finite float: the shortest digits that read back as x.
Decimal DecimalFromDouble(double x) {
  char buf[64];
  const std::to_chars_result r =
      std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::scientific);
  const absl::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
  const std::size_t e = sci.find('e');
  Decimal d;
  d.negative = std::signbit(x);
  d.digits.clear();
  for (char c : sci.substr(0, e)) {
    if (absl::ascii_isdigit(c)) d.digits += c;
  }
  int exponent = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exponent);
  d.exponent = exponent - static_cast<std::int64_t>(d.digits.size()) + 1;
  return d;
}

// A decimal numeral: optional sign, digits with an optional fraction, an optional exponent.
std::optional<Decimal> ParseDecimal(absl::string_view s) {
  s = absl::StripAsciiWhitespace(s);
  Decimal d;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    d.negative = s[0] == '-';
    s.remove_prefix(1);
  }
  std::size_t i = 0;
  std::string digits;
  while (i < s.size() && absl::ascii_isdigit(s[i])) digits += s[i++];
  std::int64_t exponent = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) {
      digits += s[i++];
      --exponent;
    }
  }
  if (digits.empty()) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    const bool negative = i < s.size() && s[i] == '-';
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i == s.size()) return std::nullopt;
    std::int64_t e = 0;
    for (; i < s.size() && absl::ascii_isdigit(s[i]); ++i) {
      // Far past any budget already; the size check refuses what is this large.
      e = std::min<std::int64_t>(e * 10 + (s[i] - '0'), 1'000'000'000);
    }
    exponent += negative ? -e : e;
  }
  if (i != s.size()) return std::nullopt;
  const std::size_t first = digits.find_first_not_of('0');
  d.digits = first == std::string::npos ? "0" : digits.substr(first);
  d.exponent = exponent;
  return d;
}

// The digits of round(d × 10^places) with halves rounded away from zero (ROUND_HALF_UP), without
// leading zeros ("0" for zero). The caller has charged the budget for about `places` plus the
// number's own length.
std::string RoundHalfUp(const Decimal& d, std::int64_t places) {
  const std::int64_t shift = d.exponent + places;
  std::string digits;
  if (shift >= 0) {
    digits = d.digits + std::string(static_cast<std::size_t>(shift), '0');
  } else {
    const std::size_t drop = static_cast<std::size_t>(-shift);
    bool up = false;
    if (drop < d.digits.size()) {
      digits = d.digits.substr(0, d.digits.size() - drop);
      up = d.digits[d.digits.size() - drop] >= '5';
    } else if (drop == d.digits.size()) {
      up = d.digits[0] >= '5';
    }
    if (up) {
      std::size_t i = digits.size();
      while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
      if (i == 0) {
        digits.insert(digits.begin(), '1');
      } else {
        ++digits[i - 1];
      }
    }
  }
  const std::size_t first = digits.find_first_not_of('0');
  return first == std::string::npos ? "0" : digits.substr(first);
}

// `digits` × 10^-places as fixed-point text with exactly `places` decimals, signed when negative
// and not zero.
std::string FixedPoint(std::string digits, std::int64_t places, bool negative) {
  const std::size_t p = static_cast<std::size_t>(places);
  const bool zero = digits == "0";
  if (digits.size() < p + 1) digits.insert(0, p + 1 - digits.size(), '0');
  std::string out = negative && !zero ? "-" : "";
  out.append(digits, 0, digits.size() - p);
  if (p > 0) absl::StrAppend(&out, ".", absl::string_view(digits).substr(digits.size() - p));
  return out;
}

// The bytes FixedPoint(RoundHalfUp(d, places)...) can take, charged before it is made.
std::size_t FixedPointSize(const Decimal& d, std::int64_t places) {
  const std::int64_t whole = static_cast<std::int64_t>(d.digits.size()) + d.exponent;
  return static_cast<std::size_t>(std::max<std::int64_t>(whole, 1)) +
         static_cast<std::size_t>(places) + 3;
}

absl::StatusOr<Value> FloatFormat(const Value& in, const Call& call) {
  Value arg = call.has_arg() ? call.arg() : Value::Int(-1);
  // A "g" suffix asks for the thousand separator, which the default NUMBER_GROUPING of 0 does not
  // insert: Django 3.2 prints the number without grouping.
  if (arg.is_string() && absl::EndsWith(arg.string_value(), "g")) {
    const absl::string_view rest = arg.string_value().substr(0, arg.string_value().size() - 1);
    arg = rest.empty() ? Value::Int(-1) : Value::String(std::string(rest));
  }
  // Django reads the number from repr(value), or else from str(float(value)).
  std::optional<Decimal> d;
  bool special = false;  // inf or nan
  if (in.is_int()) {
    d = DecimalFromInt(in.int_value());
  } else {
    const PyFloat f = ToPyFloat(in);
    if (f.error != PyError::kNone) return EmptyString();
    if (std::isfinite(f.value)) {
      d = DecimalFromDouble(f.value);
    } else {
      special = true;
    }
  }
  // What Django gives back when it cannot format: repr(value).
  const auto as_given = [&]() {
    Text out(call);
    out.Add(in.is_string() ? PythonRepr(in.string_value()) : Str(in));
    return out.Finish();
  };
  const PyInt p = ToPyInt(arg);
  if (p.error == PyError::kValue) return as_given();
  if (p.error != PyError::kNone || p.value == std::numeric_limits<std::int64_t>::min()) {
    return call.Error(absl::StrCat("invalid precision '", Str(arg), "'"));
  }
  // Numbers spelled with over 200 digits and exponent come back as they are (Django guards its
  // memory so); so do inf and nan.
  if (special || static_cast<std::int64_t>(d->digits.size()) + std::abs(d->exponent) > 200) {
    return as_given();
  }
  // Whole numbers print without decimals when the precision is negative.
  const bool whole =
      d->exponent >= 0 ||
      d->digits.find_first_not_of(
          '0', d->digits.size() - std::min<std::size_t>(d->digits.size(),
                                                        static_cast<std::size_t>(-d->exponent))) ==
          std::string::npos;
  const std::int64_t places = whole && p.value < 0 ? 0 : std::abs(p.value);
  NOTIFY_RETURN_IF_ERROR(call.context.budget->Bytes(FixedPointSize(*d, places)));
  return Value::String(FixedPoint(RoundHalfUp(*d, places), places, d->negative)).MarkedSafe();
}

absl::StatusOr<Value> FileSizeFormat(const Value& in, const Call& call) {
  const PyInt n = ToPyInt(in);
  if (n.error == PyError::kOverflow) {
    return call.Error(absl::StrCat("cannot convert '", Str(in), "' to an integer"));
  }
  Text out(call);
  if (n.error != PyError::kNone) {
    out.Add("0\u00a0bytes");
    return out.Finish();
  }
  if (n.value < 0) out.Add("-");
  // The magnitude of INT64_MIN does not fit an int64.
  const std::uint64_t bytes =
      n.value < 0 ? 0 - static_cast<std::uint64_t>(n.value) : static_cast<std::uint64_t>(n.value);
  static constexpr const char* kUnits[] = {"KB", "MB", "GB", "TB", "PB"};
  if (bytes < 1024) {
    out.Add(absl::StrCat(bytes, "\u00a0byte", bytes == 1 ? "" : "s"));
    return out.Finish();
  }
  int unit = 0;
  while (unit < 4 && bytes >= (std::uint64_t{1} << (10 * (unit + 2)))) ++unit;
  // round(x, 1) then str(): correctly rounded to one decimal, halves to even, as printf does.
  const double x =
      static_cast<double>(bytes) / static_cast<double>(std::uint64_t{1} << (10 * (unit + 1)));
  out.Add(absl::StrFormat("%.1f\u00a0%s", x, kUnits[unit]));
  return out.Finish();
}

absl::StatusOr<Value> Money(const Value& in, const Call& call) {
  if (in.kind() == Kind::kNil || (in.is_string() && in.string_value().empty())) {
    return EmptyString();
  }
  std::optional<Decimal> amount;
  if (in.is_int()) {
    amount = DecimalFromInt(in.int_value());
  } else if (in.is_float() && std::isfinite(in.number_value())) {
    amount = DecimalFromDouble(in.number_value());
  } else if (in.is_string()) {
    amount = ParseDecimal(in.string_value());
  }
  if (!amount.has_value()) return call.Error(absl::StrCat("needs a number, not \"", Str(in), "\""));
  const Value& arg = call.arg();
  const std::optional<Value> wanted = arg.is_bool() ? std::nullopt : ToNumber(arg, Syntax::kDjango);
  const double places = wanted.has_value() ? wanted->number_value() : -1;
  if (!(places >= 0 && places <= 30 && places == std::floor(places))) {
    return call.Error("the divisibility must be a whole number from 0 to 30");
  }
  const std::int64_t divisibility = static_cast<std::int64_t>(places);
  amount->exponent -= divisibility;
  NOTIFY_RETURN_IF_ERROR(call.context.budget->Bytes(FixedPointSize(*amount, divisibility)));
  return Value::String(
      FixedPoint(RoundHalfUp(*amount, divisibility), divisibility, amount->negative));
}

absl::StatusOr<Value> Timestamp(const Value& in, const Call& call) {
  if (in.kind() == Kind::kNil || (in.is_string() && in.string_value().empty())) {
    return EmptyString();
  }
  const std::optional<Value> millis = in.is_bool() ? std::nullopt : ToNumber(in, Syntax::kDjango);
  if (!millis.has_value() || !std::isfinite(millis->number_value())) {
    return call.Error(absl::StrCat("needs milliseconds since the epoch, not \"", Str(in), "\""));
  }
  const absl::Time t = millis->is_int() ? absl::FromUnixMillis(millis->int_value())
                                        : absl::FromUnixMicros(static_cast<std::int64_t>(
                                              std::nearbyint(millis->number_value() * 1000)));
  // Python's datetimes run from year 1 to year 9999.
  static const absl::Time kFirst =
      absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  static const absl::Time kEnd =
      absl::FromCivil(absl::CivilSecond(10000, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  if (t < kFirst || t >= kEnd) return call.Error(absl::StrCat(Str(in), " is out of range"));
  return Value::Time(t);
}

absl::StatusOr<Value> Add(const Value& in, const Call& call) {
  const Value& arg = call.arg();
  const PyInt a = ToPyInt(in);
  const PyInt b = a.error == PyError::kNone ? ToPyInt(arg) : PyInt{};
  if (a.error == PyError::kOverflow || b.error == PyError::kOverflow) {
    return call.Error(absl::StrCat("cannot add '", Str(arg), "' to '", Str(in), "' as integers"));
  }
  if (a.error == PyError::kNone && b.error == PyError::kNone) {
    std::int64_t sum = 0;
    if (!__builtin_add_overflow(a.value, b.value, &sum)) return Value::Int(sum);
    // Python's ints grow; the exact sum prints the same as a string.
    const __int128 wide = static_cast<__int128>(a.value) + b.value;
    const bool negative = wide < 0;
    unsigned __int128 magnitude = negative ? -static_cast<unsigned __int128>(wide) : wide;
    std::string digits;
    while (magnitude > 0) {
      digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
      magnitude /= 10;
    }
    return Value::String(absl::StrCat(negative ? "-" : "", digits));
  }
  // Not integers: Python's value + arg, which concatenates strings and lists and adds numbers;
  // anything else gives "".
  if (in.is_string() && arg.is_string()) {
    Text out(call);
    out.Add(in.string_value());
    out.Add(arg.string_value());
    // A safe string plus a safe string stays safe (SafeString.__add__).
    return out.Finish(in.safe() && arg.safe());
  }
  if (in.is_sequence() && arg.is_sequence()) {
    NOTIFY_RETURN_IF_ERROR(call.Elements(in.Size() + arg.Size()));
    std::vector<Value> items = in.Elements();
    for (Value& v : arg.Elements()) items.push_back(std::move(v));
    return Value::Array(std::move(items));
  }
  if (IsPyNumber(in) && IsPyNumber(arg)) {
    // One of them is a nan that int() refused.
    return Value::Float(ToPyFloat(in).value + ToPyFloat(arg).value);
  }
  return EmptyString();
}

absl::StatusOr<Value> DivisibleBy(const Value& in, const Call& call) {
  const PyInt a = ToPyInt(in);
  if (a.error != PyError::kNone) {
    return call.Error(absl::StrCat("'", Str(in), "' is not an integer"));
  }
  const PyInt b = ToPyInt(call.arg());
  if (b.error != PyError::kNone) {
    return call.Error(absl::StrCat("'", Str(call.arg()), "' is not an integer"));
  }
  if (b.value == 0) return call.Error("integer division or modulo by zero");
  return Value::Bool(b.value == -1 || a.value % b.value == 0);
}

absl::StatusOr<Value> GetDigit(const Value& in, const Call& call) {
  const PyInt position = ToPyInt(call.arg());
  if (position.error == PyError::kValue) return in;
  if (position.error != PyError::kNone) {
    return call.Error(absl::StrCat("'", Str(call.arg()), "' is not an integer"));
  }
  const PyInt number = ToPyInt(in);
  if (number.error == PyError::kValue) return in;
  if (number.error != PyError::kNone) {
    return call.Error(absl::StrCat("'", Str(in), "' is not an integer"));
  }
  // From here on Django has replaced the value by int(value).
  if (position.value < 1) return Value::Int(number.value);
  const std::string digits = absl::StrCat(number.value);
  if (position.value > static_cast<std::int64_t>(digits.size())) return Value::Int(0);
  const char digit = digits[digits.size() - static_cast<std::size_t>(position.value)];
  if (digit == '-') return call.Error("invalid literal for int() with base 10: '-'");
  return Value::Int(digit - '0');
}

// Python's ascii(): repr with the code points above ASCII escaped.
std::string AsciiRepr(const Value& v) {
  std::string out;
  for (char32_t c : Decode(Repr(v))) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x100) {
      out += absl::StrFormat("\\x%02x", static_cast<unsigned>(c));
    } else if (c < 0x10000) {
      out += absl::StrFormat("\\u%04x", static_cast<unsigned>(c));
    } else {
      out += absl::StrFormat("\\U%08x", static_cast<unsigned>(c));
    }
  }
  return out;
}

// One conversion of Python's %-formatting, parsed.
struct Conversion {
  bool left = false, plus = false, space = false, alternate = false, zero = false;
  std::int64_t width = -1, precision = -1;
  char type = 0;
};

// The pieces of a converted number: sign, prefix ("0x"), digits; or of a string (body only).
struct Converted {
  std::string sign, prefix, body;
  bool numeric = false;
};

// How Python's % converts `v` for conversion `c`: nullopt for its ValueError and TypeError (the
// filter then gives ""); an error for what Django lets escape.
absl::StatusOr<std::optional<Converted>> Convert(const Conversion& c, const Value& v,
                                                 const Call& call) {
  Converted out;
  switch (c.type) {
    case 's':
    case 'r':
    case 'a': {
      const std::string text = c.type == 's' ? Str(v) : c.type == 'r' ? Repr(v) : AsciiRepr(v);
      if (c.precision >= 0 && CountCodePoints(text) > static_cast<std::size_t>(c.precision)) {
        out.body = Encode(std::u32string_view(Decode(text)).substr(0, c.precision));
      } else {
        out.body = text;
      }
      return std::optional<Converted>(std::move(out));
    }
    case 'c': {
      if (v.is_string() && CountCodePoints(v.string_value()) == 1) {
        out.body = std::string(v.string_value());
        return std::optional<Converted>(std::move(out));
      }
      if (!v.is_int() && !v.is_bool()) return std::optional<Converted>();
      const std::int64_t cp = ToPyInt(v).value;
      if (cp < 0 || cp > 0x10FFFF) return call.Error("%c arg not in range(0x110000)");
      AppendUtf8(static_cast<char32_t>(cp), out.body);
      return std::optional<Converted>(std::move(out));
    }
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      out.numeric = true;
      std::uint64_t magnitude = 0;
      bool negative = false;
      if (v.is_int() || v.is_bool()) {
        const std::int64_t i = ToPyInt(v).value;
        negative = i < 0;
        magnitude = negative ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
      } else if (v.is_float() && (c.type == 'd' || c.type == 'i' || c.type == 'u')) {
        // %d takes int() of a float: exact however large.
        const double x = v.number_value();
        if (std::isnan(x)) return std::optional<Converted>();
        if (std::isinf(x)) return call.Error("cannot convert float infinity to integer");
        negative = x <= -1;
        out.body = absl::StrFormat("%.0f", std::fabs(std::trunc(x)));
      } else {
        return std::optional<Converted>();
      }
      if (out.body.empty()) {
        out.body = c.type == 'x'   ? absl::StrFormat("%x", magnitude)
                   : c.type == 'X' ? absl::StrFormat("%X", magnitude)
                   : c.type == 'o' ? absl::StrFormat("%o", magnitude)
                                   : absl::StrCat(magnitude);
      }
      if (c.alternate && c.type != 'd' && c.type != 'i' && c.type != 'u') {
        out.prefix = c.type == 'x' ? "0x" : c.type == 'X' ? "0X" : "0o";
      }
      if (c.precision > static_cast<std::int64_t>(out.body.size())) {
        const std::size_t zeros = static_cast<std::size_t>(c.precision) - out.body.size();
        NOTIFY_RETURN_IF_ERROR(call.context.budget->Bytes(zeros));
        out.body.insert(0, zeros, '0');
      }
      out.sign = negative ? "-" : c.plus ? "+" : c.space ? " " : "";
      return std::optional<Converted>(std::move(out));
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      out.numeric = true;
      if (!IsPyNumber(v)) return std::optional<Converted>();
      const double x = ToPyFloat(v).value;
      const bool upper = c.type == 'E' || c.type == 'F' || c.type == 'G';
      if (std::isnan(x)) {
        out.body = upper ? "NAN" : "nan";
      } else if (std::isinf(x)) {
        out.body = upper ? "INF" : "inf";
      } else {
        const std::string spec =
            absl::StrCat("%", c.alternate ? "#" : "", ".", c.precision < 0 ? 6 : c.precision,
                         std::string(1, c.type));
        const int size = std::snprintf(nullptr, 0, spec.c_str(), std::fabs(x));
        if (size < 0) return call.Error("precision too big");
        NOTIFY_RETURN_IF_ERROR(call.context.budget->Bytes(static_cast<std::size_t>(size)));
        out.body.resize(static_cast<std::size_t>(size) + 1);
        std::snprintf(out.body.data(), out.body.size(), spec.c_str(), std::fabs(x));
        out.body.resize(static_cast<std::size_t>(size));
      }
      const bool negative = std::signbit(x) && !std::isnan(x);
      out.sign = negative ? "-" : c.plus ? "+" : c.space ? " " : "";
      return std::optional<Converted>(std::move(out));
    }
  }
  return std::optional<Converted>();  // unsupported format character
}

// Django's stringformat: ("%" + spec) % value, with Python's rules for a single argument (a list
// or dict counts as a mapping, so "%(key)s" looks into a dict).
absl::StatusOr<Value> StringFormat(const Value& in, const Call& call) {
  const std::string format = absl::StrCat("%", Str(call.arg()));
  const bool mapping = in.is_sequence() || in.is_object();
  bool used = false;  // Whether the one argument has been converted.
  Text out(call);
  const auto fail = [] { return absl::StatusOr<Value>(EmptyString()); };
  std::size_t i = 0;
  const auto number = [&](std::int64_t& n) {
    n = 0;
    for (; i < format.size() && absl::ascii_isdigit(format[i]); ++i) {
      if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, format[i] - '0', &n)) {
        return false;
      }
    }
    return true;
  };
  while (i < format.size()) {
    const std::size_t percent = format.find('%', i);
    out.Add(absl::string_view(format).substr(i, percent - i));
    if (percent == std::string::npos) break;
    i = percent + 1;
    if (i == format.size()) return fail();  // incomplete format
    if (format[i] == '%') {
      out.Add("%");
      ++i;
      continue;
    }
    Value keyed;
    bool has_key = false;
    if (format[i] == '(') {
      if (!mapping) return fail();  // format requires a mapping
      int depth = 1;
      std::size_t j = i + 1;
      for (; j < format.size() && depth > 0; ++j) {
        depth += format[j] == '(' ? 1 : format[j] == ')' ? -1 : 0;
      }
      if (depth > 0) return fail();        // incomplete format key
      if (!in.is_object()) return fail();  // list indices must be integers
      const std::string key = format.substr(i + 1, j - i - 2);
      keyed = in.Get(key);
      if (keyed.is_undefined()) return call.Error(absl::StrCat("KeyError: ", PythonRepr(key)));
      has_key = true;
      i = j;
    }
    Conversion c;
    for (; i < format.size(); ++i) {
      const char f = format[i];
      if (f == '-') {
        c.left = true;
      } else if (f == '+') {
        c.plus = true;
      } else if (f == ' ') {
        c.space = true;
      } else if (f == '#') {
        c.alternate = true;
      } else if (f == '0') {
        c.zero = true;
      } else {
        break;
      }
    }
    // "*" takes the width from the arguments, which leaves none for the conversion.
    if (i < format.size() && format[i] == '*') return fail();
    if (i < format.size() && absl::ascii_isdigit(format[i]) && !number(c.width)) return fail();
    if (i < format.size() && format[i] == '.') {
      ++i;
      if (i < format.size() && format[i] == '*') return fail();
      if (!number(c.precision)) return fail();
    }
    if (i < format.size() && (format[i] == 'h' || format[i] == 'l' || format[i] == 'L')) ++i;
    if (i == format.size()) return fail();  // incomplete format
    c.type = format[i++];
    if (!has_key && used) return fail();  // not enough arguments
    used = true;
    NOTIFY_ASSIGN_OR_RETURN(const std::optional<Converted> converted,
                            Convert(c, has_key ? keyed : in, call));
    if (!converted.has_value()) return fail();
    const std::size_t length =
        converted->sign.size() + converted->prefix.size() + CountCodePoints(converted->body);
    const std::size_t pad = c.width > static_cast<std::int64_t>(length)
                                ? static_cast<std::size_t>(c.width) - length
                                : 0;
    if (pad > 0 && !c.left && !(c.zero && converted->numeric)) out.Add(pad, ' ');
    out.Add(converted->sign);
    out.Add(converted->prefix);
    if (pad > 0 && !c.left && c.zero && converted->numeric) out.Add(pad, '0');
    out.Add(converted->body);
    if (pad > 0 && c.left) out.Add(pad, ' ');
  }
  if (!used && !mapping) return fail();  // not all arguments converted
  return out.Finish();
}

// ------------------------------------------------------------------------------------------------
// Strings.

// Python's type(value).__name__, for error messages.
std::string TypeName(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kString:
      return "str";
    case Kind::kNil:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kArray:
    case Kind::kRange:
      return "list";
    case Kind::kObject:
      return "dict";
    case Kind::kLoop:
      return "ForloopContext";
    case Kind::kTime:
      return "datetime";
  }
  return "object";
}

// int(arg) for an argument Django does not guard: failures escape the filter.
absl::StatusOr<std::int64_t> IntArg(const Call& call) {
  const PyInt n = ToPyInt(call.arg());
  if (n.error == PyError::kNone) return n.value;
  if (n.error == PyError::kType) {
    return call.Error(absl::StrCat("int() argument must be a string or a number, not '",
                                   TypeName(call.arg()), "'"));
  }
  return call.Error(absl::StrCat("invalid literal for int() with base 10: ", Repr(call.arg())));
}

absl::StatusOr<Value> AddSlashes(const Value& in, const Call& call) {
  Text out(call);
  for (char c : Str(in)) {
    if (c == '\\' || c == '"' || c == '\'') out.Add("\\");
    out.Add(absl::string_view(&c, 1));
  }
  return out.Finish();
}

absl::StatusOr<Value> CapFirst(const Value& in, const Call& call) {
  const std::u32string s = StrChars(in);
  Text out(call);
  if (!s.empty()) {
    std::u32string first;
    MapCase(s, 0, Case::kUpper, first);
    out.AddChars(first);
    out.AddChars(std::u32string_view(s).substr(1));
  }
  return out.Finish();
}

enum class Align { kLeft, kRight, kCenter };

// str.ljust, str.rjust and str.center with spaces.
absl::StatusOr<Value> Justify(const Value& in, const Call& call, Align align) {
  const std::string s = Str(in);
  NOTIFY_ASSIGN_OR_RETURN(const std::int64_t width, IntArg(call));
  const std::int64_t length = static_cast<std::int64_t>(CountCodePoints(s));
  const std::int64_t margin = std::max<std::int64_t>(width - length, 0);
  // CPython's centering puts the odd space on the left when the width is odd.
  const std::int64_t left = align == Align::kLeft    ? 0
                            : align == Align::kRight ? margin
                                                     : margin / 2 + (margin & width & 1);
  Text out(call);
  out.Add(static_cast<std::size_t>(left), ' ');
  out.Add(s);
  out.Add(static_cast<std::size_t>(margin - left), ' ');
  return out.Finish();
}

absl::StatusOr<Value> LJust(const Value& in, const Call& call) {
  return Justify(in, call, Align::kLeft);
}
absl::StatusOr<Value> RJust(const Value& in, const Call& call) {
  return Justify(in, call, Align::kRight);
}
absl::StatusOr<Value> Center(const Value& in, const Call& call) {
  return Justify(in, call, Align::kCenter);
}

absl::StatusOr<Value> Cut(const Value& in, const Call& call) {
  const Value& arg = call.arg();
  if (!arg.is_string()) {
    return call.Error(absl::StrCat("replace() argument 1 must be str, not ", TypeName(arg)));
  }
  const std::string str = Str(in);
  const absl::string_view s = str;
  const absl::string_view remove = arg.string_value();
  Text out(call);
  if (remove.empty()) {
    out.Add(s);
  } else {
    std::size_t from = 0;
    for (std::size_t at = s.find(remove); at != absl::string_view::npos;
         at = s.find(remove, from)) {
      out.Add(s.substr(from, at - from));
      from = at + remove.size();
    }
    out.Add(s.substr(from));
  }
  // Cutting ";" could break an entity, so Django does not keep the text safe then.
  return out.Finish(in.safe() && remove != ";");
}

absl::StatusOr<Value> EscapeFilter(const Value& in, const Call& call) {
  Text out(call);
  out.Add(ConditionalEscape(in));
  return out.Finish(true);
}

absl::StatusOr<Value> ForceEscape(const Value& in, const Call& call) {
  Text out(call);
  out.Add(Escape(Str(in)));
  return out.Finish(true);
}

absl::StatusOr<Value> EscapeJs(const Value& in, const Call& call) {
  Text out(call);
  for (char32_t c : StrChars(in)) {
    if (c < 0x20 || c == '\\' || c == '\'' || c == '"' || c == '>' || c == '<' || c == '&' ||
        c == '=' || c == '-' || c == ';' || c == '`' || c == 0x2028 || c == 0x2029) {
      out.Add(absl::StrFormat("\\u%04X", static_cast<unsigned>(c)));
    } else {
      out.AddChar(c);
    }
  }
  // Django's escapejs marks its result safe.
  return out.Finish(true);
}

// urllib.parse.quote: UTF-8 bytes percent-encoded, except letters, digits, "_.-~" and `safe`.
void Quote(absl::string_view s, absl::string_view safe, Text& out) {
  for (char c : s) {
    if (absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' ||
        (static_cast<unsigned char>(c) < 0x80 && safe.find(c) != absl::string_view::npos)) {
      out.Add(absl::string_view(&c, 1));
    } else {
      out.Add(absl::StrFormat("%%%02X", static_cast<unsigned char>(c)));
    }
  }
}

absl::StatusOr<Value> IriEncode(const Value& in, const Call& call) {
  Text out(call);
  Quote(Str(in), "/#%[]=:;$&()+,!?*@'~", out);
  return out.Finish();
}

absl::StatusOr<Value> UrlEncode(const Value& in, const Call& call) {
  std::string safe = "/";
  if (call.has_arg()) {
    if (!call.arg().is_string()) {
      return call.Error(absl::StrCat("'", TypeName(call.arg()), "' object is not iterable"));
    }
    safe = std::string(call.arg().string_value());
  }
  Text out(call);
  Quote(Str(in), safe, out);
  return out.Finish();
}

absl::StatusOr<Value> Lower(const Value& in, const Call& call) {
  Text out(call);
  out.AddChars(ChangeCase(StrChars(in), Case::kLower));
  return out.Finish();
}

absl::StatusOr<Value> Upper(const Value& in, const Call& call) {
  Text out(call);
  out.AddChars(ChangeCase(StrChars(in), Case::kUpper));
  return out.Finish();
}

absl::StatusOr<Value> Title(const Value& in, const Call& call) {
  const std::u32string titled = TitleCase(StrChars(in));
  std::u32string s = titled;
  const auto upper = [](char32_t c) { return c >= 'A' && c <= 'Z'; };
  // Django then lower-cases a capital after a small letter and an apostrophe ("don't"; the
  // matches of its regex do not overlap), and one after a digit ("1st").
  std::size_t free_from = 0;
  for (std::size_t i = 2; i < s.size(); ++i) {
    if (upper(titled[i]) && titled[i - 1] == '\'' && titled[i - 2] >= 'a' && titled[i - 2] <= 'z' &&
        i - 2 >= free_from) {
      s[i] += 0x20;
      free_from = i + 1;
    }
  }
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (upper(s[i]) && IsAsciiDigit(s[i - 1])) s[i] += 0x20;
  }
  Text out(call);
  out.AddChars(s);
  return out.Finish();
}

absl::StatusOr<Value> MakeList(const Value& in, const Call& call) {
  const std::u32string s = StrChars(in);
  NOTIFY_RETURN_IF_ERROR(call.Elements(s.size()));
  std::vector<Value> items;
  items.reserve(s.size());
  for (char32_t c : s) {
    Text one(call);
    one.AddChar(c);
    NOTIFY_ASSIGN_OR_RETURN(Value item, one.Finish());
    items.push_back(std::move(item));
  }
  return Value::Array(std::move(items));
}

absl::StatusOr<Value> Phone2Numeric(const Value& in, const Call& call) {
  // Not a stringfilter: Django calls value.lower(), which only strings have.
  if (!in.is_string()) {
    return call.Error(absl::StrCat("'", TypeName(in), "' object has no attribute 'lower'"));
  }
  static constexpr absl::string_view kKeys = "22233344455566677778889999";
  Text out(call);
  for (char32_t c : ChangeCase(Decode(in.string_value()), Case::kLower)) {
    if (c >= 'a' && c <= 'z') {
      out.Add(kKeys.substr(c - 'a', 1));
    } else {
      out.AddChar(c);
    }
  }
  return out.Finish();
}

absl::StatusOr<Value> Safe(const Value& in, const Call& call) {
  Text out(call);
  out.Add(Str(in));
  return out.Finish(true);
}

absl::StatusOr<Value> SafeSeq(const Value& in, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(std::optional<std::vector<Value>> items, PyItems(in, call));
  if (!items.has_value()) {
    return call.Error(absl::StrCat("'", TypeName(in), "' object is not iterable"));
  }
  for (Value& item : *items) {
    Text text(call);
    text.Add(Str(item));
    NOTIFY_ASSIGN_OR_RETURN(item, text.Finish(true));
  }
  return Value::Array(std::move(*items));
}

// NFKD then ASCII only, as slugify does it, for Latin-1 Supplement and Latin Extended-A (a table
// from U+00A0), Latin Extended Additional, spaces, ligatures and fullwidth ASCII; other
// non-ASCII characters are dropped. Only letters, digits and spaces matter: slugify removes the
// rest. '~' marks characters that leave nothing.
constexpr absl::string_view kLatin1AndExtendedA =
    " ~~~~~~~ ~a~~~~ ~~23 ~~~ 1o~~~~~AAAAAA~CEEEEIIII~NOOOOO~~UUUUY~~aaaaaa~ceeeeiiii~nooooo~~uuuuy"
    "~yAaAaAaCcCcCcCcDd~~EeEeEeEeEeGgGgGgGgHh~~IiIiIiIiI~~~JjKk~LlLlLlLl~~NnNnNnn~~OoOoOo~~RrRrRrSs"
    "SsSsSsTtTt~~UuUuUuUuUuUuWwYyYZzZzZzs";
constexpr absl::string_view kLatinExtendedAdditional =
    "AaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpRrRrRr"
    "RrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwyas~~~~AaAaAaAaAaAaAaAaAaAaAaAaEeEe"
    "EeEeEeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy~~~~~~";

std::string Transliterate(char32_t c) {
  if (c < 0x80) return std::string(1, static_cast<char>(c));
  if (c >= 0xA0 && c < 0x180) {
    // The vulgar fractions and the IJ ligatures decompose to two characters.
    if (c == 0xBC) return "14";
    if (c == 0xBD) return "12";
    if (c == 0xBE) return "34";
    if (c == 0x132) return "IJ";
    if (c == 0x133) return "ij";
    const char t = kLatin1AndExtendedA[c - 0xA0];
    return t == '~' ? "" : std::string(1, t);
  }
  if (c >= 0x1E00 && c < 0x1F00) {
    const char t = kLatinExtendedAdditional[c - 0x1E00];
    return t == '~' ? "" : std::string(1, t);
  }
  if ((c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000) return " ";
  static constexpr std::pair<char32_t, absl::string_view> kLigatures[] = {
      {0xFB00, "ff"},  {0xFB01, "fi"}, {0xFB02, "fl"}, {0xFB03, "ffi"},
      {0xFB04, "ffl"}, {0xFB05, "st"}, {0xFB06, "st"},
  };
  for (const auto& [ligature, letters] : kLigatures) {
    if (c == ligature) return std::string(letters);
  }
  if (c >= 0xFF01 && c <= 0xFF5E) return std::string(1, static_cast<char>(c - 0xFEE0));
  return "";
}

absl::StatusOr<Value> Slugify(const Value& in, const Call& call) {
  std::string ascii;
  for (char32_t c : StrChars(in)) ascii += Transliterate(c);
  // Python's \s on ASCII text includes the separators \x1c-\x1f.
  const auto is_space = [](char c) { return IsSpace(static_cast<unsigned char>(c)); };
  // re.sub(r'[^\w\s-]', '', value.lower()), then runs of [-\s] become one "-".
  std::string kept;
  for (char c : ascii) {
    c = absl::ascii_tolower(c);
    if (absl::ascii_isalnum(c) || c == '_' || c == '-' || is_space(c)) kept += c;
  }
  std::string slug;
  for (std::size_t i = 0; i < kept.size();) {
    if (kept[i] == '-' || is_space(kept[i])) {
      while (i < kept.size() && (kept[i] == '-' || is_space(kept[i]))) ++i;
      slug += '-';
    } else {
      slug += kept[i++];
    }
  }
  const std::size_t b = slug.find_first_not_of("-_");
  const std::size_t e = slug.find_last_not_of("-_");
  Text out(call);
  if (b != std::string::npos) out.Add(absl::string_view(slug).substr(b, e + 1 - b));
  return out.Finish();
}

absl::StatusOr<Value> WordCount(const Value& in, const Call&) {
  return Value::Int(static_cast<std::int64_t>(SplitWords(StrChars(in)).size()));
}

// Django's normalize_newlines: "\r\n" and "\r" become "\n".
std::string NormalizeNewlines(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

absl::StatusOr<Value> LineBreaks(const Value& in, const Call& call) {
  const bool escape = call.autoescape() && !in.safe();
  const std::string s = NormalizeNewlines(Str(in));
  Text out(call);
  // Paragraphs are separated by two newlines or more.
  std::size_t start = 0;
  while (true) {
    std::size_t end = s.find("\n\n", start);
    if (end == std::string::npos) end = s.size();
    const std::string paragraph = s.substr(start, end - start);
    out.Add("<p>");
    out.Add(absl::StrReplaceAll(escape ? Escape(paragraph) : paragraph, {{"\n", "<br>"}}));
    out.Add("</p>");
    if (end == s.size()) break;
    start = s.find_first_not_of('\n', end);
    if (start == std::string::npos) start = s.size();
    out.Add("\n\n");
  }
  return out.Finish(true);
}

absl::StatusOr<Value> LineBreaksBr(const Value& in, const Call& call) {
  std::string s = NormalizeNewlines(Str(in));
  if (call.autoescape() && !in.safe()) s = Escape(s);
  Text out(call);
  out.Add(absl::StrReplaceAll(s, {{"\n", "<br>"}}));
  return out.Finish(true);
}

absl::StatusOr<Value> LineNumbers(const Value& in, const Call& call) {
  const bool escape = call.autoescape() && !in.safe();
  const std::string s = Str(in);
  const std::vector<absl::string_view> lines = absl::StrSplit(s, '\n');
  const int width = static_cast<int>(absl::StrCat(lines.size()).size());
  Text out(call);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out.Add("\n");
    out.Add(absl::StrFormat("%0*d. ", width, i + 1));
    out.Add(escape ? Escape(lines[i]) : std::string(lines[i]));
  }
  return out.Finish(true);
}

// ------------------------------------------------------------------------------------------------
// Logic.

absl::StatusOr<Value> Default(const Value& in, const Call& call) {
  return Truthy(in, Syntax::kDjango) ? in : call.arg();
}

absl::StatusOr<Value> DefaultIfNone(const Value& in, const Call& call) {
  return in.kind() == Kind::kNil ? call.arg() : in;
}

// The comma-separated words of a string argument; Django calls str.split, which other values lack.
absl::StatusOr<std::vector<std::string>> CommaBits(const Value& arg, const Call& call) {
  if (!arg.is_string()) {
    return call.Error(absl::StrCat("'", TypeName(arg), "' object has no attribute 'split'"));
  }
  return absl::StrSplit(arg.string_value(), ',');
}

absl::StatusOr<Value> YesNo(const Value& in, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(
      const std::vector<std::string> bits,
      CommaBits(call.has_arg() ? call.arg() : Value::StringRef("yes,no,maybe"), call));
  if (bits.size() < 2) return in;
  // Without a third word (or with more than three), None counts as false.
  const std::string& maybe = bits.size() == 3 ? bits[2] : bits[1];
  const std::string& chosen = in.kind() == Kind::kNil       ? maybe
                              : Truthy(in, Syntax::kDjango) ? bits[0]
                                                            : bits[1];
  Text out(call);
  out.Add(chosen);
  return out.Finish();
}

absl::StatusOr<Value> Pluralize(const Value& in, const Call& call) {
  std::string arg = "s";
  if (call.has_arg()) {
    if (!call.arg().is_string()) {
      return call.Error(
          absl::StrCat("argument of type '", TypeName(call.arg()), "' is not iterable"));
    }
    arg = std::string(call.arg().string_value());
  }
  if (!absl::StrContains(arg, ',')) arg.insert(0, ",");
  NOTIFY_ASSIGN_OR_RETURN(const std::vector<std::string> bits,
                          CommaBits(Value::StringRef(arg), call));
  if (bits.size() > 2) return EmptyString();
  // float(value) == 1 for numbers and numeric strings, len(value) == 1 for the rest; strings that
  // are not numbers and values without a length give "".
  bool singular = false;
  const PyFloat f = ToPyFloat(in);
  if (f.error == PyError::kNone) {
    singular = f.value == 1;
  } else if (f.error == PyError::kType && PyLen(in).has_value()) {
    singular = *PyLen(in) == 1;
  } else {
    return EmptyString();
  }
  Text out(call);
  out.Add(singular ? bits[0] : bits[1]);
  return out.Finish();
}

// ------------------------------------------------------------------------------------------------
// Lists.

absl::StatusOr<Value> Length(const Value& in, const Call&) {
  return Value::Int(static_cast<std::int64_t>(PyLen(in).value_or(0)));
}

absl::StatusOr<Value> LengthIs(const Value& in, const Call& call) {
  const std::optional<std::size_t> length = PyLen(in);
  const PyInt n = ToPyInt(call.arg());
  if (!length.has_value() || n.error == PyError::kType || n.error == PyError::kValue) {
    return EmptyString();
  }
  if (n.error == PyError::kOverflow) {
    // int() of infinity raises; larger integers than ours are simply not the length.
    if (call.arg().is_float() && std::isinf(call.arg().number_value())) {
      return call.Error("cannot convert float infinity to integer");
    }
    return Value::Bool(false);
  }
  return Value::Bool(n.value >= 0 && static_cast<std::size_t>(n.value) == *length);
}

// value[0] and value[-1] for first and last.
absl::StatusOr<Value> Item(const Value& in, const Call& call, bool last) {
  if (in.is_string()) {
    const std::u32string s = Decode(in.string_value());
    if (s.empty()) return EmptyString();
    Text out(call);
    out.AddChar(last ? s.back() : s.front());
    return out.Finish();
  }
  if (in.is_sequence()) {
    if (in.Size() == 0) return EmptyString();
    return in.At(last ? in.Size() - 1 : 0);
  }
  // A dict is indexed by key: 0 and -1 are none of a JSON object's.
  if (in.is_object()) return call.Error(last ? "KeyError: -1" : "KeyError: 0");
  return call.Error(absl::StrCat("'", TypeName(in), "' object is not subscriptable"));
}

absl::StatusOr<Value> First(const Value& in, const Call& call) { return Item(in, call, false); }
absl::StatusOr<Value> Last(const Value& in, const Call& call) { return Item(in, call, true); }

absl::StatusOr<Value> Random(const Value& in, const Call& call) {
  const std::optional<std::size_t> length = PyLen(in);
  if (!length.has_value()) {
    return call.Error(absl::StrCat("object of type '", TypeName(in), "' has no len()"));
  }
  if (*length == 0) return call.Error("Cannot choose from an empty sequence");
  thread_local std::mt19937_64 engine{std::random_device{}()};
  const std::size_t pick = std::uniform_int_distribution<std::size_t>(0, *length - 1)(engine);
  // random.choice indexes the value: a dict by an integer key, which JSON objects lack.
  if (in.is_object()) return call.Error(absl::StrCat("KeyError: ", pick));
  if (in.is_sequence()) return in.At(pick);
  Text out(call);
  out.AddChar(Decode(in.string_value())[pick]);
  return out.Finish();
}

absl::StatusOr<Value> Slice(const Value& in, const Call& call) {
  // str(arg).split(":"), each part an int or empty; anything else leaves the value as it is.
  const std::vector<std::string> parts = absl::StrSplit(Str(call.arg()), ':');
  if (parts.size() > 3) return in;
  std::optional<std::int64_t> bits[3];
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) continue;
    const PyInt n = ToPyInt(Value::StringRef(parts[i]));
    if (n.error != PyError::kNone) return in;
    bits[i] = n.value;
  }
  // slice(stop) with one part, slice(start, stop[, step]) with more.
  std::optional<std::int64_t> start;
  std::optional<std::int64_t> stop = bits[0];
  if (parts.size() > 1) {
    start = bits[0];
    stop = bits[1];
  }
  const std::int64_t step = bits[2].value_or(1);
  if (step == 0 || !(in.is_string() || in.is_sequence())) return in;
  if (in.is_sequence()) {
    const std::vector<std::size_t> positions =
        SlicePositions(AdjustSlice(start, stop, step, static_cast<std::int64_t>(in.Size())));
    NOTIFY_RETURN_IF_ERROR(call.Elements(positions.size()));
    std::vector<Value> items;
    items.reserve(positions.size());
    for (std::size_t i : positions) items.push_back(in.At(i));
    return Value::Array(std::move(items));
  }
  const std::u32string s = Decode(in.string_value());
  Text out(call);
  for (std::size_t i :
       SlicePositions(AdjustSlice(start, stop, step, static_cast<std::int64_t>(s.size())))) {
    out.AddChar(s[i]);
  }
  return out.Finish();
}

absl::StatusOr<Value> Join(const Value& in, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const std::optional<std::vector<Value>> items, PyItems(in, call));
  if (!items.has_value()) return in;  // Not iterable: Django gives the value back.
  // Without autoescaping, str.join takes strings only, and Django gives the value back for any
  // other item.
  if (!call.autoescape()) {
    for (const Value& item : *items) {
      if (!item.is_string()) return in;
    }
  }
  // The separator is escaped even when autoescaping is off, as in Django 3.2.
  const std::string separator = ConditionalEscape(call.arg());
  Text out(call);
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (i > 0) out.Add(separator);
    const Value& item = (*items)[i];
    out.Add(call.autoescape() ? ConditionalEscape(item) : std::string(item.string_value()));
  }
  return out.Finish(true);
}

// What Django's _property_resolver(arg) finds in one item: the sort key, or why not.
enum class KeyFailure { kNone, kCaught, kRaised };

struct SortKey {
  Value key;
  KeyFailure failure = KeyFailure::kNone;
  std::string error;  // For kRaised.
};

// An argument that float() accepts is one itemgetter key (a list index when it is an integer, a
// dict key when it is a string); any other string is a dotted path of dict keys.
SortKey ResolveKey(const Value& item, const Value& arg) {
  SortKey out;
  const PyFloat numeric = ToPyFloat(arg);
  if (numeric.error == PyError::kType) {
    out.failure = KeyFailure::kCaught;
    return out;
  }
  if (numeric.error == PyError::kNone) {
    if (item.is_sequence() || item.is_string()) {
      if (!arg.is_int() && !arg.is_bool()) {
        out.failure = KeyFailure::kCaught;  // list indices must be integers
        return out;
      }
      const std::int64_t length = static_cast<std::int64_t>(
          item.is_string() ? CountCodePoints(item.string_value()) : item.Size());
      std::int64_t index = ToPyInt(arg).value;
      if (index < 0) index += length;
      if (index < 0 || index >= length) {
        out.failure = KeyFailure::kRaised;
        out.error = "IndexError: index out of range";
        return out;
      }
      if (item.is_sequence()) {
        out.key = item.At(static_cast<std::size_t>(index));
      } else {
        out.key = Value::String(
            Encode(std::u32string_view(Decode(item.string_value())).substr(index, 1)));
      }
      return out;
    }
    if (item.is_object()) {
      if (arg.is_string()) out.key = item.Get(arg.string_value());
      if (out.key.is_undefined()) {
        out.failure = KeyFailure::kRaised;
        out.error = absl::StrCat("KeyError: ", Repr(arg));
      }
      return out;
    }
    out.failure = KeyFailure::kCaught;  // not subscriptable
    return out;
  }
  const absl::string_view path = arg.string_value();
  if (path.empty()) {
    out.failure = KeyFailure::kRaised;
    out.error = "IndexError: string index out of range";
    return out;
  }
  // Private names are refused (AttributeError, which Django catches).
  if (path[0] == '_' || absl::StrContains(path, "._")) {
    out.failure = KeyFailure::kCaught;
    return out;
  }
  out.key = item;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    // A missing key falls back to getattr(), which JSON values have none to match.
    out.key = out.key.is_object() ? out.key.Get(part) : Value();
    if (out.key.is_undefined()) {
      out.failure = KeyFailure::kCaught;
      return out;
    }
  }
  return out;
}

absl::StatusOr<Value> DictSort(const Value& in, const Call& call, bool reversed) {
  NOTIFY_ASSIGN_OR_RETURN(std::optional<std::vector<Value>> items, PyItems(in, call));
  if (!items.has_value()) return EmptyString();
  std::vector<Value> keys;
  keys.reserve(items->size());
  for (const Value& item : *items) {
    SortKey key = ResolveKey(item, call.arg());
    if (key.failure == KeyFailure::kRaised) return call.Error(key.error);
    if (key.failure == KeyFailure::kCaught) return EmptyString();
    keys.push_back(std::move(key.key));
  }
  // A stable sort, as Python's; keys that cannot be compared make Django give "".
  bool incomparable = false;
  std::vector<std::size_t> order(items->size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (incomparable) return false;
    const std::optional<bool> less = reversed ? PyLess(keys[b], keys[a]) : PyLess(keys[a], keys[b]);
    if (!less.has_value()) incomparable = true;
    return less.value_or(false);
  });
  if (incomparable) return EmptyString();
  std::vector<Value> sorted;
  sorted.reserve(order.size());
  for (std::size_t i : order) sorted.push_back(std::move((*items)[i]));
  return Value::Array(std::move(sorted));
}

absl::StatusOr<Value> DictSortAscending(const Value& in, const Call& call) {
  return DictSort(in, call, false);
}
absl::StatusOr<Value> DictSortReversed(const Value& in, const Call& call) {
  return DictSort(in, call, true);
}

// Django's unordered_list: each item an <li>, a list that follows an item nested in a <ul>
// inside it.
absl::Status ListItems(const Value& list, const Call& call, int tabs, Text& out) {
  if (tabs > kMaxNesting) return call.Error("lists nested too deeply");
  NOTIFY_ASSIGN_OR_RETURN(const std::optional<std::vector<Value>> items, PyItems(list, call));
  if (!items.has_value()) {
    return call.Error(absl::StrCat("'", TypeName(list), "' object is not iterable"));
  }
  const std::string indent(static_cast<std::size_t>(tabs), '\t');
  bool first = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const Value& item = (*items)[i];
    const Value* children = nullptr;
    if (i + 1 < items->size() && (*items)[i + 1].is_sequence()) children = &(*items)[++i];
    if (!first) out.Add("\n");
    first = false;
    out.Add(indent);
    out.Add("<li>");
    out.Add(call.autoescape() ? ConditionalEscape(item) : Str(item));
    // An empty sublist is false in Python: no <ul> for it.
    if (children != nullptr && children->Size() > 0) {
      out.Add("\n");
      out.Add(indent);
      out.Add("<ul>\n");
      NOTIFY_RETURN_IF_ERROR(ListItems(*children, call, tabs + 1, out));
      out.Add("\n");
      out.Add(indent);
      out.Add("</ul>\n");
      out.Add(indent);
    }
    out.Add("</li>");
  }
  return absl::OkStatus();
}

absl::StatusOr<Value> UnorderedList(const Value& in, const Call& call) {
  Text out(call);
  NOTIFY_RETURN_IF_ERROR(ListItems(in, call, 1, out));
  return out.Finish(true);
}

// ------------------------------------------------------------------------------------------------
// Serializations: json_script and pprint.

// json.dumps(value, cls=DjangoJSONEncoder) with its defaults (", " and ": " separators, ASCII
// only), then <, > and & as Unicode escapes, as json_script makes it safe inside <script>.
absl::Status DumpJson(const Value& v, const Call& call, int depth, Text& out) {
  if (depth > kMaxNesting) return call.Error("data nested too deeply");
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kNil:
      out.Add("null");
      return absl::OkStatus();
    case Kind::kBool:
      out.Add(v.bool_value() ? "true" : "false");
      return absl::OkStatus();
    case Kind::kInt:
      out.Add(absl::StrCat(v.int_value()));
      return absl::OkStatus();
    case Kind::kFloat: {
      const double d = v.number_value();
      out.Add(std::isnan(d)   ? "NaN"
              : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity")
                              : PrintFloat(d, Syntax::kDjango));
      return absl::OkStatus();
    }
    case Kind::kTime: {
      // DjangoJSONEncoder: ISO 8601 with milliseconds, "Z" for UTC.
      const absl::TimeZone::CivilInfo info = absl::UTCTimeZone().At(ToMicros(v.time_value()));
      const std::int64_t micros = absl::ToInt64Microseconds(info.subsecond);
      out.Add(absl::StrFormat("\"%04d-%02d-%02dT%02d:%02d:%02d", info.cs.year(), info.cs.month(),
                              info.cs.day(), info.cs.hour(), info.cs.minute(), info.cs.second()));
      if (micros != 0) out.Add(absl::StrFormat(".%03d", micros / 1000));
      out.Add("Z\"");
      return absl::OkStatus();
    }
    case Kind::kString: {
      out.Add("\"");
      for (char32_t c : Decode(v.string_value())) {
        switch (c) {
          case '"':
            out.Add("\\\"");
            break;
          case '\\':
            out.Add("\\\\");
            break;
          case '\n':
            out.Add("\\n");
            break;
          case '\r':
            out.Add("\\r");
            break;
          case '\t':
            out.Add("\\t");
            break;
          case '\b':
            out.Add("\\b");
            break;
          case '\f':
            out.Add("\\f");
            break;
          case '<':
            out.Add("\\u003C");
            break;
          case '>':
            out.Add("\\u003E");
            break;
          case '&':
            out.Add("\\u0026");
            break;
          default:
            if (c >= 0x20 && c <= 0x7E) {
              out.AddChar(c);
            } else if (c < 0x10000) {
              out.Add(absl::StrFormat("\\u%04x", static_cast<unsigned>(c)));
            } else {
              const char32_t u = c - 0x10000;
              out.Add(absl::StrFormat("\\u%04x\\u%04x", static_cast<unsigned>(0xD800 + (u >> 10)),
                                      static_cast<unsigned>(0xDC00 + (u & 0x3FF))));
            }
        }
      }
      out.Add("\"");
      return absl::OkStatus();
    }
    case Kind::kArray:
    case Kind::kRange:
      out.Add("[");
      for (std::size_t i = 0; i < v.Size(); ++i) {
        if (i > 0) out.Add(", ");
        NOTIFY_RETURN_IF_ERROR(DumpJson(v.At(i), call, depth + 1, out));
      }
      out.Add("]");
      return absl::OkStatus();
    case Kind::kObject: {
      out.Add("{");
      bool first = true;
      for (const std::string& key : v.Keys()) {
        if (!first) out.Add(", ");
        first = false;
        NOTIFY_RETURN_IF_ERROR(DumpJson(Value::StringRef(key), call, depth + 1, out));
        out.Add(": ");
        NOTIFY_RETURN_IF_ERROR(DumpJson(v.Get(key), call, depth + 1, out));
      }
      out.Add("}");
      return absl::OkStatus();
    }
    case Kind::kLoop:
      break;
  }
  return call.Error(absl::StrCat("Object of type ", TypeName(v), " is not JSON serializable"));
}

absl::StatusOr<Value> JsonScript(const Value& in, const Call& call) {
  Text out(call);
  out.Add("<script id=\"");
  out.Add(ConditionalEscape(call.arg()));
  out.Add("\" type=\"application/json\">");
  NOTIFY_RETURN_IF_ERROR(DumpJson(in, call, 0, out));
  out.Add("</script>");
  return out.Finish(true);
}

// pprint.pformat(value) with its defaults (width 80, dicts sorted): what fits on the rest of the
// line is written as repr, longer lists and dicts one item a line, longer strings in chunks.
class PrettyPrinter {
 public:
  PrettyPrinter(const Call& call, Text& out) : call_(call), out_(out) {}

  absl::Status Format(const Value& v, std::int64_t indent, std::int64_t allowance, int level) {
    if (level > kMaxNesting) return call_.Error("data nested too deeply");
    const std::string rep = Repr(v);
    if (static_cast<std::int64_t>(CountCodePoints(rep)) <= kWidth - indent - allowance) {
      out_.Add(rep);
      return absl::OkStatus();
    }
    if (v.is_object()) return FormatDict(v, indent, allowance, level + 1);
    if (v.is_sequence()) return FormatList(v, indent, allowance, level + 1);
    if (v.is_string()) return FormatString(Decode(v.string_value()), indent, allowance, level + 1);
    out_.Add(rep);
    return absl::OkStatus();
  }

 private:
  static constexpr std::int64_t kWidth = 80;

  absl::Status FormatDict(const Value& v, std::int64_t indent, std::int64_t allowance, int level) {
    out_.Add("{");
    std::vector<std::string> keys = v.Keys();
    std::sort(keys.begin(), keys.end());
    indent += 1;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const bool last = i + 1 == keys.size();
      const std::string rep = PythonRepr(keys[i]);
      out_.Add(rep);
      out_.Add(": ");
      NOTIFY_RETURN_IF_ERROR(Format(v.Get(keys[i]),
                                    indent + static_cast<std::int64_t>(CountCodePoints(rep)) + 2,
                                    last ? allowance + 1 : 1, level));
      if (!last) NewLine(indent);
    }
    out_.Add("}");
    return absl::OkStatus();
  }

  absl::Status FormatList(const Value& v, std::int64_t indent, std::int64_t allowance, int level) {
    out_.Add("[");
    indent += 1;
    for (std::size_t i = 0; i < v.Size(); ++i) {
      if (i > 0) NewLine(indent);
      NOTIFY_RETURN_IF_ERROR(Format(v.At(i), indent, i + 1 == v.Size() ? allowance + 1 : 1, level));
    }
    out_.Add("]");
    return absl::OkStatus();
  }

  // A long string is split after its whitespace into pieces that fit; at the top level they are
  // wrapped in parentheses, so that the output still reads as one Python string.
  absl::Status FormatString(const std::u32string& s, std::int64_t indent, std::int64_t allowance,
                            int level) {
    if (s.empty()) {
      out_.Add("''");
      return absl::OkStatus();
    }
    const auto repr_length = [](std::u32string_view piece) {
      return static_cast<std::int64_t>(CountCodePoints(PythonRepr(Encode(piece))));
    };
    std::vector<std::u32string_view> chunks;
    const std::vector<std::u32string_view> lines = SplitLines(s);
    if (level == 1) {
      indent += 1;
      allowance += 1;
    }
    const std::int64_t max_width = kWidth - indent;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const bool last_line = i + 1 == lines.size();
      if (repr_length(lines[i]) <= max_width - (last_line ? allowance : 0)) {
        chunks.push_back(lines[i]);
        continue;
      }
      // re.findall(r"\S*\s*", line): words with the whitespace after them.
      std::vector<std::u32string_view> parts;
      for (std::size_t p = 0; p < lines[i].size();) {
        const std::size_t start = p;
        while (p < lines[i].size() && !IsSpace(lines[i][p])) ++p;
        while (p < lines[i].size() && IsSpace(lines[i][p])) ++p;
        parts.push_back(lines[i].substr(start, p - start));
      }
      std::size_t current_start = 0, current_end = 0;  // The chunk being grown, within the line.
      for (std::size_t j = 0; j < parts.size(); ++j) {
        const std::size_t part_start = static_cast<std::size_t>(parts[j].data() - lines[i].data());
        const std::size_t part_end = part_start + parts[j].size();
        const std::int64_t width = max_width - (j + 1 == parts.size() && last_line ? allowance : 0);
        if (repr_length(lines[i].substr(current_start, part_end - current_start)) > width) {
          if (current_end > current_start) {
            chunks.push_back(lines[i].substr(current_start, current_end - current_start));
          }
          current_start = part_start;
        }
        current_end = part_end;
      }
      if (current_end > current_start) {
        chunks.push_back(lines[i].substr(current_start, current_end - current_start));
      }
    }
    if (chunks.size() == 1) {
      out_.Add(PythonRepr(Encode(s)));
      return absl::OkStatus();
    }
    if (level == 1) out_.Add("(");
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      if (i > 0) NewLine(indent, "\n");
      out_.Add(PythonRepr(Encode(chunks[i])));
    }
    if (level == 1) out_.Add(")");
    return absl::OkStatus();
  }

  void NewLine(std::int64_t indent, absl::string_view separator = ",\n") {
    out_.Add(separator);
    out_.Add(static_cast<std::size_t>(indent), ' ');
  }

  const Call& call_;
  Text& out_;
};

absl::StatusOr<Value> Pprint(const Value& in, const Call& call) {
  Text out(call);
  NOTIFY_RETURN_IF_ERROR(PrettyPrinter(call, out).Format(in, 0, 0, 0));
  return out.Finish();
}

// ------------------------------------------------------------------------------------------------
// Truncation and wrapping: django.utils.text's Truncator and wrap.

// int(arg) for the truncate filters: a string that is not an integer leaves the value as it is
// (nullopt); other failures escape.
absl::StatusOr<std::optional<std::int64_t>> TruncateLength(const Call& call) {
  const PyInt n = ToPyInt(call.arg());
  if (n.error == PyError::kNone) return std::optional<std::int64_t>(n.value);
  if (n.error == PyError::kValue) return std::optional<std::int64_t>();
  return call.Error(absl::StrCat("invalid length ", Repr(call.arg())));
}

absl::StatusOr<Value> TruncateChars(const Value& in, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const std::optional<std::int64_t> length, TruncateLength(call));
  if (!length.has_value()) return in;
  const std::u32string s = StrChars(in);
  // Room for the text once "…" is counted; combining characters take none.
  const std::int64_t keep = *length - 1;
  std::int64_t seen = 0;
  std::optional<std::size_t> end;
  Text out(call);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (IsCombining(s[i])) continue;
    ++seen;
    if (!end.has_value() && seen > keep) end = i;
    if (seen > *length) {
      out.AddChars(std::u32string_view(s).substr(0, end.value_or(0)));
      out.Add("\u2026");
      return out.Finish();
    }
  }
  out.AddChars(s);
  return out.Finish();
}

absl::StatusOr<Value> TruncateWords(const Value& in, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const std::optional<std::int64_t> length, TruncateLength(call));
  if (!length.has_value()) return in;
  const std::u32string s = StrChars(in);
  std::vector<std::u32string_view> words = SplitWords(s);
  const std::int64_t count = static_cast<std::int64_t>(words.size());
  const bool truncated = count > *length;
  if (truncated) {
    // words[:length], negative lengths counting from the end as Python slices do.
    const std::int64_t keep = *length >= 0 ? *length : std::max<std::int64_t>(count + *length, 0);
    words.resize(static_cast<std::size_t>(keep));
  }
  std::u32string joined;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) joined += U' ';
    joined += words[i];
  }
  Text out(call);
  out.AddChars(joined);
  // The ellipsis is not added twice.
  if (truncated && !absl::EndsWith(Encode(joined), " \u2026")) out.Add(" \u2026");
  return out.Finish();
}

// Django's re_tag, `<(/)?(\S+?)(?:(\s*/)|\s.*?)?>`, on a tag whose text between < and > is
// `inner`: the tag's name (lower-cased), whether it closes and whether it closes itself.
struct HtmlTag {
  bool closing = false;
  std::u32string name;
  bool self_closing = false;
};

std::optional<HtmlTag> MatchTag(std::u32string_view inner) {
  const auto attempt = [](std::u32string_view s, bool closing) -> std::optional<HtmlTag> {
    for (std::size_t k = 1; k <= s.size() && !IsSpace(s[k - 1]); ++k) {
      const std::u32string_view rest = s.substr(k);
      std::size_t spaces = 0;
      while (spaces < rest.size() && IsSpace(rest[spaces])) ++spaces;
      const bool self_closing = spaces + 1 == rest.size() && rest.back() == '/';
      if (self_closing || rest.empty() || IsSpace(rest[0])) {
        return HtmlTag{closing, ChangeCase(s.substr(0, k), Case::kLower), self_closing};
      }
    }
    return std::nullopt;
  };
  if (!inner.empty() && inner[0] == '/') {
    if (std::optional<HtmlTag> tag = attempt(inner.substr(1), true)) return tag;
  }
  return attempt(inner, false);
}

// Truncator._truncate_html: counts characters (or words) outside tags, cuts after `length`, and
// closes the tags still open at the cut.
absl::StatusOr<Value> TruncateHtml(const Value& in, const Call& call, bool words) {
  NOTIFY_ASSIGN_OR_RETURN(const std::optional<std::int64_t> found, TruncateLength(call));
  if (!found.has_value()) return in;
  const std::int64_t length = *found;
  Text out(call);
  if (words && length <= 0) return out.Finish();
  std::u32string text = StrChars(in);
  // Django looks at no more than 5 million characters of HTML.
  constexpr std::size_t kMaxLength = 5'000'000;
  const bool size_limited = text.size() > kMaxLength;
  if (size_limited) text.resize(kMaxLength);
  const std::u32string_view ellipsis = words ? U" \u2026" : U"\u2026";
  const std::int64_t truncate_len = words ? length : length - 1;
  const std::size_t last_gt = text.rfind(U'>');
  // The first '>' at or after `from`, npos without one (remembered, so that many '<' without a
  // '>' stay linear).
  const auto find_gt = [&](std::size_t from) {
    return last_gt == std::u32string::npos || from > last_gt ? std::u32string::npos
                                                             : text.find(U'>', from);
  };
  const auto is_word_char = [](char32_t c) { return c != '<' && c != '>' && !IsSpace(c); };
  std::size_t pos = 0, end_text_pos = 0;
  std::int64_t current_len = 0;
  std::vector<std::u32string> open_tags;  // Innermost first.
  while (current_len <= length) {
    // The next match: a tag (with its text between < and >) or a character / word.
    std::optional<std::u32string_view> tag_inner;
    if (words) {
      std::size_t p = pos;
      while (p < text.size() && text[p] != '<' && !is_word_char(text[p])) ++p;
      if (p == text.size()) break;
      const std::size_t gt = text[p] == '<' ? find_gt(p + 1) : std::u32string::npos;
      if (text[p] == '<' && gt != std::u32string::npos) {
        tag_inner = std::u32string_view(text).substr(p + 1, gt - p - 1);
        pos = gt + 1;
      } else {
        // A word; a '<' without a '>' is skipped, and the search starts again after `pos`.
        std::size_t start = text[p] == '<' ? pos + 1 : p;
        while (start < text.size() && !is_word_char(text[start])) ++start;
        if (start >= text.size()) break;
        pos = start;
        while (pos < text.size() && is_word_char(text[pos])) ++pos;
      }
    } else {
      if (pos >= text.size()) break;
      const std::size_t gt = text[pos] == '<' ? find_gt(pos + 1) : std::u32string::npos;
      if (gt != std::u32string::npos && gt > pos + 1) {
        tag_inner = std::u32string_view(text).substr(pos + 1, gt - pos - 1);
        pos = gt + 1;
      } else {
        ++pos;
      }
    }
    if (!tag_inner.has_value()) {
      ++current_len;
      if (current_len == truncate_len) end_text_pos = pos;
      continue;
    }
    const std::optional<HtmlTag> tag = MatchTag(*tag_inner);
    // Tags after the cut do not matter.
    if (!tag.has_value() || current_len >= truncate_len) continue;
    static constexpr std::u32string_view kSinglets[] = {U"br",    U"col",  U"link", U"base", U"img",
                                                        U"param", U"area", U"hr",   U"input"};
    if (tag->self_closing ||
        std::find(std::begin(kSinglets), std::end(kSinglets), tag->name) != std::end(kSinglets)) {
      continue;
    }
    if (tag->closing) {
      // Only the innermost open tag is closed, as Django does it.
      if (!open_tags.empty() && open_tags.front() == tag->name) open_tags.erase(open_tags.begin());
    } else {
      open_tags.insert(open_tags.begin(), tag->name);
    }
  }
  if (current_len <= length) {
    out.AddChars(text);
    if (size_limited) out.AddChars(ellipsis);
    return out.Finish();
  }
  out.AddChars(std::u32string_view(text).substr(0, end_text_pos));
  out.AddChars(ellipsis);
  for (const std::u32string& tag : open_tags) {
    out.Add("</");
    out.AddChars(tag);
    out.Add(">");
  }
  return out.Finish();
}

absl::StatusOr<Value> TruncateCharsHtml(const Value& in, const Call& call) {
  return TruncateHtml(in, call, false);
}
absl::StatusOr<Value> TruncateWordsHtml(const Value& in, const Call& call) {
  return TruncateHtml(in, call, true);
}

// textwrap.TextWrapper(width, break_long_words=False, break_on_hyphens=False).wrap(line): tabs
// expanded, whitespace made spaces, words never broken, and whitespace dropped at line ends.
void WrapLine(std::u32string_view line, std::int64_t width, std::vector<std::u32string>& lines) {
  std::u32string text;
  std::size_t column = 0;
  for (char32_t c : line) {
    if (c == '\t') {
      const std::size_t spaces = 8 - column % 8;
      text.append(spaces, U' ');
      column += spaces;
    } else {
      const bool ascii_space = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == ' ';
      text.push_back(ascii_space ? U' ' : c);
      column = c == '\n' || c == '\r' ? 0 : column + 1;
    }
  }
  // Chunks: runs of spaces and runs of anything else.
  std::vector<std::u32string_view> chunks;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const bool space = text[i] == ' ';
    while (i < text.size() && (text[i] == ' ') == space) ++i;
    chunks.push_back(std::u32string_view(text).substr(start, i - start));
  }
  const std::size_t first_line = lines.size();
  std::size_t next = 0;
  const auto len = [](std::u32string_view s) { return static_cast<std::int64_t>(s.size()); };
  while (next < chunks.size()) {
    // Whitespace at the start of a line that is not the first is dropped.
    if (lines.size() > first_line && IsBlank(chunks[next])) ++next;
    std::vector<std::u32string_view> current;
    std::int64_t current_len = 0;
    while (next < chunks.size() && current_len + len(chunks[next]) <= width) {
      current_len += len(chunks[next]);
      current.push_back(chunks[next++]);
    }
    // A word longer than the width gets a line of its own.
    if (next < chunks.size() && len(chunks[next]) > width && current.empty()) {
      current.push_back(chunks[next++]);
    }
    if (!current.empty() && IsBlank(current.back())) current.pop_back();
    if (!current.empty()) {
      std::u32string joined;
      for (std::u32string_view chunk : current) joined += chunk;
      lines.push_back(std::move(joined));
    }
  }
}

absl::StatusOr<Value> WordWrap(const Value& in, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const std::int64_t width, IntArg(call));
  const std::u32string s = StrChars(in);
  std::vector<std::u32string> lines;
  for (std::u32string_view line : SplitLines(s)) {
    if (width <= 0) return call.Error(absl::StrCat("invalid width ", width, " (must be > 0)"));
    WrapLine(line, width, lines);
  }
  Text out(call);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out.Add("\n");
    out.AddChars(lines[i]);
  }
  return out.Finish();
}

// ------------------------------------------------------------------------------------------------
// striptags: Django's strip_tags drives Python 3.11's html.parser.HTMLParser (with
// convert_charrefs off) and keeps what it reports as text and as entity and character
// references. The parser is reproduced here, its regular expressions included, because its idea
// of a tag decides what is removed ("<a b='x>" is text, a <script>'s content is kept).

class TagStripper {
 public:
  explicit TagStripper(const Call& call) : call_(call) {}

  // feed(text) then close(): the text the parser reports.
  absl::StatusOr<std::u32string> Run(std::u32string text) {
    raw_ = std::move(text);
    NOTIFY_RETURN_IF_ERROR(GoAhead(false));
    NOTIFY_RETURN_IF_ERROR(GoAhead(true));
    return std::move(data_);
  }

 private:
  static constexpr std::size_t npos = std::u32string::npos;

  char32_t At(std::size_t i) const { return i < raw_.size() ? raw_[i] : 0; }
  bool StartsWith(std::size_t i, std::u32string_view s) const {
    return raw_.compare(i, s.size(), s) == 0;
  }
  void Data(std::size_t from, std::size_t to) { data_.append(raw_, from, to - from); }
  std::size_t SkipSpaces(std::size_t i) const {
    while (i < raw_.size() && IsSpace(raw_[i])) ++i;
    return i;
  }
  // (?:\s|/(?!>))*
  std::size_t SkipSpacesAndSlashes(std::size_t i) const {
    while (i < raw_.size() && (IsSpace(raw_[i]) || (raw_[i] == '/' && At(i + 1) != '>'))) ++i;
    return i;
  }
  // The end of a tag name: [^\t\n\r\f />\x00]*
  std::size_t SkipTagName(std::size_t i) const {
    while (i < raw_.size() &&
           !(raw_[i] < 0x80 && absl::StrContains(absl::string_view("\t\n\r\f />\0", 8),
                                                 static_cast<char>(raw_[i])))) {
      ++i;
    }
    return i;
  }
  std::int64_t After(std::size_t at) const {
    return at == npos ? -1 : static_cast<std::int64_t>(at) + 1;
  }

  // HTMLParser.goahead: text up to the next '<' or '&', then the construct there.
  absl::Status GoAhead(bool end) {
    std::size_t i = 0;
    const std::size_t n = raw_.size();
    while (i < n) {
      std::size_t j;
      if (!cdata_elem_.empty()) {
        j = FindCdataEnd(i);
        if (j == npos) break;
      } else {
        j = raw_.find_first_of(U"<&", i);
        if (j == npos) j = n;
      }
      if (i < j) Data(i, j);
      i = j;
      if (i == n) break;
      if (raw_[i] == '<') {
        std::int64_t k;
        if (IsAsciiAlpha(At(i + 1))) {
          k = ParseStartTag(i);
        } else if (StartsWith(i, U"</")) {
          k = ParseEndTag(i);
        } else if (StartsWith(i, U"<!--")) {
          k = ParseComment(i);
        } else if (StartsWith(i, U"<?")) {
          k = After(raw_.find(U'>', i + 2));
        } else if (StartsWith(i, U"<!")) {
          NOTIFY_ASSIGN_OR_RETURN(k, ParseHtmlDeclaration(i));
        } else if (i + 1 < n) {
          data_ += U'<';
          k = static_cast<std::int64_t>(i) + 1;
        } else {
          break;
        }
        if (k < 0) {
          if (!end) break;
          // An unterminated construct at the end is text, up to its '>' or the next '<'.
          std::size_t to = raw_.find(U'>', i + 1);
          if (to == npos) {
            to = raw_.find(U'<', i + 1);
            if (to == npos) to = i + 1;
          } else {
            ++to;
          }
          Data(i, to);
          k = static_cast<std::int64_t>(to);
        }
        i = static_cast<std::size_t>(k);
      } else if (StartsWith(i, U"&#")) {
        // charref: &#(?:[0-9]+|[xX][0-9a-fA-F]+)[^0-9a-fA-F]
        std::size_t p = i + 2;
        const bool hex = At(p) == 'x' || At(p) == 'X';
        if (hex) ++p;
        const std::size_t digits = p;
        while (p < n && (hex ? IsHexDigit(raw_[p]) : IsAsciiDigit(raw_[p]))) ++p;
        if (p > digits && p < n && !IsHexDigit(raw_[p])) {
          data_ += U"&#";
          data_.append(raw_, i + 2, p - i - 2);
          data_ += U';';
          i = raw_[p] == ';' ? p + 1 : p;
          continue;
        }
        if (raw_.find(U';', i) != npos) {
          Data(i, i + 2);
          i += 2;
        }
        break;
      } else {
        // entityref: &([a-zA-Z][-.a-zA-Z0-9]*)[^a-zA-Z0-9]
        if (IsAsciiAlpha(At(i + 1))) {
          std::size_t p = i + 2;
          while (p < n && (IsAsciiAlnum(raw_[p]) || raw_[p] == '-' || raw_[p] == '.')) ++p;
          if (p == n) {
            // At the end of the text the name gives back up to its last '-' or '.', which then
            // ends it.
            std::size_t q = n;
            while (q > i + 2 && raw_[q - 1] != '-' && raw_[q - 1] != '.') --q;
            p = q > i + 2 ? q - 1 : n;
          }
          if (p < n) {
            data_ += U'&';
            data_.append(raw_, i + 1, p - i - 1);
            data_ += U';';
            i = raw_[p] == ';' ? p + 1 : p;
            continue;
          }
        }
        if (IsAsciiAlpha(At(i + 1)) || At(i + 1) == '#') {
          // Incomplete: left for the end, where the '&' alone is dropped when two characters are
          // all that is left.
          if (end && i + 2 == n) ++i;
          break;
        }
        if (i + 1 < n) {
          data_ += U'&';
          ++i;
        } else {
          break;
        }
      }
    }
    if (end && i < n && cdata_elem_.empty()) {
      Data(i, n);
      i = n;
    }
    raw_.erase(0, i);
    return absl::OkStatus();
  }

  // </\s*script\s*> (or style), in any case, from `from`.
  std::size_t FindCdataEnd(std::size_t from) const {
    for (std::size_t p = raw_.find(U"</", from); p != npos; p = raw_.find(U"</", p + 1)) {
      std::size_t q = SkipSpaces(p + 2);
      if (q + cdata_elem_.size() > raw_.size()) continue;
      bool name = true;
      for (std::size_t k = 0; k < cdata_elem_.size(); ++k) {
        name = name && SimpleCase(raw_[q + k], false) == cdata_elem_[k];
      }
      if (name && At(SkipSpaces(q + cdata_elem_.size())) == '>') return p;
    }
    return npos;
  }

  // One attribute at `k` (attrfind_tolerant, also one repetition in
  // locatestarttagend_tolerant): its end, or npos when there is none.
  std::size_t MatchAttribute(std::size_t k) const {
    // (?<=['"\s/])[^\s/>][^\s/=>]*
    if (k == 0 || k >= raw_.size()) return npos;
    const char32_t before = raw_[k - 1];
    if (!(before == '\'' || before == '"' || before == '/' || IsSpace(before))) return npos;
    if (IsSpace(raw_[k]) || raw_[k] == '/' || raw_[k] == '>') return npos;
    std::size_t p = k + 1;
    while (p < raw_.size() && !IsSpace(raw_[p]) && raw_[p] != '/' && raw_[p] != '=' &&
           raw_[p] != '>') {
      ++p;
    }
    return SkipSpacesAndSlashes(MatchValue(p));
  }

  // (?:\s*=+\s*('[^']*'|"[^"]*"|(?!['"])[^>\s]*))? at `p`, backtracking as the regex engine does:
  // an unclosed quote gives back a space, or else an '=', to match an empty or bare value.
  std::size_t MatchValue(std::size_t p) const {
    const std::size_t eq = SkipSpaces(p);
    if (At(eq) != '=' || eq == raw_.size()) return p;
    std::size_t after = eq;
    while (after < raw_.size() && raw_[after] == '=') ++after;
    const std::size_t value = SkipSpaces(after);
    const auto bare = [&](std::size_t q) {
      while (q < raw_.size() && raw_[q] != '>' && !IsSpace(raw_[q])) ++q;
      return q;
    };
    const char32_t quote = At(value);
    if (value < raw_.size() && (quote == '\'' || quote == '"')) {
      const std::size_t close = raw_.find(quote, value + 1);
      if (close != npos) return close + 1;
      if (value > after) return value - 1;  // An empty bare value before the last space.
      if (after - eq < 2) return p;         // No value: the group does not match.
      return bare(after - 1);               // A bare value from the last '='.
    }
    return bare(value);
  }

  // check_for_whole_start_tag: the end of the start tag at `i`, or -1 when it is incomplete.
  std::int64_t CheckForWholeStartTag(std::size_t i) const {
    // locatestarttagend_tolerant: the name, [\s/]*, attributes, \s*.
    std::size_t j = SkipTagName(i + 2);
    while (j < raw_.size() && (IsSpace(raw_[j]) || raw_[j] == '/')) ++j;
    for (std::size_t a = MatchAttribute(j); a != npos; a = MatchAttribute(j)) j = a;
    j = SkipSpaces(j);
    if (j == raw_.size()) return -1;
    const char32_t next = raw_[j];
    if (next == '>') return static_cast<std::int64_t>(j) + 1;
    if (next == '/') return StartsWith(j, U"/>") ? static_cast<std::int64_t>(j) + 2 : -1;
    if (IsAsciiAlpha(next) || next == '=') return -1;
    return static_cast<std::int64_t>(j);
  }

  std::int64_t ParseStartTag(std::size_t i) {
    const std::int64_t endpos = CheckForWholeStartTag(i);
    if (endpos < 0) return endpos;
    const std::size_t end = static_cast<std::size_t>(endpos);
    const std::size_t name_end = SkipTagName(i + 2);
    const std::u32string tag =
        ChangeCase(std::u32string_view(raw_).substr(i + 1, name_end - i - 1), Case::kLower);
    std::size_t k = SkipSpacesAndSlashes(name_end);
    while (k < end) {
      const std::size_t a = MatchAttribute(k);
      if (a == npos) break;
      k = a;
    }
    const std::u32string_view rest =
        Strip(k < end ? std::u32string_view(raw_).substr(k, end - k) : std::u32string_view());
    if (rest != U">" && rest != U"/>") {
      Data(i, end);
      return endpos;
    }
    if (rest == U">" && (tag == U"script" || tag == U"style")) cdata_elem_ = tag;
    return endpos;
  }

  std::int64_t ParseEndTag(std::size_t i) {
    const std::size_t gt = raw_.find(U'>', i + 1);
    if (gt == npos) return -1;
    const std::size_t gtpos = gt + 1;
    // endtagfind: </\s*([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>
    std::size_t p = SkipSpaces(i + 2);
    std::u32string elem;
    bool matched = false;
    if (IsAsciiAlpha(At(p))) {
      const std::size_t start = p++;
      while (p < raw_.size() && (IsAsciiAlnum(raw_[p]) || raw_[p] == '-' || raw_[p] == '.' ||
                                 raw_[p] == ':' || raw_[p] == '_')) {
        ++p;
      }
      elem = ChangeCase(std::u32string_view(raw_).substr(start, p - start), Case::kLower);
      matched = At(SkipSpaces(p)) == '>';
    }
    if (!matched) {
      if (!cdata_elem_.empty()) {
        Data(i, gtpos);
        return static_cast<std::int64_t>(gtpos);
      }
      if (!IsAsciiAlpha(At(i + 2))) {
        if (StartsWith(i, U"</>")) return static_cast<std::int64_t>(i) + 3;
        return After(raw_.find(U'>', i + 2));  // A bogus comment.
      }
      // Whatever follows the name up to the '>' is ignored.
      return After(raw_.find(U'>', SkipSpacesAndSlashes(SkipTagName(i + 3))));
    }
    if (!cdata_elem_.empty() && elem != cdata_elem_) {
      Data(i, gtpos);
      return static_cast<std::int64_t>(gtpos);
    }
    cdata_elem_.clear();
    return static_cast<std::int64_t>(gtpos);
  }

  // <!-- ... --> ends at the first "--", spaces allowed, then ">".
  std::int64_t ParseComment(std::size_t i) const {
    for (std::size_t p = raw_.find(U"--", i + 4); p != npos; p = raw_.find(U"--", p + 1)) {
      const std::size_t q = SkipSpaces(p + 2);
      if (At(q) == '>' && q < raw_.size()) return static_cast<std::int64_t>(q) + 1;
    }
    return -1;
  }

  absl::StatusOr<std::int64_t> ParseHtmlDeclaration(std::size_t i) const {
    if (StartsWith(i, U"<![")) return ParseMarkedSection(i);
    if (absl::AsciiStrToLower(Encode(std::u32string_view(raw_).substr(i, 9))) == "<!doctype") {
      return After(raw_.find(U'>', i + 9));
    }
    return After(raw_.find(U'>', i + 2));  // A bogus comment.
  }

  // <![CDATA[ ... ]]>, and Microsoft Office's <![if ...]> ... <![endif]>.
  absl::StatusOr<std::int64_t> ParseMarkedSection(std::size_t i) const {
    const std::size_t j = i + 3;
    if (j == raw_.size()) return -1;
    if (!IsAsciiAlpha(raw_[j])) {
      return call_.Error(absl::StrCat("expected name token at ",
                                      PythonRepr(Encode(std::u32string_view(raw_).substr(i, 20)))));
    }
    std::size_t e = j + 1;
    while (e < raw_.size() &&
           (IsAsciiAlnum(raw_[e]) || raw_[e] == '-' || raw_[e] == '_' || raw_[e] == '.')) {
      ++e;
    }
    if (SkipSpaces(e) == raw_.size()) return -1;
    const std::string name =
        absl::AsciiStrToLower(Encode(std::u32string_view(raw_).substr(j, e - j)));
    const bool standard = name == "temp" || name == "cdata" || name == "ignore" ||
                          name == "include" || name == "rcdata";
    if (!standard && name != "if" && name != "else" && name != "endif") {
      return call_.Error(absl::StrCat(
          "unknown status keyword ", PythonRepr(Encode(std::u32string_view(raw_).substr(j, e - j))),
          " in marked section"));
    }
    // "]]>" for the standard ones, "]>" for Office's, spaces allowed between.
    for (std::size_t p = raw_.find(U']', j); p != npos; p = raw_.find(U']', p + 1)) {
      std::size_t q = SkipSpaces(p + 1);
      if (standard) {
        if (At(q) != ']' || q == raw_.size()) continue;
        q = SkipSpaces(q + 1);
      }
      if (At(q) == '>' && q < raw_.size()) return static_cast<std::int64_t>(q) + 1;
    }
    return -1;
  }

  const Call& call_;
  std::u32string raw_;
  std::u32string data_;
  std::u32string cdata_elem_;  // "script" or "style" inside one, else empty.
};

absl::StatusOr<Value> StripTags(const Value& in, const Call& call) {
  std::u32string value = StrChars(in);
  constexpr std::size_t kMaxDepth = 50;
  const absl::Status suspicious = call.Error("the HTML is too deeply nested to strip");
  // An unclosed tag of over 1000 characters holding 50 '<' is refused (a parser bomb).
  std::size_t next_gt = 0;
  for (std::size_t p = value.find(U'<'); p != std::u32string::npos; p = value.find(U'<', p + 1)) {
    if (!IsAsciiAlpha(p + 1 < value.size() ? value[p + 1] : 0)) continue;
    if (next_gt < p + 2) {
      next_gt = value.find(U'>', p + 2);
      if (next_gt == std::u32string::npos) next_gt = value.size();
    }
    if (next_gt - (p + 2) < 1000) continue;
    if (Count(std::u32string_view(value).substr(p, next_gt - p), U'<') >= kMaxDepth) {
      return suspicious;
    }
    p = next_gt;
    if (p >= value.size()) break;
  }
  for (std::size_t depth = 0;
       value.find(U'<') != std::u32string::npos && value.find(U'>') != std::u32string::npos;
       ++depth) {
    if (depth >= kMaxDepth) return suspicious;
    NOTIFY_ASSIGN_OR_RETURN(std::u32string stripped, TagStripper(call).Run(value));
    // Stop once a pass finds no more tags.
    if (Count(stripped, U'<') == Count(value, U'<')) break;
    value = std::move(stripped);
  }
  Text out(call);
  out.AddChars(value);
  return out.Finish();
}

// ------------------------------------------------------------------------------------------------
// urlize: django.utils.html.urlize, with the parts of urllib.parse and of the idna codec it uses.

// html.unescape, for character references and the common named ones (&amp; &lt; &gt; &quot;
// &apos; &nbsp; &copy; &reg;, the first ones also without ';' as HTML5 allows).
std::u32string HtmlUnescape(std::u32string_view s) {
  // Windows-1252 for the references to U+0080-U+009F, as HTML5 reads them.
  static constexpr char32_t kCp1252[32] = {
      0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};
  static constexpr std::pair<std::u32string_view, char32_t> kNamed[] = {
      {U"amp;", '&'},  {U"amp", '&'},    {U"lt;", '<'},   {U"lt", '<'},     {U"gt;", '>'},
      {U"gt", '>'},    {U"quot;", '"'},  {U"quot", '"'},  {U"apos;", '\''}, {U"nbsp;", 0xA0},
      {U"nbsp", 0xA0}, {U"copy;", 0xA9}, {U"copy", 0xA9}, {U"reg;", 0xAE},  {U"reg", 0xAE},
  };
  const auto named = [](std::u32string_view name) -> std::optional<char32_t> {
    for (const auto& [entity, c] : kNamed) {
      if (name == entity) return c;
    }
    return std::nullopt;
  };
  std::u32string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '&') {
      out.push_back(s[i++]);
      continue;
    }
    std::size_t p = i + 1;
    if (p < s.size() && s[p] == '#') {
      // &#[0-9]+;? or &#[xX][0-9a-fA-F]+;?
      const bool hex = p + 1 < s.size() && (s[p + 1] == 'x' || s[p + 1] == 'X');
      std::size_t q = p + (hex ? 2 : 1);
      const std::size_t digits = q;
      while (q < s.size() && (hex ? IsHexDigit(s[q]) : IsAsciiDigit(s[q]))) ++q;
      if (q == digits) {
        out.push_back(s[i++]);
        continue;
      }
      std::uint64_t n = 0;
      for (std::size_t k = digits; k < q; ++k) {
        const char32_t d = s[k];
        const std::uint64_t v = IsAsciiDigit(d) ? d - '0' : (d | 0x20) - 'a' + 10;
        n = std::min<std::uint64_t>(n * (hex ? 16 : 10) + v, 0x110000);  // Past the last.
      }
      if (q < s.size() && s[q] == ';') ++q;
      if (n >= 0x80 && n <= 0x9F) {
        out.push_back(kCp1252[n - 0x80]);
      } else if (n == 0) {
        out.push_back(0xFFFD);
      } else if (n == 0x0D) {
        out.push_back('\r');
      } else if ((n >= 0xD800 && n <= 0xDFFF) || n > 0x10FFFF) {
        out.push_back(0xFFFD);
      } else if (!((n >= 0x1 && n <= 0x8) || n == 0xB || (n >= 0xE && n <= 0x1F) || n == 0x7F ||
                   (n >= 0xFDD0 && n <= 0xFDEF) || (n & 0xFFFE) == 0xFFFE)) {
        out.push_back(static_cast<char32_t>(n));
      }
      i = q;
      continue;
    }
    // A name: up to 32 characters other than \t \n \f space < & # ;, then an optional ';'.
    std::size_t q = p;
    while (q < s.size() && q - p < 32 &&
           std::u32string_view(U"\t\n\f <&#;").find(s[q]) == std::u32string_view::npos) {
      ++q;
    }
    if (q == p) {
      out.push_back(s[i++]);
      continue;
    }
    if (q < s.size() && s[q] == ';') ++q;
    const std::u32string_view name = s.substr(p, q - p);
    if (const std::optional<char32_t> c = named(name)) {
      out.push_back(*c);
    } else {
      // The longest known prefix (of two characters or more) is replaced.
      std::size_t x = name.size() - 1;
      for (; x > 1; --x) {
        if (const std::optional<char32_t> c = named(name.substr(0, x))) {
          out.push_back(*c);
          out += name.substr(x);
          break;
        }
      }
      if (x <= 1) {
        out.push_back('&');
        out += name;
      }
    }
    i = q;
  }
  return out;
}

// urllib.parse.unquote: %XX sequences in the ASCII runs decoded as UTF-8, errors replaced.
std::string Unquote(absl::string_view s) {
  if (!absl::StrContains(s, '%')) return std::string(s);
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) >= 0x80) {
      out += s[i++];
      continue;
    }
    std::string bytes;
    for (; i < s.size() && static_cast<unsigned char>(s[i]) < 0x80; ++i) {
      if (s[i] == '%' && i + 2 < s.size() && IsHexDigit(s[i + 1]) && IsHexDigit(s[i + 2])) {
        const auto hex = [](char c) {
          return absl::ascii_isdigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
        };
        bytes += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
        i += 2;
      } else {
        bytes += s[i];
      }
    }
    out += Encode(Decode(bytes));
  }
  return out;
}

// urllib.parse.quote into a string.
std::string QuoteString(absl::string_view s, absl::string_view safe) {
  std::string out;
  for (char c : s) {
    if (absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' ||
        (static_cast<unsigned char>(c) < 0x80 && absl::StrContains(safe, c))) {
      out += c;
    } else {
      out += absl::StrFormat("%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

// unquote then quote, as smart_urlquote does to each part of a URL.
std::string UnquoteQuote(absl::string_view s) {
  return QuoteString(Unquote(s), "!$&'()*+,;=:/?#[]@~");
}

// RFC 3492's Punycode of one label.
std::string Punycode(std::u32string_view label) {
  constexpr std::uint64_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700;
  const auto adapt = [&](std::uint64_t delta, std::uint64_t points, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / points;
    std::uint64_t k = 0;
    while (delta > ((kBase - kTmin) * kTmax) / 2) {
      delta /= kBase - kTmin;
      k += kBase;
    }
    return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
  };
  const auto digit = [](std::uint64_t d) {
    return static_cast<char>(d < 26 ? 'a' + d : '0' + d - 26);
  };
  std::string out;
  for (char32_t c : label) {
    if (c < 0x80) out += static_cast<char>(c);
  }
  const std::uint64_t basic = out.size();
  if (basic > 0) out += '-';
  std::uint64_t n = 0x80, delta = 0, bias = 72, handled = basic;
  while (handled < label.size()) {
    std::uint64_t m = std::numeric_limits<std::uint64_t>::max();
    for (char32_t c : label) {
      if (c >= n) m = std::min<std::uint64_t>(m, c);
    }
    delta += (m - n) * (handled + 1);
    n = m;
    for (char32_t c : label) {
      if (c < n) ++delta;
      if (c != n) continue;
      std::uint64_t q = delta;
      for (std::uint64_t k = kBase;; k += kBase) {
        const std::uint64_t t = k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
        if (q < t) break;
        out += digit(t + (q - t) % (kBase - t));
        q = (q - t) / (kBase - t);
      }
      out += digit(q);
      bias = adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return out;
}

// Python's domain.encode("idna"): ASCII labels checked for length, others put through nameprep
// (approximated here by lower-casing and folding ß) and Punycode. nullopt for its UnicodeError.
std::optional<std::string> Idna(absl::string_view domain) {
  const auto fits = [](std::size_t n) { return n > 0 && n < 64; };
  const std::u32string chars = Decode(domain);
  if (std::all_of(chars.begin(), chars.end(), [](char32_t c) { return c < 0x80; })) {
    const std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
    for (std::size_t i = 0; i + 1 < labels.size(); ++i) {
      if (!fits(labels[i].size())) return std::nullopt;
    }
    if (labels.back().size() >= 64) return std::nullopt;
    return std::string(domain);
  }
  // Labels are separated by any of the dots IDNA knows; a trailing one is kept.
  std::vector<std::u32string_view> labels;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= chars.size(); ++i) {
    if (i == chars.size() || chars[i] == '.' || chars[i] == 0x3002 || chars[i] == 0xFF0E ||
        chars[i] == 0xFF61) {
      labels.push_back(std::u32string_view(chars).substr(start, i - start));
      start = i + 1;
    }
  }
  const bool trailing_dot = labels.size() > 1 && labels.back().empty();
  if (trailing_dot) labels.pop_back();
  std::string out;
  for (std::u32string_view label : labels) {
    if (!out.empty()) out += '.';
    std::u32string prepared;
    for (char32_t c : ChangeCase(label, Case::kLower)) {
      if (c == 0xDF) {
        prepared += U"ss";
      } else if (c != 0xAD) {  // Nameprep drops the soft hyphen.
        prepared.push_back(c);
      }
    }
    std::string ascii;
    if (std::all_of(prepared.begin(), prepared.end(), [](char32_t c) { return c < 0x80; })) {
      ascii = Encode(prepared);
    } else {
      if (absl::StartsWithIgnoreCase(Encode(prepared), "xn--")) return std::nullopt;
      ascii = "xn--" + Punycode(prepared);
    }
    if (!fits(ascii.size())) return std::nullopt;
    out += ascii;
  }
  if (trailing_dot) out += '.';
  return out;
}

struct SplitUrl {
  std::string scheme, netloc, path, query, fragment;
};

// urllib.parse.urlsplit; nullopt for its ValueError (brackets that do not make an IPv6 host).
std::optional<SplitUrl> UrlSplit(absl::string_view input) {
  std::string url;
  std::size_t start = 0;
  while (start < input.size() && static_cast<unsigned char>(input[start]) <= 0x20) ++start;
  for (char c : input.substr(start)) {
    if (c != '\t' && c != '\r' && c != '\n') url += c;
  }
  SplitUrl out;
  const std::size_t colon = url.find(':');
  if (colon != std::string::npos && colon > 0 && absl::ascii_isalpha(url[0]) &&
      std::all_of(url.begin(), url.begin() + colon, [](char c) {
        return absl::ascii_isalnum(c) || c == '+' || c == '-' || c == '.';
      })) {
    out.scheme = absl::AsciiStrToLower(url.substr(0, colon));
    url.erase(0, colon + 1);
  }
  if (absl::StartsWith(url, "//")) {
    const std::size_t end = std::min(url.find_first_of("/?#", 2), url.size());
    out.netloc = url.substr(2, end - 2);
    url.erase(0, end);
    const bool open = absl::StrContains(out.netloc, '['),
               close = absl::StrContains(out.netloc, ']');
    if (open != close) return std::nullopt;
    if (open) {
      // The host in brackets must be an IPv6 address or an IPvFuture one ("v1.x").
      absl::string_view host = out.netloc;
      host = host.substr(host.rfind('@') == absl::string_view::npos ? 0 : host.rfind('@') + 1);
      const std::size_t bracket = host.find('[');
      if (bracket != absl::string_view::npos) {
        if (bracket > 0) return std::nullopt;
        const std::size_t end_bracket = host.find(']');
        const absl::string_view port =
            end_bracket == absl::string_view::npos ? "" : host.substr(end_bracket + 1);
        if (!port.empty() && port[0] != ':') return std::nullopt;
        host = host.substr(
            1, end_bracket == absl::string_view::npos ? absl::string_view::npos : end_bracket - 1);
      } else {
        host = host.substr(0, host.find(':'));
      }
      if (absl::StartsWith(host, "v")) {
        const std::size_t dot = host.find('.');
        if (dot == absl::string_view::npos || dot < 2 || dot + 1 == host.size() ||
            !std::all_of(host.begin() + 1, host.begin() + dot,
                         [](char c) { return IsHexDigit(static_cast<unsigned char>(c)); })) {
          return std::nullopt;
        }
      } else {
        const std::size_t percent = host.find('%');
        const absl::string_view scope =
            percent == absl::string_view::npos ? "" : host.substr(percent + 1);
        if (percent != absl::string_view::npos &&
            (scope.empty() || absl::StrContains(scope, '%'))) {
          return std::nullopt;
        }
        const std::string address(host.substr(0, percent));
        in6_addr parsed;
        if (inet_pton(AF_INET6, address.c_str(), &parsed) != 1) return std::nullopt;
      }
    }
  }
  if (const std::size_t hash = url.find('#'); hash != std::string::npos) {
    out.fragment = url.substr(hash + 1);
    url.erase(hash);
  }
  if (const std::size_t question = url.find('?'); question != std::string::npos) {
    out.query = url.substr(question + 1);
    url.erase(question);
  }
  out.path = std::move(url);
  return out;
}

// urlencode(parse_qsl(query, keep_blank_values=True)): the query re-encoded pair by pair.
std::string ReencodeQuery(absl::string_view query) {
  const auto plus = [](absl::string_view s) {
    return absl::StrReplaceAll(QuoteString(s, " "), {{" ", "+"}});
  };
  std::vector<std::string> pairs;
  for (absl::string_view part : absl::StrSplit(query, '&')) {
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    const absl::string_view name = part.substr(0, eq);
    const absl::string_view value = eq == absl::string_view::npos ? "" : part.substr(eq + 1);
    pairs.push_back(absl::StrCat(plus(Unquote(absl::StrReplaceAll(name, {{"+", " "}}))), "=",
                                 plus(Unquote(absl::StrReplaceAll(value, {{"+", " "}})))));
  }
  return absl::StrJoin(pairs, "&");
}

// Django's smart_urlquote: each part of the URL quoted unless it already is.
std::string SmartUrlQuote(absl::string_view url) {
  std::optional<SplitUrl> parts = UrlSplit(url);
  if (!parts.has_value()) return UnquoteQuote(url);
  const std::optional<std::string> netloc = Idna(parts->netloc);
  if (!netloc.has_value()) return UnquoteQuote(url);
  std::string query = parts->query.empty() ? "" : ReencodeQuery(parts->query);
  // urlunsplit
  static constexpr absl::string_view kUsesNetloc[] = {
      "",        "ftp",   "http",  "gopher", "nntp",     "telnet", "imap",  "wais",  "file",
      "mms",     "https", "shttp", "snews",  "prospero", "rtsp",   "rtspu", "rsync", "svn",
      "svn+ssh", "sftp",  "nfs",   "git",    "git+ssh",  "ws",     "wss"};
  std::string out = UnquoteQuote(parts->path);
  const bool uses_netloc =
      !parts->scheme.empty() && std::find(std::begin(kUsesNetloc), std::end(kUsesNetloc),
                                          parts->scheme) != std::end(kUsesNetloc);
  if (!netloc->empty() || (uses_netloc && !absl::StartsWith(out, "//"))) {
    if (!out.empty() && out[0] != '/') out.insert(0, "/");
    out = absl::StrCat("//", *netloc, out);
  }
  if (!parts->scheme.empty()) out = absl::StrCat(parts->scheme, ":", out);
  if (!query.empty()) absl::StrAppend(&out, "?", query);
  const std::string fragment = UnquoteQuote(parts->fragment);
  if (!fragment.empty()) absl::StrAppend(&out, "#", fragment);
  return out;
}

std::u32string_view RStrip(std::u32string_view s, std::u32string_view chars) {
  while (!s.empty() && chars.find(s.back()) != std::u32string_view::npos) s.remove_suffix(1);
  return s;
}

bool StartsWithIgnoreCase(std::u32string_view s, std::u32string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (SimpleCase(s[i], false) != prefix[i]) return false;
  }
  return true;
}

// ^https?://\[?\w
bool IsSimpleUrl(std::u32string_view s) {
  if (!StartsWithIgnoreCase(s, U"http")) return false;
  std::size_t i = 4;
  if (i < s.size() && (s[i] == 's' || s[i] == 'S')) ++i;
  if (s.substr(i, 3) != U"://") return false;
  i += 3;
  if (i < s.size() && s[i] == '[') ++i;
  return i < s.size() && IsWordChar(s[i]);
}

// ^www\.|^(?!http)\w[^@]+\.(com|edu|gov|int|mil|net|org)($|/.*)$, ignoring case.
bool IsSimpleUrl2(std::u32string_view s) {
  if (StartsWithIgnoreCase(s, U"www.")) return true;
  if (StartsWithIgnoreCase(s, U"http") || s.empty() || !IsWordChar(s[0])) return false;
  static constexpr std::u32string_view kDomains[] = {U"com", U"edu", U"gov", U"int",
                                                     U"mil", U"net", U"org"};
  const std::size_t at = s.find('@', 1);
  for (std::size_t k = 2; k + 4 <= s.size() && k <= at; ++k) {
    if (s[k] != '.' || (k + 4 < s.size() && s[k + 4] != '/')) continue;
    for (std::u32string_view domain : kDomains) {
      if (StartsWithIgnoreCase(s.substr(k + 1), domain)) return true;
    }
  }
  return false;
}

// Django's is_email_simple.
bool IsEmailSimple(std::u32string_view s) {
  if (Count(s, '@') != 1 || s.front() == '@' || s.back() == '@') return false;
  const std::u32string_view domain = s.substr(s.find('@') + 1);
  // Domain labels are at most 63 characters (RFC 1034), which also bounds the work.
  return domain.size() <= 63 && domain.find('.') != std::u32string_view::npos &&
         domain.front() != '.';
}

// Django's trim_punctuation: wrapping brackets and trailing punctuation move out of the link.
void TrimPunctuation(std::u32string& lead, std::u32string& middle, std::u32string& trail) {
  static constexpr std::pair<char32_t, char32_t> kWrapping[] = {{'(', ')'}, {'[', ']'}};
  for (bool trimmed = true; trimmed;) {
    trimmed = false;
    for (const auto& [opening, closing] : kWrapping) {
      if (!middle.empty() && middle.front() == opening) {
        middle.erase(0, 1);
        lead.push_back(opening);
        trimmed = true;
      }
      // A closing bracket stays when the brackets balance.
      if (!middle.empty() && middle.back() == closing &&
          Count(middle, closing) == Count(middle, opening) + 1) {
        middle.pop_back();
        trail.insert(trail.begin(), closing);
        trimmed = true;
      }
    }
    // Entities are unescaped so that their ';' is not taken for punctuation; the lengths are then
    // applied to the escaped text, as Django does.
    const std::u32string unescaped = HtmlUnescape(middle);
    const std::size_t stripped = RStrip(unescaped, U".,:;!").size();
    if (stripped != unescaped.size()) {
      trail.insert(0, stripped < middle.size() ? middle.substr(stripped) : U"");
      const std::size_t cut = unescaped.size() - stripped;
      middle.resize(cut < middle.size() ? middle.size() - cut : 0);
      trimmed = true;
    }
  }
}

absl::StatusOr<Value> Urlize(const Value& in, const Call& call, std::optional<std::int64_t> limit) {
  const bool safe_input = in.safe();
  const std::u32string text = StrChars(in);
  Text out(call);
  // Words and the runs of whitespace, <, >, " and ' between them, each escaped when autoescaping.
  const auto plain = [&](std::u32string_view word) {
    const std::string utf8 = Encode(word);
    out.Add(!safe_input && call.autoescape() ? Escape(utf8) : utf8);
  };
  const auto is_separator = [](char32_t c) {
    return IsSpace(c) || c == '<' || c == '>' || c == '"' || c == '\'';
  };
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const bool separator = is_separator(text[i]);
    while (i < text.size() && is_separator(text[i]) == separator) ++i;
    const std::u32string_view word = std::u32string_view(text).substr(start, i - start);
    if (separator || word.find_first_of(U".@:") == std::u32string_view::npos) {
      plain(word);
      continue;
    }
    std::u32string lead, middle(word), trail;
    TrimPunctuation(lead, middle, trail);
    std::string url;
    bool nofollow = true;
    constexpr std::size_t kMaxUrlLength = 2048;
    if (middle.size() <= kMaxUrlLength && IsSimpleUrl(middle)) {
      url = SmartUrlQuote(Encode(HtmlUnescape(middle)));
    } else if (middle.size() <= kMaxUrlLength && IsSimpleUrl2(middle)) {
      url = SmartUrlQuote(absl::StrCat("http://", Encode(HtmlUnescape(middle))));
    } else if (middle.find(':') == std::u32string::npos && IsEmailSimple(middle)) {
      const std::size_t at = middle.rfind('@');
      const std::optional<std::string> domain =
          Idna(Encode(std::u32string_view(middle).substr(at + 1)));
      if (!domain.has_value()) {
        // Django leaves such a word as it is, unescaped.
        out.Add(Encode(word));
        continue;
      }
      url =
          absl::StrCat("mailto:", Encode(std::u32string_view(middle).substr(0, at)), "@", *domain);
      nofollow = false;
    }
    if (url.empty()) {
      plain(word);
      continue;
    }
    std::u32string trimmed = middle;
    if (limit.has_value() && static_cast<std::int64_t>(trimmed.size()) > *limit) {
      trimmed.resize(static_cast<std::size_t>(std::max<std::int64_t>(0, *limit - 1)));
      trimmed.push_back(0x2026);
    }
    const bool escape = call.autoescape() && !safe_input;
    const auto text_of = [&](const std::u32string& s) {
      return escape ? Escape(Encode(s)) : Encode(s);
    };
    out.Add(text_of(lead));
    out.Add(
        absl::StrCat("<a href=\"", Escape(url), "\"", nofollow ? " rel=\"nofollow\"" : "", ">"));
    out.Add(text_of(trimmed));
    out.Add("</a>");
    out.Add(text_of(trail));
  }
  return out.Finish(true);
}

absl::StatusOr<Value> UrlizeFilter(const Value& in, const Call& call) {
  return Urlize(in, call, std::nullopt);
}

absl::StatusOr<Value> UrlizeTrunc(const Value& in, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const std::int64_t limit, IntArg(call));
  return Urlize(in, call, limit);
}

absl::StatusOr<Value> DateFilter(const Value& in, const Call& call) {
  return FormatDateFilter(in, call, Formatter::kDate);
}
absl::StatusOr<Value> TimeFilter(const Value& in, const Call& call) {
  return FormatDateFilter(in, call, Formatter::kTime);
}
absl::StatusOr<Value> TimeSinceNow(const Value& in, const Call& call) {
  return TimeSinceFilter(in, call, false);
}
absl::StatusOr<Value> TimeUntil(const Value& in, const Call& call) {
  return TimeSinceFilter(in, call, true);
}

// ------------------------------------------------------------------------------------------------
// The table.

using Impl = absl::StatusOr<Value> (*)(const Value& input, const Call& call);

// kIsSafe: Django registers the filter is_safe=True, so a safe input gives a safe result.
enum class Safety { kPlain, kIsSafe };

struct Filter {
  absl::string_view name;
  Impl impl;
  int min_args;
  int max_args;
  Safety safety;
};

constexpr Safety kPlain = Safety::kPlain;
constexpr Safety kIsSafe = Safety::kIsSafe;

// Sorted by name. Every Django filter takes at most one argument.
constexpr Filter kFilters[] = {
    {"add", Add, 1, 1, kPlain},
    {"addslashes", AddSlashes, 0, 0, kIsSafe},
    {"capfirst", CapFirst, 0, 0, kIsSafe},
    {"center", Center, 1, 1, kIsSafe},
    {"cut", Cut, 1, 1, kPlain},
    {"date", DateFilter, 0, 1, kPlain},
    {"default", Default, 1, 1, kPlain},
    {"default_if_none", DefaultIfNone, 1, 1, kPlain},
    {"dictsort", DictSortAscending, 1, 1, kPlain},
    {"dictsortreversed", DictSortReversed, 1, 1, kPlain},
    {"divisibleby", DivisibleBy, 1, 1, kPlain},
    {"escape", EscapeFilter, 0, 0, kIsSafe},
    {"escapejs", EscapeJs, 0, 0, kPlain},
    {"filesizeformat", FileSizeFormat, 0, 0, kIsSafe},
    {"first", First, 0, 0, kPlain},
    {"floatformat", FloatFormat, 0, 1, kIsSafe},
    {"force_escape", ForceEscape, 0, 0, kIsSafe},
    {"get_digit", GetDigit, 1, 1, kPlain},
    {"iriencode", IriEncode, 0, 0, kIsSafe},
    {"join", Join, 1, 1, kIsSafe},
    {"json_script", JsonScript, 1, 1, kIsSafe},  // The element id is required before Django 4.1.
    {"last", Last, 0, 0, kIsSafe},
    {"length", Length, 0, 0, kPlain},
    {"length_is", LengthIs, 1, 1, kPlain},
    {"linebreaks", LineBreaks, 0, 0, kIsSafe},
    {"linebreaksbr", LineBreaksBr, 0, 0, kIsSafe},
    {"linenumbers", LineNumbers, 0, 0, kIsSafe},
    {"ljust", LJust, 1, 1, kIsSafe},
    {"lower", Lower, 0, 0, kIsSafe},
    {"make_list", MakeList, 0, 0, kPlain},
    {"money", Money, 1, 1, kPlain},  // The platform's.
    {"phone2numeric", Phone2Numeric, 0, 0, kIsSafe},
    {"pluralize", Pluralize, 0, 1, kPlain},
    {"pprint", Pprint, 0, 0, kIsSafe},
    {"random", Random, 0, 0, kIsSafe},
    {"rjust", RJust, 1, 1, kIsSafe},
    {"safe", Safe, 0, 0, kIsSafe},
    {"safeseq", SafeSeq, 0, 0, kIsSafe},
    {"slice", Slice, 1, 1, kIsSafe},
    {"slugify", Slugify, 0, 0, kIsSafe},
    {"stringformat", StringFormat, 1, 1, kIsSafe},
    {"striptags", StripTags, 0, 0, kIsSafe},
    {"time", TimeFilter, 0, 1, kPlain},
    {"timesince", TimeSinceNow, 0, 1, kPlain},
    {"timestamp", Timestamp, 0, 0, kPlain},  // The platform's.
    {"timeuntil", TimeUntil, 0, 1, kPlain},
    {"title", Title, 0, 0, kIsSafe},
    {"truncatechars", TruncateChars, 1, 1, kIsSafe},
    {"truncatechars_html", TruncateCharsHtml, 1, 1, kIsSafe},
    {"truncatewords", TruncateWords, 1, 1, kIsSafe},
    {"truncatewords_html", TruncateWordsHtml, 1, 1, kIsSafe},
    {"unordered_list", UnorderedList, 0, 0, kIsSafe},
    {"upper", Upper, 0, 0, kPlain},
    {"urlencode", UrlEncode, 0, 1, kPlain},
    {"urlize", UrlizeFilter, 0, 0, kIsSafe},
    {"urlizetrunc", UrlizeTrunc, 1, 1, kIsSafe},
    {"wordcount", WordCount, 0, 0, kPlain},
    {"wordwrap", WordWrap, 1, 1, kIsSafe},
    {"yesno", YesNo, 0, 1, kPlain},
};

static_assert(SortedByName(kFilters), "kFilters must be sorted by name");

template <std::size_t I>
absl::StatusOr<Value> Dispatch(const Value& input, const FilterArgs& args, FilterContext& context) {
  const Call call{kFilters[I].name, args, context};
  if (!args.keyword.empty()) return call.Error("Django filters take no keyword arguments");
  // An undefined variable reaches a Django filter as "".
  const Value& in = input.is_undefined() ? EmptyString() : input;
  NOTIFY_ASSIGN_OR_RETURN(Value out, kFilters[I].impl(in, call));
  if (kFilters[I].safety == kIsSafe && in.safe() && !out.safe()) {
    // Django's mark_safe, which makes a string of anything else.
    if (out.is_string()) return out.MarkedSafe();
    Text text(call);
    text.Add(Str(out));
    return text.Finish(true);
  }
  return out;
}

template <std::size_t... I>
constexpr std::array<FilterSpec, sizeof...(I)> MakeSpecs(std::index_sequence<I...>) {
  return {
      {FilterSpec{kFilters[I].name, &Dispatch<I>, kFilters[I].min_args, kFilters[I].max_args}...}};
}

constexpr std::array<FilterSpec, std::size(kFilters)> kSpecs =
    MakeSpecs(std::make_index_sequence<std::size(kFilters)>());

}  // namespace

const FilterSpec* FindDjangoFilter(absl::string_view name) { return FindSorted(kSpecs, name); }

std::string FormatDjangoDate(absl::string_view format, absl::Time time) {
  // Every character has a meaning for a datetime, so this never fails.
  return FormatDate(format, time, Formatter::kDate).value_or("");
}

}  // namespace notify::tmpl
