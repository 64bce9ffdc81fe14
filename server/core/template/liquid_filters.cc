// Liquid's standard filters, as Shopify's Liquid 5.4 (Ruby) computes them, plus the platform's
// `money` and `timestamp` and a few filters Liquid users know from later versions and liquidjs.
//
// Why the file is shaped this way:
// - One table, kFilters (sorted by name), is the whole dialect: each row names a filter, its
//   implementation, its positional argument counts and whether it takes keyword arguments (only
//   `default` does). Dispatch<I> gives each row its own FilterFn, so an implementation knows the
//   name it was called by and its errors read "divided_by: divided by 0".
// - Liquid's behaviour is Ruby's, so the helpers below reproduce Ruby rather than C++: to_s and
//   inspect, Integer() and String#to_i, String#split and #strip, the case mapping of upcase, the
//   BigDecimal arithmetic Liquid does on floats (0.1 plus 0.2 is 0.3, 1.005 rounds to 1.01),
//   integers of any size with floored division, Array#sort (glibc's merge sort, whose order of
//   comparisons decides both results and errors) and Time#strftime.
// - Values from the input are referenced, never copied: elements and members are taken with
//   Value::At and Value::Get, and the lists filters return (sort, where, map, slice...) are
//   Value::Array of those handles.
// - Every string and list a filter makes is charged to the render's Budget before it is made: a
//   Text charges each piece before appending it, and list sizes are charged before the list is
//   filled. Splitting a huge string or a long append chain fails with ResourceExhausted instead
//   of allocating.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "server/common/status.h"
#include "server/core/template/budget.h"
#include "server/core/template/filters.h"
#include "server/core/template/value.h"

namespace notify::tmpl {
namespace {

// Numbers spelled with more digits than this are refused: Ruby would compute with them exactly,
// but the cost of exact arithmetic grows with their length.
constexpr std::size_t kMaxNumberLength = 400;
// How deep inspect, eql? and <=> follow nested lists.
constexpr int kMaxNesting = 100;

// ------------------------------------------------------------------------------------------------
// One invocation and the text it builds.

struct Call {
  absl::string_view name;
  const FilterArgs& args;
  FilterContext& context;

  std::size_t count() const { return args.positional.size(); }
  // Positional argument `i`, or undefined (Ruby's nil) when it was not given.
  Value Arg(std::size_t i) const { return i < count() ? args.positional[i] : Value(); }
  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", message));
  }
  absl::Status Bytes(std::size_t n) const { return context.budget->Bytes(n); }
  absl::Status Elements(std::size_t n) const { return context.budget->Elements(n); }
};

// A string under construction: each piece is charged to the budget before it is appended.
class Text {
 public:
  explicit Text(const Call& call) : budget_(call.context.budget) {}

  absl::Status Append(absl::string_view s) {
    NOTIFY_RETURN_IF_ERROR(budget_->Bytes(s.size()));
    text_.append(s.data(), s.size());
    return absl::OkStatus();
  }
  absl::Status Append(std::size_t n, char c) {
    NOTIFY_RETURN_IF_ERROR(budget_->Bytes(n));
    text_.append(n, c);
    return absl::OkStatus();
  }
  absl::Status Append(char c) { return Append(1, c); }
  absl::Status AppendChar(char32_t c);
  absl::Status Insert(std::size_t at, std::size_t n, char c) {
    NOTIFY_RETURN_IF_ERROR(budget_->Bytes(n));
    text_.insert(at, n, c);
    return absl::OkStatus();
  }

  std::size_t size() const { return text_.size(); }
  // For edits in place that keep the size.
  std::string& text() { return text_; }
  Value Finish() { return Value::String(std::move(text_)); }

 private:
  Budget* budget_;
  std::string text_;
};

absl::Status Text::AppendChar(char32_t c) {
  NOTIFY_RETURN_IF_ERROR(budget_->Bytes(Utf8Size(c)));
  AppendUtf8(c, text_);
  return absl::OkStatus();
}

// An empty string result; a literal needs no budget.
Value EmptyString() { return Value::StringRef(""); }

// ------------------------------------------------------------------------------------------------
// Ruby's text: characters, whitespace, to_s and inspect.

// The character at `*pos`, which moves past it. A byte that starts no valid UTF-8 sequence is a
// character of its own, as Ruby counts them; for those NextChar returns false.
bool NextChar(absl::string_view s, std::size_t* pos, char32_t* c) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(*pos);
  *c = b0;
  if (b0 < 0x80) {
    ++*pos;
    return true;
  }
  std::size_t length = 0;
  char32_t min = 0;
  char32_t value = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
    min = 0x80;
    value = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    min = 0x800;
    value = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    min = 0x10000;
    value = b0 & 0x07;
  }
  bool valid = length > 0 && *pos + length <= s.size();
  for (std::size_t k = 1; valid && k < length; ++k) {
    valid = (byte(*pos + k) & 0xC0) == 0x80;
    value = (value << 6) | (byte(*pos + k) & 0x3F);
  }
  valid = valid && value >= min && value <= 0x10FFFF && (value < 0xD800 || value > 0xDFFF);
  if (!valid) {
    ++*pos;
    return false;
  }
  *c = value;
  *pos += length;
  return true;
}

bool ValidUtf8(absl::string_view s) {
  std::size_t pos = 0;
  char32_t c;
  while (pos < s.size()) {
    if (!NextChar(s, &pos, &c)) return false;
  }
  return true;
}

std::size_t CharCount(absl::string_view s) {
  std::size_t count = 0;
  std::size_t pos = 0;
  char32_t c;
  for (; pos < s.size(); ++count) NextChar(s, &pos, &c);
  return count;
}

// The byte offset at which character `n` starts (the end when there are fewer).
std::size_t CharOffset(absl::string_view s, std::size_t n) {
  std::size_t pos = 0;
  char32_t c;
  for (std::size_t k = 0; k < n && pos < s.size(); ++k) NextChar(s, &pos, &c);
  return pos;
}

// The error Ruby raises when a regular expression or split meets broken UTF-8.
absl::Status BrokenUtf8(const Call& call) { return call.Error("invalid byte sequence in UTF-8"); }

// Ruby's ASCII whitespace (isspace); strip also removes NUL.
bool IsRubySpace(char32_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool IsStripped(char32_t c) { return c == '\0' || IsRubySpace(c); }

void AppendHex(std::uint32_t value, int width, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int shift = (width - 1) * 4; shift >= 0; shift -= 4) {
    out.push_back(kHex[(value >> shift) & 0xF]);
  }
}

// String#inspect: quoted, with Ruby's escapes. Ruby also escapes unassigned code points, which
// would take Unicode's tables; these keep C0 controls, DEL, U+2028/2029 and noncharacters.
void AppendStringInspect(absl::string_view s, std::string& out) {
  out.push_back('"');
  std::size_t pos = 0;
  while (pos < s.size()) {
    const std::size_t start = pos;
    char32_t c;
    if (!NextChar(s, &pos, &c)) {
      out.append("\\x");
      AppendHex(c, 2, out);
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        continue;
      case '\\':
        out.append("\\\\");
        continue;
      case '\n':
        out.append("\\n");
        continue;
      case '\r':
        out.append("\\r");
        continue;
      case '\t':
        out.append("\\t");
        continue;
      case '\f':
        out.append("\\f");
        continue;
      case '\v':
        out.append("\\v");
        continue;
      case '\b':
        out.append("\\b");
        continue;
      case '\a':
        out.append("\\a");
        continue;
      case 0x1B:
        out.append("\\e");
        continue;
      case '#':
        // "#{", "#$" and "#@" would interpolate in Ruby source.
        if (pos < s.size() && (s[pos] == '{' || s[pos] == '$' || s[pos] == '@')) {
          out.push_back('\\');
        }
        out.push_back('#');
        continue;
      default:
        break;
    }
    const bool noncharacter = (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
    if (c < 0x20 || c == 0x7F || c == 0x2028 || c == 0x2029 || noncharacter) {
      if (c > 0xFFFF) {
        out.append("\\u{");
        AppendHex(c, c > 0xFFFFF ? 6 : 5, out);
        out.push_back('}');
      } else {
        out.append("\\u");
        AppendHex(c, 4, out);
      }
      continue;
    }
    absl::StrAppend(&out, s.substr(start, pos - start));
  }
  out.push_back('"');
}

void AppendToS(const Value& value, std::string& out, int depth = 0);

// Ruby's inspect, for the elements of the lists to_s prints; objects already print as Ruby
// inspects them ({"k"=>"v"}).
void AppendInspect(const Value& value, std::string& out, int depth) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNil:
      out.append("nil");
      return;
    case Value::Kind::kString:
      AppendStringInspect(value.string_value(), out);
      return;
    case Value::Kind::kArray:
      AppendToS(value, out, depth);
      return;
    default:
      out.append(Print(value, Syntax::kLiquid));
      return;
  }
}

// Ruby's to_s: what string filters make of their input. It differs from how `{{ }}` prints only
// for lists, which to_s inspects ([1, "a"]) where output concatenates them.
void AppendToS(const Value& value, std::string& out, int depth) {
  if (value.is_string()) {
    absl::StrAppend(&out, value.string_value());
  } else if (!value.is_array()) {
    out.append(Print(value, Syntax::kLiquid));
  } else if (depth >= kMaxNesting) {
    out.append("[...]");
  } else {
    out.push_back('[');
    for (std::size_t i = 0; i < value.Size(); ++i) {
      if (i > 0) out.append(", ");
      AppendInspect(value.At(i), out, depth + 1);
    }
    out.push_back(']');
  }
}

// `value.to_s`: a string is itself (not copied); anything else is printed into a new string,
// charged as soon as its size is known.
absl::StatusOr<Value> ToS(const Value& value, const Call& call) {
  if (value.is_string()) return value;
  std::string text;
  AppendToS(value, text);
  NOTIFY_RETURN_IF_ERROR(call.Bytes(text.size()));
  return Value::String(std::move(text));
}

absl::Status AppendToS(const Value& value, Text& out) {
  if (value.is_string()) return out.Append(value.string_value());
  std::string text;
  AppendToS(value, text);
  return out.Append(text);
}

// Ruby's String#strip removes NUL and ASCII whitespace.
absl::string_view RubyStrip(absl::string_view s) {
  std::size_t begin = 0;
  std::size_t end = s.size();
  while (begin < end && IsStripped(static_cast<unsigned char>(s[begin]))) ++begin;
  while (end > begin && IsStripped(static_cast<unsigned char>(s[end - 1]))) --end;
  return s.substr(begin, end - begin);
}

// Ruby's Integer(text), which Liquid's Utils.to_integer applies to anything but an integer:
// optional whitespace and sign, a 0x/0b/0o/0d prefix or a leading 0 (octal), digits with single
// underscores between them. Values past 64 bits saturate.
std::optional<std::int64_t> ParseRubyInteger(absl::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && IsRubySpace(static_cast<unsigned char>(s[i]))) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  int base = 10;
  if (i + 1 < s.size() && s[i] == '0') {
    switch (absl::ascii_tolower(static_cast<unsigned char>(s[i + 1]))) {
      case 'x':
        base = 16;
        i += 2;
        break;
      case 'b':
        base = 2;
        i += 2;
        break;
      case 'o':
        base = 8;
        i += 2;
        break;
      case 'd':
        i += 2;
        break;
      default:
        // "017" is octal, and so is "0_17": the leading zero is one of its digits.
        if (absl::ascii_isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '_') base = 8;
        break;
    }
  }
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 63;
  std::uint64_t magnitude = 0;
  bool any = false;
  bool after_underscore = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      if (!any || after_underscore) return std::nullopt;
      after_underscore = true;
      continue;
    }
    int digit = base;
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      digit = c - '0';
    } else if (absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      digit = absl::ascii_tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    }
    if (digit >= base) break;
    magnitude = magnitude > (kLimit - digit) / base ? kLimit : magnitude * base + digit;
    any = true;
    after_underscore = false;
  }
  if (!any || after_underscore) return std::nullopt;
  while (i < s.size() && IsRubySpace(static_cast<unsigned char>(s[i]))) ++i;
  if (i != s.size()) return std::nullopt;
  if (negative) {
    return magnitude >= kLimit ? std::numeric_limits<std::int64_t>::min()
                               : -static_cast<std::int64_t>(magnitude);
  }
  return magnitude >= kLimit ? std::numeric_limits<std::int64_t>::max()
                             : static_cast<std::int64_t>(magnitude);
}

// Liquid's Utils.to_integer: integers as they are, anything else through Integer(to_s), so 1.5
// and nil are errors.
absl::StatusOr<std::int64_t> ToInteger(const Value& value, const Call& call) {
  if (value.is_int()) return value.int_value();
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(value, call));
  const std::optional<std::int64_t> parsed = ParseRubyInteger(text.string_value());
  if (!parsed.has_value()) return call.Error("invalid integer");
  return *parsed;
}

// ------------------------------------------------------------------------------------------------
// Numbers. Liquid's Utils.to_number turns a float into a BigDecimal (of its shortest spelling)
// before any arithmetic and the result back into a float, so `0.1 | plus: 0.2` is 0.3 and
// `1.005 | round: 2` is 1.01; integers are Ruby's, of any size, with floored division. Decimal is
// that BigDecimal; integers are Decimals too, so arithmetic is exact whatever the size, and a
// result must fit in 64 bits only when it becomes a Value.

// Magnitudes: decimal digit strings without leading zeros ("" is zero).
void StripLeadingZeros(std::string& digits) {
  const std::size_t first = digits.find_first_not_of('0');
  digits.erase(0, first == std::string::npos ? digits.size() : first);
}

int CompareMagnitudes(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return (c > 0) - (c < 0);
}

std::string AddMagnitudes(absl::string_view a, absl::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  std::string sum(a.size() + 1, '0');
  int carry = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    int digit = carry + (a[a.size() - 1 - k] - '0');
    if (k < b.size()) digit += b[b.size() - 1 - k] - '0';
    sum[sum.size() - 1 - k] = static_cast<char>('0' + digit % 10);
    carry = digit / 10;
  }
  sum[0] = static_cast<char>('0' + carry);
  StripLeadingZeros(sum);
  return sum;
}

// a - b, for a >= b.
std::string SubtractMagnitudes(absl::string_view a, absl::string_view b) {
  std::string difference(a);
  int borrow = 0;
  for (std::size_t k = 0; k < difference.size() && (k < b.size() || borrow); ++k) {
    char& digit = difference[difference.size() - 1 - k];
    int d = (digit - '0') - borrow - (k < b.size() ? b[b.size() - 1 - k] - '0' : 0);
    borrow = d < 0;
    digit = static_cast<char>('0' + (d < 0 ? d + 10 : d));
  }
  StripLeadingZeros(difference);
  return difference;
}

std::string MultiplyMagnitudes(absl::string_view a, absl::string_view b) {
  if (a.empty() || b.empty()) return "";
  std::vector<std::uint64_t> columns(a.size() + b.size(), 0);
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::uint64_t x = a[a.size() - 1 - i] - '0';
    for (std::size_t j = 0; j < b.size(); ++j) columns[i + j] += x * (b[b.size() - 1 - j] - '0');
  }
  std::string product(columns.size(), '0');
  std::uint64_t carry = 0;
  for (std::size_t k = 0; k < columns.size(); ++k) {
    const std::uint64_t column = columns[k] + carry;
    product[product.size() - 1 - k] = static_cast<char>('0' + column % 10);
    carry = column / 10;
  }
  StripLeadingZeros(product);
  return product;
}

// Long division: a = quotient × b + *remainder, for b non-zero.
std::string DivideMagnitudes(absl::string_view a, absl::string_view b, std::string* remainder) {
  std::string quotient;
  std::string rest;
  for (const char digit : a) {
    if (!rest.empty() || digit != '0') rest.push_back(digit);
    char count = '0';
    while (CompareMagnitudes(rest, b) >= 0) {
      rest = SubtractMagnitudes(rest, b);
      ++count;
    }
    quotient.push_back(count);
  }
  StripLeadingZeros(quotient);
  *remainder = std::move(rest);
  return quotient;
}

struct Decimal {
  enum class Kind { kFinite, kInfinity, kNaN };

  Kind kind = Kind::kFinite;
  bool negative = false;      // Zeros keep a sign too, as floats do: -0.0 prints as -0.0.
  std::string digits;         // The coefficient: no leading or trailing zeros, "" for zero.
  std::int64_t exponent = 0;  // value = digits × 10^exponent.

  bool finite() const { return kind == Kind::kFinite; }
  bool zero() const { return finite() && digits.empty(); }
};

Decimal Special(Decimal::Kind kind, bool negative = false) {
  Decimal d;
  d.kind = kind;
  d.negative = negative;
  return d;
}

void Normalize(Decimal& d) {
  StripLeadingZeros(d.digits);
  const std::size_t last = d.digits.find_last_not_of('0');
  if (last == std::string::npos) {
    d.digits.clear();
    d.exponent = 0;
    return;
  }
  d.exponent += static_cast<std::int64_t>(d.digits.size() - 1 - last);
  d.digits.resize(last + 1);
}

Decimal DecimalFromInt(std::int64_t value) {
  Decimal d;
  d.negative = value < 0;
  const std::uint64_t magnitude =
      d.negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  d.digits = absl::StrCat(magnitude);
  Normalize(d);
  return d;
}

// "[+-]digits[.digits][(e|E)[+-]digits]", the whole of `text`. The exponent saturates far past
// any number the budget would let anyone print.
std::optional<Decimal> ParseDecimal(absl::string_view text) {
  constexpr std::int64_t kExponentLimit = std::int64_t{1} << 40;
  Decimal d;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) d.negative = text[i++] == '-';
  bool any = false;
  for (; i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i])); ++i) {
    d.digits.push_back(text[i]);
    any = true;
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i])); ++i) {
      d.digits.push_back(text[i]);
      --d.exponent;
      any = true;
    }
  }
  if (!any) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    std::int64_t exponent = 0;
    const std::size_t start = i;
    for (; i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i])); ++i) {
      exponent = std::min(exponent * 10 + (text[i] - '0'), kExponentLimit);
    }
    if (i == start) return std::nullopt;
    d.exponent += negative ? -exponent : exponent;
  }
  if (i != text.size()) return std::nullopt;
  Normalize(d);
  return d;
}

// BigDecimal(float.to_s): the shortest decimal that reads back as `x`, which is also what Ruby's
// Float#to_s writes.
Decimal DecimalFromDouble(double x) {
  if (std::isnan(x)) return Special(Decimal::Kind::kNaN);
  if (std::isinf(x)) return Special(Decimal::Kind::kInfinity, x < 0);
  char buffer[64];
  const std::to_chars_result written = std::to_chars(buffer, buffer + sizeof(buffer), x);
  return *ParseDecimal(absl::string_view(buffer, written.ptr - buffer));
}

double ToDouble(const Decimal& d) {
  switch (d.kind) {
    case Decimal::Kind::kNaN:
      return std::numeric_limits<double>::quiet_NaN();
    case Decimal::Kind::kInfinity:
      return d.negative ? -HUGE_VAL : HUGE_VAL;
    case Decimal::Kind::kFinite:
      break;
  }
  if (d.zero()) return d.negative ? -0.0 : 0.0;
  // strtod rounds correctly, so this is BigDecimal#to_f.
  const std::string text = absl::StrCat(d.negative ? "-" : "", d.digits, "e", d.exponent);
  return std::strtod(text.c_str(), nullptr);
}

// An integral Decimal as 64 bits, when it fits.
std::optional<std::int64_t> ToInt64(const Decimal& d) {
  if (d.zero()) return 0;
  if (!d.finite() || d.exponent < 0 ||
      static_cast<std::int64_t>(d.digits.size()) + d.exponent > 19) {
    return std::nullopt;
  }
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 63;
  unsigned __int128 magnitude = 0;
  for (const char digit : d.digits) magnitude = magnitude * 10 + (digit - '0');
  for (std::int64_t k = 0; k < d.exponent; ++k) magnitude *= 10;
  if (magnitude > (d.negative ? kLimit : kLimit - 1)) return std::nullopt;
  return d.negative ? static_cast<std::int64_t>(0 - static_cast<std::uint64_t>(magnitude))
                    : static_cast<std::int64_t>(magnitude);
}

// d's coefficient scaled to `exponent` (at most d.exponent): d = result × 10^exponent.
std::string Scaled(const Decimal& d, std::int64_t exponent) {
  std::string digits = d.digits;
  if (!digits.empty()) digits.append(static_cast<std::size_t>(d.exponent - exponent), '0');
  return digits;
}

int CompareAbs(const Decimal& a, const Decimal& b) {
  if (a.zero() || b.zero()) return b.zero() - a.zero();
  // Where the leading digit stands decides first; then the digits, read left to right.
  const std::int64_t lead_a = static_cast<std::int64_t>(a.digits.size()) + a.exponent;
  const std::int64_t lead_b = static_cast<std::int64_t>(b.digits.size()) + b.exponent;
  if (lead_a != lead_b) return lead_a < lead_b ? -1 : 1;
  for (std::size_t k = 0; k < std::max(a.digits.size(), b.digits.size()); ++k) {
    const char x = k < a.digits.size() ? a.digits[k] : '0';
    const char y = k < b.digits.size() ? b.digits[k] : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

// -1, 0 or 1; nullopt when either is NaN.
std::optional<int> CompareDecimals(const Decimal& a, const Decimal& b) {
  if (a.kind == Decimal::Kind::kNaN || b.kind == Decimal::Kind::kNaN) return std::nullopt;
  const auto rank = [](const Decimal& d) {
    if (!d.finite()) return d.negative ? -2 : 2;
    return d.zero() ? 0 : (d.negative ? -1 : 1);
  };
  const int rank_a = rank(a);
  const int rank_b = rank(b);
  if (rank_a != rank_b) return rank_a < rank_b ? -1 : 1;
  if (rank_a == 0 || rank_a == 2 || rank_a == -2) return 0;
  return rank_a * CompareAbs(a, b);
}

Decimal Negate(Decimal d) {
  if (d.kind != Decimal::Kind::kNaN) d.negative = !d.negative;
  return d;
}

Decimal Add(const Decimal& a, const Decimal& b) {
  using Kind = Decimal::Kind;
  if (a.kind == Kind::kNaN || b.kind == Kind::kNaN) return Special(Kind::kNaN);
  if (!a.finite() || !b.finite()) {
    if (!a.finite() && !b.finite() && a.negative != b.negative) return Special(Kind::kNaN);
    return a.finite() ? b : a;
  }
  if (a.zero() && b.zero()) {
    Decimal sum;
    sum.negative = a.negative && b.negative;
    return sum;
  }
  Decimal sum;
  sum.exponent = std::min(a.exponent, b.exponent);
  const std::string x = Scaled(a, sum.exponent);
  const std::string y = Scaled(b, sum.exponent);
  if (a.negative == b.negative) {
    sum.negative = a.negative;
    sum.digits = AddMagnitudes(x, y);
  } else if (const int c = CompareMagnitudes(x, y); c != 0) {
    sum.negative = c > 0 ? a.negative : b.negative;
    sum.digits = c > 0 ? SubtractMagnitudes(x, y) : SubtractMagnitudes(y, x);
  }
  Normalize(sum);
  return sum;
}

Decimal Multiply(const Decimal& a, const Decimal& b) {
  using Kind = Decimal::Kind;
  const bool negative = a.negative != b.negative;
  if (a.kind == Kind::kNaN || b.kind == Kind::kNaN) return Special(Kind::kNaN);
  if (!a.finite() || !b.finite()) {
    return a.zero() || b.zero() ? Special(Kind::kNaN) : Special(Kind::kInfinity, negative);
  }
  Decimal product;
  product.negative = negative;
  product.digits = MultiplyMagnitudes(a.digits, b.digits);
  product.exponent = a.exponent + b.exponent;
  Normalize(product);
  return product;
}

// BigDecimal division: x/0 is an infinity (0/0 NaN). The quotient keeps 41 digits and a sticky
// digit for any remainder, so the float it becomes is the correctly rounded quotient.
Decimal Divide(const Decimal& a, const Decimal& b) {
  using Kind = Decimal::Kind;
  const bool negative = a.negative != b.negative;
  if (a.kind == Kind::kNaN || b.kind == Kind::kNaN) return Special(Kind::kNaN);
  if (!a.finite()) return b.finite() ? Special(Kind::kInfinity, negative) : Special(Kind::kNaN);
  if (!b.finite() || a.zero()) {
    if (b.zero()) return Special(Kind::kNaN);
    Decimal zero;
    zero.negative = negative;
    return zero;
  }
  if (b.zero()) return Special(Kind::kInfinity, negative);
  constexpr std::size_t kDigits = 41;
  Decimal quotient;
  quotient.negative = negative;
  quotient.exponent = a.exponent - b.exponent;
  std::string dividend = a.digits;
  if (dividend.size() < b.digits.size() + kDigits) {
    const std::size_t pad = b.digits.size() + kDigits - dividend.size();
    dividend.append(pad, '0');
    quotient.exponent -= static_cast<std::int64_t>(pad);
  }
  std::string remainder;
  quotient.digits = DivideMagnitudes(dividend, b.digits, &remainder);
  if (!remainder.empty()) {
    quotient.digits.push_back('1');
    --quotient.exponent;
  }
  Normalize(quotient);
  return quotient;
}

// Floored division of finite numbers, b non-zero: a = b × quotient + remainder, the quotient an
// integer rounded toward negative infinity and the remainder of b's sign (Ruby's / of integers,
// and % of both integers and BigDecimals).
void FloorDivide(const Decimal& a, const Decimal& b, Decimal* quotient, Decimal* remainder) {
  const std::int64_t exponent = std::min(a.exponent, b.exponent);
  const std::string x = Scaled(a, exponent);
  const std::string y = Scaled(b, exponent);
  Decimal q;
  Decimal r;
  q.digits = DivideMagnitudes(x, y, &r.digits);
  r.exponent = exponent;
  if (!r.digits.empty() && a.negative != b.negative) {
    q.digits = AddMagnitudes(q.digits, "1");
    r.digits = SubtractMagnitudes(y, r.digits);
  }
  q.negative = !q.digits.empty() && a.negative != b.negative;
  r.negative = !r.digits.empty() && b.negative;
  Normalize(q);
  Normalize(r);
  if (quotient != nullptr) *quotient = std::move(q);
  if (remainder != nullptr) *remainder = std::move(r);
}

// BigDecimal#% (b non-zero): an infinite or NaN operand gives NaN, except that a finite number
// modulo an infinity is itself.
Decimal Modulo(const Decimal& a, const Decimal& b) {
  if (!a.finite() || b.kind == Decimal::Kind::kNaN) return Special(Decimal::Kind::kNaN);
  if (!b.finite()) return a;
  Decimal remainder;
  FloorDivide(a, b, nullptr, &remainder);
  return remainder;
}

enum class Rounding { kHalfUp, kFloor, kCeiling };

// `d` rounded to a multiple of 10^-places: half away from zero (BigDecimal's ROUND_HALF_UP and
// Integer#round), or toward negative or positive infinity.
Decimal RoundDecimal(const Decimal& d, std::int64_t places, Rounding mode) {
  if (!d.finite() || d.zero() || d.exponent >= -places) return d;
  Decimal rounded;
  rounded.negative = d.negative;
  rounded.exponent = -places;
  const std::int64_t drop = -places - d.exponent;  // Digits below 10^-places.
  const bool toward = mode == Rounding::kFloor ? d.negative : !d.negative;
  bool up;
  if (drop > static_cast<std::int64_t>(d.digits.size())) {
    up = mode != Rounding::kHalfUp && toward;
  } else {
    const std::size_t keep = d.digits.size() - static_cast<std::size_t>(drop);
    rounded.digits = d.digits.substr(0, keep);
    // Normalized digits end in a non-zero digit, so something non-zero is always dropped.
    up = mode == Rounding::kHalfUp ? d.digits[keep] >= '5' : toward;
  }
  if (up) rounded.digits = AddMagnitudes(rounded.digits, "1");
  Normalize(rounded);
  return rounded;
}

// Ruby's FloatDomainError, when an infinity or NaN has to become an integer.
absl::Status FloatDomainError(const Decimal& d, const Call& call) {
  if (d.kind == Decimal::Kind::kNaN) {
    return call.Error("Computation results in 'NaN' (Not a Number)");
  }
  return call.Error(d.negative ? "Computation results in '-Infinity'"
                               : "Computation results in 'Infinity'");
}

// A number as Liquid's Utils.to_number makes it: a Ruby Integer or a BigDecimal.
struct Num {
  bool integer = true;
  Decimal value;
};

// Ruby's String#to_i: leading whitespace, a sign, then decimal digits (single underscores between
// them allowed) up to the first other character; 0 when there are none.
absl::StatusOr<Decimal> StringToI(absl::string_view s, const Call& call) {
  std::size_t i = 0;
  while (i < s.size() && IsRubySpace(static_cast<unsigned char>(s[i]))) ++i;
  Decimal d;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) d.negative = s[i++] == '-';
  for (; i < s.size(); ++i) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) {
      d.digits.push_back(s[i]);
    } else if (s[i] != '_' || d.digits.empty() || i + 1 == s.size() ||
               !absl::ascii_isdigit(static_cast<unsigned char>(s[i + 1]))) {
      break;
    }
  }
  if (d.digits.size() > kMaxNumberLength) return call.Error("number too long");
  Normalize(d);
  if (d.zero()) d.negative = false;  // Integers have no negative zero.
  return d;
}

// Liquid's Utils.to_number: floats become BigDecimals, strings that look like "-1.5" too, other
// strings are read with to_i, and anything else is 0.
absl::StatusOr<Num> ToNum(const Value& value, const Call& call) {
  switch (value.kind()) {
    case Value::Kind::kInt:
      return Num{true, DecimalFromInt(value.int_value())};
    case Value::Kind::kFloat:
      return Num{false, DecimalFromDouble(value.number_value())};
    case Value::Kind::kString: {
      // /\A-?\d+\.\d+\z/ on the stripped text.
      const absl::string_view text = RubyStrip(value.string_value());
      const std::size_t unsigned_start = !text.empty() && text[0] == '-' ? 1 : 0;
      const std::size_t point = text.find('.');
      const auto all_digits = [](absl::string_view s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
          return absl::ascii_isdigit(static_cast<unsigned char>(c));
        });
      };
      if (point != absl::string_view::npos &&
          all_digits(text.substr(unsigned_start, point - unsigned_start)) &&
          all_digits(text.substr(point + 1))) {
        if (text.size() > kMaxNumberLength) return call.Error("number too long");
        return Num{false, *ParseDecimal(text)};
      }
      NOTIFY_ASSIGN_OR_RETURN(Decimal integer, StringToI(value.string_value(), call));
      return Num{true, std::move(integer)};
    }
    default:
      return Num{true, Decimal()};
  }
}

// What a computation hands back: an Integer as an int (when it fits in 64 bits; Ruby would go on
// with a Bignum), a BigDecimal as a float.
absl::StatusOr<Value> NumValue(const Num& n, const Call& call) {
  if (!n.integer) return Value::Float(ToDouble(n.value));
  const std::optional<std::int64_t> i = ToInt64(n.value);
  if (!i.has_value()) return call.Error("integer result out of range");
  return Value::Int(*i);
}

// ------------------------------------------------------------------------------------------------
// Case mapping, as Ruby 3's upcase, downcase and capitalize do it for ASCII, Latin-1 Supplement,
// Latin Extended-A, Greek and Coptic, and Cyrillic (U+0000-017F, U+0370-04FF). Ruby maps all of
// Unicode; characters outside those blocks are left as they are.

enum class Case { kUpper, kLower, kTitle };

char32_t SimpleLower(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  if (c < 0x100) return c >= 0xC0 && c <= 0xDE && c != 0xD7 ? c + 32 : c;
  if (c < 0x180) {
    if (c == 0x178) return 0xFF;
    if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
    // Pairs: upper case even in U+0100-0137 and U+014A-0177, odd in U+0139-0148 and U+0179-017E.
    const bool odd_upper = (c >= 0x139 && c <= 0x148) || c >= 0x179;
    return (c % 2 == 1) == odd_upper ? c + 1 : c;
  }
  if (c >= 0x370 && c < 0x400) {
    if (c == 0x370 || c == 0x372 || c == 0x376 || c == 0x3F7 || c == 0x3FA) return c + 1;
    if (c == 0x37F) return 0x3F3;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3AB)) return c + 32;
    if (c == 0x3CF) return 0x3D7;
    if (c >= 0x3D8 && c <= 0x3EF && c % 2 == 0) return c + 1;
    if (c == 0x3F4) return 0x3B8;
    if (c == 0x3F9) return 0x3F2;
    if (c >= 0x3FD) return c - 130;
    return c;
  }
  if (c >= 0x400 && c < 0x500) {
    if (c < 0x410) return c + 80;
    if (c < 0x430) return c + 32;
    if (c == 0x4C0) return 0x4CF;
    const bool pair = (c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || c >= 0x4D0;
    if (pair && c % 2 == 0) return c + 1;
    if (c >= 0x4C1 && c <= 0x4CE && c % 2 == 1) return c + 1;
  }
  return c;
}

char32_t SimpleUpper(char32_t c) {
  if (c < 0x80) return c >= 'a' && c <= 'z' ? c - 32 : c;
  if (c < 0x100) {
    if (c == 0xB5) return 0x39C;  // MICRO SIGN becomes GREEK CAPITAL LETTER MU.
    if (c == 0xFF) return 0x178;
    return c >= 0xE0 && c <= 0xFE && c != 0xF7 ? c - 32 : c;
  }
  if (c < 0x180) {
    if (c == 0x131) return 'I';
    if (c == 0x17F) return 'S';
    if (c == 0x130 || c == 0x138 || c == 0x149 || c == 0x178) return c;
    const bool odd_upper = (c >= 0x139 && c <= 0x148) || c >= 0x179;
    return (c % 2 == 0) == odd_upper ? c - 1 : c;
  }
  if (c >= 0x370 && c < 0x400) {
    if (c == 0x371 || c == 0x373 || c == 0x377 || c == 0x3F8 || c == 0x3FB) return c - 1;
    if (c >= 0x37B && c <= 0x37D) return c + 130;
    if (c == 0x3AC) return 0x386;
    if (c >= 0x3AD && c <= 0x3AF) return c - 37;
    if (c == 0x3C2) return 0x3A3;  // Final sigma.
    if ((c >= 0x3B1 && c <= 0x3C1) || (c >= 0x3C3 && c <= 0x3CB)) return c - 32;
    if (c == 0x3CC) return 0x38C;
    if (c == 0x3CD || c == 0x3CE) return c - 63;
    if (c >= 0x3D9 && c <= 0x3EF && c % 2 == 1) return c - 1;
    switch (c) {
      case 0x3D0:
        return 0x392;
      case 0x3D1:
        return 0x398;
      case 0x3D5:
        return 0x3A6;
      case 0x3D6:
        return 0x3A0;
      case 0x3D7:
        return 0x3CF;
      case 0x3F0:
        return 0x39A;
      case 0x3F1:
        return 0x3A1;
      case 0x3F2:
        return 0x3F9;
      case 0x3F3:
        return 0x37F;
      case 0x3F5:
        return 0x395;
      default:
        return c;
    }
  }
  if (c >= 0x400 && c < 0x500) {
    if (c >= 0x430 && c < 0x450) return c - 32;
    if (c >= 0x450 && c < 0x460) return c - 80;
    if (c == 0x4CF) return 0x4C0;
    const bool pair = (c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || c >= 0x4D0;
    if (pair && c % 2 == 1) return c - 1;
    if (c >= 0x4C1 && c <= 0x4CE && c % 2 == 0) return c - 1;
  }
  return c;
}

// Appends the mapping of `c`; a few characters map to several (ß upcases to SS).
absl::Status AppendCased(char32_t c, Case mode, Text& out) {
  std::u32string special;
  if (mode == Case::kLower) {
    if (c == 0x130) special = U"i\u0307";  // İ: i and a combining dot above.
  } else {
    switch (c) {
      case 0xDF:
        special = mode == Case::kTitle ? U"Ss" : U"SS";
        break;
      case 0x149:  // ŉ
        special = U"\u02BCN";
        break;
      case 0x390:  // ΐ
        special = U"\u0399\u0308\u0301";
        break;
      case 0x3B0:  // ΰ
        special = U"\u03A5\u0308\u0301";
        break;
      default:
        break;
    }
  }
  if (special.empty()) {
    return out.AppendChar(mode == Case::kLower ? SimpleLower(c) : SimpleUpper(c));
  }
  for (const char32_t mapped : special) NOTIFY_RETURN_IF_ERROR(out.AppendChar(mapped));
  return absl::OkStatus();
}

// ------------------------------------------------------------------------------------------------
// Lists, as Liquid's array filters see them.

// Liquid's InputIterator: an array with the arrays nested in it flattened into it, a range's
// numbers, nil as nothing, and anything else (an object too) as a list of itself. Nested arrays
// are walked with a stack, however deep they go.
absl::StatusOr<std::vector<Value>> Items(const Value& input, const Call& call) {
  std::vector<Value> items;
  if (input.is_nil()) return items;
  if (!input.is_sequence()) {
    NOTIFY_RETURN_IF_ERROR(call.Elements(1));
    items.push_back(input);
    return items;
  }
  NOTIFY_RETURN_IF_ERROR(call.Elements(input.Size()));
  if (input.is_range()) {
    items.reserve(input.Size());
    for (std::size_t i = 0; i < input.Size(); ++i) items.push_back(input.At(i));
    return items;
  }
  struct Level {
    Value array;
    std::size_t next = 0;
  };
  std::vector<Level> stack = {{input}};
  while (!stack.empty()) {
    Level& level = stack.back();
    if (level.next == level.array.Size()) {
      stack.pop_back();
      continue;
    }
    Value item = level.array.At(level.next++);
    if (item.is_array()) {
      NOTIFY_RETURN_IF_ERROR(call.Elements(item.Size()));
      stack.push_back({std::move(item)});
    } else {
      items.push_back(std::move(item));
    }
  }
  return items;
}

// What Ruby's item[property] gives, as the filters that read a property of each item (map, where,
// sort, uniq, compact...) use it.
struct Indexed {
  enum class Lookup {
    kFound,
    kNotIndexable,  // The item has no [] (nil, a float, a boolean): NoMethodError.
    kTypeError,     // [] refuses the property ("abc"[nil], 5["a"]): TypeError.
  };
  Lookup lookup = Lookup::kFound;
  Value value;
};

// An object's member by name (others are nil: JSON names are strings). A string gives the
// property itself when it contains it, or its character at an integer position. An integer gives
// its bit at an integer position. Arrays never get here: items are flattened first.
absl::StatusOr<Indexed> IndexInto(const Value& item, const Value& property, const Call& call) {
  using Lookup = Indexed::Lookup;
  // A float position truncates, as Ruby's NUM2LONG does (an infinite one is refused).
  constexpr double kFar = 4e18;
  const bool position =
      property.is_int() || (property.is_float() && std::isfinite(property.number_value()));
  const std::int64_t n = property.is_int()
                             ? property.int_value()
                             : static_cast<std::int64_t>(
                                   std::clamp(position ? property.number_value() : 0, -kFar, kFar));
  switch (item.kind()) {
    case Value::Kind::kObject:
      return Indexed{Lookup::kFound,
                     property.is_string() ? item.Get(property.string_value()) : Value::Nil()};
    case Value::Kind::kLoop: {
      NOTIFY_ASSIGN_OR_RETURN(const Value name, ToS(property, call));
      return Indexed{Lookup::kFound, item.Get(name.string_value())};
    }
    case Value::Kind::kString: {
      const absl::string_view s = item.string_value();
      if (property.is_string()) {
        const bool contains = s.find(property.string_value()) != absl::string_view::npos;
        return Indexed{Lookup::kFound, contains ? property : Value::Nil()};
      }
      if (!position) return Indexed{Lookup::kTypeError, Value()};
      const std::int64_t chars = static_cast<std::int64_t>(CharCount(s));
      const std::int64_t index = n < 0 ? n + chars : n;
      if (index < 0 || index >= chars) return Indexed{Lookup::kFound, Value::Nil()};
      const std::size_t begin = CharOffset(s, static_cast<std::size_t>(index));
      const std::size_t end = CharOffset(s, static_cast<std::size_t>(index) + 1);
      NOTIFY_RETURN_IF_ERROR(call.Bytes(end - begin));
      return Indexed{Lookup::kFound, Value::String(std::string(s.substr(begin, end - begin)))};
    }
    case Value::Kind::kInt: {
      if (!position) return Indexed{Lookup::kTypeError, Value()};
      const std::int64_t i = item.int_value();
      // Integer#[]: bits of the two's complement, as far up as one cares to look.
      const std::int64_t bit = n < 0 ? 0 : (n >= 63 ? i < 0 : (i >> n) & 1);
      return Indexed{Lookup::kFound, Value::Int(bit)};
    }
    default:
      return Indexed{Lookup::kNotIndexable, Value()};
  }
}

absl::Status PropertyError(const Value& property, const Call& call) {
  std::string name;
  AppendToS(property, name);
  return call.Error(absl::StrCat("cannot select the property '", name, "'"));
}

// Ruby's a <=> b for what Liquid sorts: numbers with numbers (exactly, an integer against a
// float too), strings by bytes, times, arrays element by element; anything else is 0 when the
// two are == (Object#<=>) and incomparable otherwise.
std::optional<int> Spaceship(const Value& a, const Value& b, int depth = 0) {
  if (a.is_nil() && b.is_nil()) return 0;
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) {
      return (a.int_value() > b.int_value()) - (a.int_value() < b.int_value());
    }
    if (a.is_float() && b.is_float()) {
      const double x = a.number_value();
      const double y = b.number_value();
      if (std::isnan(x) || std::isnan(y)) return std::nullopt;
      return (x > y) - (x < y);
    }
    const auto exact = [](const Value& v) {
      return v.is_int() ? DecimalFromInt(v.int_value()) : DecimalFromDouble(v.number_value());
    };
    return CompareDecimals(exact(a), exact(b));
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.string_value().compare(b.string_value());
    return (c > 0) - (c < 0);
  }
  if (a.is_time() && b.is_time()) {
    return (a.time_value() > b.time_value()) - (a.time_value() < b.time_value());
  }
  if (a.is_array() && b.is_array() && depth < kMaxNesting) {
    for (std::size_t i = 0; i < std::min(a.Size(), b.Size()); ++i) {
      const std::optional<int> c = Spaceship(a.At(i), b.At(i), depth + 1);
      if (!c.has_value() || *c != 0) return c;
    }
    return (a.Size() > b.Size()) - (a.Size() < b.Size());
  }
  if (Equal(a, b, Syntax::kLiquid)) return 0;
  return std::nullopt;
}

// Ruby's eql?, which uniq goes by: like == but an integer never equals a float.
bool Eql(const Value& a, const Value& b, int depth = 0) {
  if (a.is_nil() || b.is_nil()) return a.is_nil() && b.is_nil();
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kInt:
      return a.int_value() == b.int_value();
    case Value::Kind::kFloat:
      return a.number_value() == b.number_value();
    case Value::Kind::kString:
      return a.string_value() == b.string_value();
    case Value::Kind::kArray:
      if (a.Size() != b.Size() || depth >= kMaxNesting) return false;
      for (std::size_t i = 0; i < a.Size(); ++i) {
        if (!Eql(a.At(i), b.At(i), depth + 1)) return false;
      }
      return true;
    case Value::Kind::kObject: {
      const std::vector<std::string> keys = a.Keys();
      if (keys != b.Keys() || depth >= kMaxNesting) return false;
      for (const std::string& key : keys) {
        if (!Eql(a.Get(key), b.Get(key), depth + 1)) return false;
      }
      return true;
    }
    default:
      return Equal(a, b, Syntax::kLiquid);
  }
}

// A hash consistent with Eql (equal values hash alike).
std::size_t EqlHash(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNil:
      return absl::HashOf(0);
    case Value::Kind::kBool:
      return absl::HashOf(1, v.bool_value());
    case Value::Kind::kInt:
      return absl::HashOf(2, v.int_value());
    case Value::Kind::kFloat:
      // 0.0 eql? -0.0, so both hash as 0.0.
      return absl::HashOf(3, v.number_value() == 0 ? 0.0 : v.number_value());
    case Value::Kind::kString:
      return absl::HashOf(4, v.string_value());
    case Value::Kind::kTime:
      return absl::HashOf(5, v.time_value());
    default:
      return absl::HashOf(6, static_cast<int>(v.kind()), v.Size());
  }
}

// Sorts `order` (indexes into what is sorted) as glibc's qsort_r, which Ruby's Array#sort calls,
// does: a merge sort that splits n into n/2 and the rest and takes from the left run unless it
// compares greater. Doing the same comparisons matters: Liquid's comparators raise for some pairs
// and are not always consistent (5.4's sort_natural calls a nil greater than another nil, which
// leaves nils in reverse order), so which pairs Ruby compares decides both the order and whether
// there is an error.
template <typename Compare>
absl::Status MergeSort(std::size_t* items, std::size_t n, std::size_t* scratch, Compare& compare) {
  if (n <= 1) return absl::OkStatus();
  std::size_t n1 = n / 2;
  std::size_t n2 = n - n1;
  std::size_t* left = items;
  std::size_t* right = items + n1;
  NOTIFY_RETURN_IF_ERROR(MergeSort(left, n1, scratch, compare));
  NOTIFY_RETURN_IF_ERROR(MergeSort(right, n2, scratch, compare));
  std::size_t* out = scratch;
  while (n1 > 0 && n2 > 0) {
    NOTIFY_ASSIGN_OR_RETURN(const int c, compare(*left, *right));
    if (c <= 0) {
      *out++ = *left++;
      --n1;
    } else {
      *out++ = *right++;
      --n2;
    }
  }
  // What is left of the right run is already in place.
  std::copy(left, left + n1, out);
  std::copy(scratch, scratch + (n - n2), items);
  return absl::OkStatus();
}

template <typename Compare>
absl::StatusOr<std::vector<std::size_t>> SortOrder(std::size_t n, Compare compare) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::vector<std::size_t> scratch(n);
  NOTIFY_RETURN_IF_ERROR(MergeSort(order.data(), n, scratch.data(), compare));
  return order;
}

// The items at `picks` (indexes, each at most once), in that order.
std::vector<Value> Arrange(std::vector<Value> items, absl::Span<const std::size_t> picks) {
  std::vector<Value> arranged;
  arranged.reserve(picks.size());
  for (const std::size_t i : picks) arranged.push_back(std::move(items[i]));
  return arranged;
}

// String#casecmp: bytes compared with ASCII letters folded.
int CaseCompare(absl::string_view a, absl::string_view b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const unsigned char x = absl::ascii_tolower(static_cast<unsigned char>(a[i]));
    const unsigned char y = absl::ascii_tolower(static_cast<unsigned char>(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return (a.size() > b.size()) - (a.size() < b.size());
}

// ------------------------------------------------------------------------------------------------
// Dates: Liquid's Utils.to_date and Ruby's Time#strftime.

// A point in time, the UTC offset its fields are shown in, and whether Ruby would hold it as a
// UTC time (which only shows in "%-z": "-0000"). Ruby's Time.parse keeps the offset a string
// names ("+02:00") and makes "Z", "UTC" and "-00:00" UTC; integers and "now" are local times of
// the server, whose zone is UTC; `timestamp` makes UTC times.
struct When {
  absl::Time time;
  int offset = 0;  // Seconds east of UTC.
  bool utc = false;
};

// How the zone a date string ends with shows: its offset ("+05:30", "-0800", "+05") and whether
// it is UTC. A string without a time of day names no zone ("2022-03-29" ends in no offset).
When ZoneOf(absl::string_view s, absl::Time time) {
  When when{time};
  s = absl::StripTrailingAsciiWhitespace(s);
  const std::size_t colon = s.find(':');
  if (colon == absl::string_view::npos) return when;
  if (absl::EndsWithIgnoreCase(s, "utc") ||
      ((absl::EndsWith(s, "Z") || absl::EndsWith(s, "z")) && s.size() > 1 &&
       absl::ascii_isdigit(static_cast<unsigned char>(s[s.size() - 2])))) {
    when.utc = true;
    return when;
  }
  const auto digits = [&](std::size_t at) {
    const bool ok = absl::ascii_isdigit(static_cast<unsigned char>(s[at])) &&
                    absl::ascii_isdigit(static_cast<unsigned char>(s[at + 1]));
    return ok ? (s[at] - '0') * 10 + (s[at + 1] - '0') : -1;
  };
  // "+HH:MM", "+HHMM" and "+HH", after the time of day.
  for (const std::size_t length : {6, 5, 3}) {
    if (s.size() <= length || s.size() - length <= colon) continue;
    const std::size_t sign = s.size() - length;
    if (s[sign] != '+' && s[sign] != '-') continue;
    if (length == 6 && s[sign + 3] != ':') continue;
    const int hours = digits(sign + 1);
    const int minutes = length == 3 ? 0 : digits(s.size() - 2);
    if (hours < 0 || minutes < 0 || hours > 23 || minutes > 59) continue;
    when.offset = (s[sign] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
    when.utc = when.offset == 0 && s[sign] == '-';
    return when;
  }
  return when;
}

// What `date` can format: times; integers and strings of digits as seconds since the epoch;
// "now" and "today"; the date strings ToTime reads. Anything else (floats, other numeric strings,
// which Ruby's Time.parse refuses) is nullopt: `date` then hands its input back.
std::optional<When> ToDate(const Value& value, const Call& call) {
  if (value.is_time()) return When{value.time_value(), 0, true};
  if (value.is_int()) return When{absl::FromUnixSeconds(value.int_value())};
  if (!value.is_string() || value.string_value().empty()) return std::nullopt;
  const absl::string_view text = value.string_value();
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "now" || lower == "today") return When{call.context.now};
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); })) {
    std::int64_t seconds = 0;
    if (!absl::SimpleAtoi(text, &seconds)) return std::nullopt;
    return When{absl::FromUnixSeconds(seconds)};
  }
  if (ParseDecimal(RubyStrip(text)).has_value()) return std::nullopt;
  const std::optional<absl::Time> time = ToTime(value, Syntax::kLiquid, call.context.now);
  if (!time.has_value()) return std::nullopt;
  return ZoneOf(text, *time);
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) { return a / b - (a % b != 0 && a < 0); }
std::int64_t FloorMod(std::int64_t a, std::int64_t b) { return a - FloorDiv(a, b) * b; }

// The fields strftime prints.
struct DateFields {
  std::int64_t year = 0;
  int month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int wday = 0;  // 0 is Sunday.
  int yday = 0;  // 1 to 366.
  std::int64_t iso_year = 0;
  int iso_week = 0;
  std::int64_t epoch_seconds = 0;
  std::int64_t nanos = 0;
  int offset = 0;
  bool utc = false;
};

DateFields FieldsOf(const When& when) {
  DateFields f;
  const absl::CivilSecond civil =
      absl::ToCivilSecond(when.time + absl::Seconds(when.offset), absl::UTCTimeZone());
  f.year = civil.year();
  f.month = civil.month();
  f.day = civil.day();
  f.hour = civil.hour();
  f.minute = civil.minute();
  f.second = civil.second();
  const absl::CivilDay day(civil);
  f.wday = (static_cast<int>(absl::GetWeekday(day)) + 1) % 7;  // absl counts from Monday.
  f.yday = absl::GetYearDay(day);
  // The ISO week is the one of the week's Thursday.
  const absl::CivilDay thursday = day + (3 - (f.wday + 6) % 7);
  f.iso_year = thursday.year();
  f.iso_week = (absl::GetYearDay(thursday) - 1) / 7 + 1;
  f.epoch_seconds = absl::ToUnixSeconds(when.time);  // Rounds down, as the fraction does.
  f.nanos = absl::ToInt64Nanoseconds(when.time - absl::FromUnixSeconds(f.epoch_seconds));
  f.offset = when.offset;
  f.utc = when.utc;
  return f;
}

// printf's %0*ld (zeros after the sign) or %*ld (spaces before it).
absl::Status AppendPadded(Text& out, std::int64_t value, char pad, std::int64_t width) {
  const std::uint64_t magnitude =
      value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  const std::string digits = absl::StrCat(magnitude);
  const std::int64_t length = static_cast<std::int64_t>(digits.size()) + (value < 0);
  const std::size_t fill = width > length ? static_cast<std::size_t>(width - length) : 0;
  if (pad == ' ') NOTIFY_RETURN_IF_ERROR(out.Append(fill, ' '));
  if (value < 0) NOTIFY_RETURN_IF_ERROR(out.Append('-'));
  if (pad == '0') NOTIFY_RETURN_IF_ERROR(out.Append(fill, '0'));
  return out.Append(digits);
}

// One conversion's flags, as Ruby's strftime.c keeps them.
struct Directive {
  bool left = false;         // '-': no padding.
  bool upper = false;        // '^', or '#' on names.
  bool lower = false;        // '#' on %p and %Z, and %P.
  bool change_case = false;  // '#'.
  char padding = 0;          // '_' (' ') or '0'; 0 for the conversion's own.
  std::int64_t width = -1;   // Ruby's "precision"; 0 or less is the conversion's own.
  int colons = 0;            // %:z, %::z, %:::z.
};

constexpr absl::string_view kDayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                           "Thursday", "Friday", "Saturday"};
constexpr absl::string_view kMonthNames[] = {"January",   "February", "March",    "April",
                                             "May",       "June",     "July",     "August",
                                             "September", "October",  "November", "December"};

absl::Status Strftime(absl::string_view format, const DateFields& f, Text& out, const Call& call,
                      absl::string_view whole);

// %z: the offset as +hhmm, with colons as +hh:mm, +hh:mm:ss or (three) only as much as needed.
// The width counts the whole; space padding goes before the sign, zeros after it.
absl::Status AppendOffset(const Directive& d, const DateFields& f, Text& out) {
  // Ruby writes a UTC time's offset as -0000 under '-' (RFC 3339's "offset unknown").
  const int offset = f.offset;
  const bool negative = offset < 0 || (f.utc && d.left);
  const int off = negative ? -offset : offset;
  const std::int64_t w = d.width;
  std::int64_t hour_width = 2;
  switch (d.colons) {
    case 0:
      hour_width = w <= 5 ? 2 : w - 3;
      break;
    case 1:
      hour_width = w <= 6 ? 2 : w - 4;
      break;
    case 2:
      hour_width = w <= 9 ? 2 : w - 7;
      break;
    default:
      if (off % 3600 == 0) {
        hour_width = w <= 3 ? 2 : w - 1;
      } else if (off % 60 == 0) {
        hour_width = w <= 6 ? 2 : w - 4;
      } else {
        hour_width = w <= 9 ? 2 : w - 7;
      }
      break;
  }
  const std::string hours = absl::StrCat(off / 3600);
  const std::int64_t length = static_cast<std::int64_t>(hours.size());
  if (d.padding == ' ' && hour_width > length) {
    NOTIFY_RETURN_IF_ERROR(out.Append(static_cast<std::size_t>(hour_width - length), ' '));
  }
  NOTIFY_RETURN_IF_ERROR(out.Append(negative ? '-' : '+'));
  if (d.padding != ' ' && hour_width > length) {
    NOTIFY_RETURN_IF_ERROR(out.Append(static_cast<std::size_t>(hour_width - length), '0'));
  }
  NOTIFY_RETURN_IF_ERROR(out.Append(hours));
  const int rest = off % 3600;
  if (d.colons == 3 && rest == 0) return absl::OkStatus();
  if (d.colons >= 1) NOTIFY_RETURN_IF_ERROR(out.Append(':'));
  NOTIFY_RETURN_IF_ERROR(AppendPadded(out, rest / 60, '0', 2));
  if (d.colons == 3 && rest % 60 == 0) return absl::OkStatus();
  if (d.colons >= 2) {
    NOTIFY_RETURN_IF_ERROR(out.Append(':'));
    NOTIFY_RETURN_IF_ERROR(AppendPadded(out, rest % 60, '0', 2));
  }
  return absl::OkStatus();
}

// One conversion; false when Ruby does not know it (the directive is then printed as written).
absl::StatusOr<bool> Convert(char conversion, Directive& d, const DateFields& f, Text& out,
                             const Call& call, absl::string_view whole) {
  // A number, padded to the directive's width or the conversion's own.
  const auto number = [&](std::int64_t value, char own_pad, std::int64_t own_width) {
    const std::int64_t width = d.left ? 1 : (d.width <= 0 ? own_width : d.width);
    const char pad = d.padding == '0' || (d.padding == 0 && own_pad == '0') ? '0' : ' ';
    return AppendPadded(out, value, pad, width);
  };
  // A name, padded on the left (unless '-') and cased.
  const auto name = [&](absl::string_view text) -> absl::Status {
    if (text.empty()) return absl::OkStatus();
    if (!d.left && d.width > static_cast<std::int64_t>(text.size())) {
      const std::size_t fill = static_cast<std::size_t>(d.width) - text.size();
      NOTIFY_RETURN_IF_ERROR(out.Append(fill, d.padding != 0 ? d.padding : ' '));
    }
    if (d.upper) return out.Append(absl::AsciiStrToUpper(text));
    if (d.lower) return out.Append(absl::AsciiStrToLower(text));
    return out.Append(text);
  };
  // A combination (%c, %F...): upcased by '^' and padded to the width even with '-'.
  const auto combination = [&](absl::string_view sub) -> absl::Status {
    const std::size_t start = out.size();
    NOTIFY_RETURN_IF_ERROR(Strftime(sub, f, out, call, whole));
    if (d.upper) {
      for (std::size_t i = start; i < out.size(); ++i) {
        out.text()[i] = absl::ascii_toupper(static_cast<unsigned char>(out.text()[i]));
      }
    }
    const std::size_t length = out.size() - start;
    if (d.width > static_cast<std::int64_t>(length)) {
      const std::size_t fill = static_cast<std::size_t>(d.width) - length;
      return out.Insert(start, fill, d.padding != 0 ? d.padding : ' ');
    }
    return absl::OkStatus();
  };
  // Fractional seconds: as many digits as the width (or the conversion's own), truncated.
  const auto fraction = [&](std::int64_t own_width) -> absl::Status {
    const std::int64_t width = d.width <= 0 ? own_width : d.width;
    const std::string nanos =
        absl::StrCat(std::string(9 - absl::StrCat(f.nanos).size(), '0'), f.nanos);
    if (width <= 9) return out.Append(absl::string_view(nanos).substr(0, width));
    NOTIFY_RETURN_IF_ERROR(out.Append(nanos));
    return out.Append(static_cast<std::size_t>(width - 9), '0');
  };
  const int hour12 = f.hour % 12 == 0 ? 12 : f.hour % 12;
  const auto names_upcase = [&] {
    if (d.change_case) {
      d.upper = true;
      d.lower = false;
    }
  };
  absl::Status status;
  switch (conversion) {
    case '%':
    case 'n':
    case 't': {
      const char c = conversion == '%' ? '%' : (conversion == 'n' ? '\n' : '\t');
      status = name(absl::string_view(&c, 1));
      break;
    }
    case 'a':
      names_upcase();
      status = name(kDayNames[f.wday].substr(0, 3));
      break;
    case 'A':
      names_upcase();
      status = name(kDayNames[f.wday]);
      break;
    case 'b':
    case 'h':
      names_upcase();
      status = name(kMonthNames[f.month - 1].substr(0, 3));
      break;
    case 'B':
      names_upcase();
      status = name(kMonthNames[f.month - 1]);
      break;
    case 'p':
    case 'P':
      if ((conversion == 'p' && d.change_case) ||
          (conversion == 'P' && !d.change_case && !d.upper)) {
        d.upper = false;
        d.lower = true;
      }
      status = name(f.hour < 12 ? "AM" : "PM");
      break;
    case 'Z':
      if (d.change_case) {
        d.upper = false;
        d.lower = true;
      }
      // A fixed offset from a string has no zone name.
      status = name(f.offset == 0 ? "UTC" : "");
      break;
    case 'c':
      status = combination("%a %b %e %H:%M:%S %Y");
      break;
    case 'D':
    case 'x':
      status = combination("%m/%d/%y");
      break;
    case 'F':
      status = combination("%Y-%m-%d");
      break;
    case 'R':
      status = combination("%H:%M");
      break;
    case 'r':
      status = combination("%I:%M:%S %p");
      break;
    case 'T':
    case 'X':
      status = combination("%H:%M:%S");
      break;
    case 'v':
      status = combination("%e-%^b-%4Y");
      break;
    case 'C':
      status = number(FloorDiv(f.year, 100), '0', 2);
      break;
    case 'd':
      status = number(f.day, '0', 2);
      break;
    case 'e':
      status = number(f.day, ' ', 2);
      break;
    case 'G':
      status = number(f.iso_year, '0', f.iso_year >= 0 ? 4 : 5);
      break;
    case 'g':
      status = number(FloorMod(f.iso_year, 100), '0', 2);
      break;
    case 'H':
      status = number(f.hour, '0', 2);
      break;
    case 'I':
      status = number(hour12, '0', 2);
      break;
    case 'j':
      status = number(f.yday, '0', 3);
      break;
    case 'k':
      status = number(f.hour, ' ', 2);
      break;
    case 'L':
      status = fraction(3);
      break;
    case 'l':
      status = number(hour12, ' ', 2);
      break;
    case 'M':
      status = number(f.minute, '0', 2);
      break;
    case 'm':
      status = number(f.month, '0', 2);
      break;
    case 'N':
      status = fraction(9);
      break;
    case 'S':
      status = number(f.second, '0', 2);
      break;
    case 's':
      status = number(f.epoch_seconds, '0', 1);
      break;
    case 'U':
      status = number((f.yday - 1 + 7 - f.wday) / 7, '0', 2);
      break;
    case 'u':
      status = number(f.wday == 0 ? 7 : f.wday, '0', 1);
      break;
    case 'V':
      status = number(f.iso_week, '0', 2);
      break;
    case 'W':
      status = number((f.yday - 1 + 7 - (f.wday + 6) % 7) / 7, '0', 2);
      break;
    case 'w':
      status = number(f.wday, '0', 1);
      break;
    case 'Y':
      status = number(f.year, '0', f.year >= 0 ? 4 : 5);
      break;
    case 'y':
      status = number(FloorMod(f.year, 100), '0', 2);
      break;
    case 'z':
      status = AppendOffset(d, f, out);
      break;
    default:
      return false;
  }
  NOTIFY_RETURN_IF_ERROR(status);
  return true;
}

// Ruby's Time#strftime. A directive is '%', flags (-^#_0), a width, E or O before the
// conversions that allow them, colons before z, and the conversion; one Ruby does not know is
// printed as written, and a format that ends inside a directive is an error.
absl::Status Strftime(absl::string_view format, const DateFields& f, Text& out, const Call& call,
                      absl::string_view whole) {
  constexpr std::int64_t kMaxWidth = std::int64_t{1} << 40;  // The budget refuses far sooner.
  std::size_t i = 0;
  while (i < format.size()) {
    const std::size_t percent = format.find('%', i);
    NOTIFY_RETURN_IF_ERROR(out.Append(format.substr(i, percent - i)));
    if (percent == absl::string_view::npos) break;
    i = percent + 1;
    Directive d;
    bool known = false;
    for (bool more = true; more;) {
      if (i == format.size()) return call.Error(absl::StrCat("invalid format: ", whole));
      const char c = format[i];
      if (c == '-') {
        d.left = true;
        d.padding = 0;
        d.width = 0;
      } else if (c == '^') {
        d.upper = true;
      } else if (c == '#') {
        d.change_case = true;
      } else if (c == '_') {
        d.padding = ' ';
      } else if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        if (c == '0') d.padding = '0';
        d.width = 0;
        for (; i < format.size() && absl::ascii_isdigit(static_cast<unsigned char>(format[i]));
             ++i) {
          d.width = std::min(d.width * 10 + (format[i] - '0'), kMaxWidth);
        }
        continue;
      } else if (c == ':') {
        std::size_t colons = 0;
        while (i + colons < format.size() && format[i + colons] == ':') ++colons;
        if (colons > 3 || i + colons == format.size() || format[i + colons] != 'z') break;
        d.colons = static_cast<int>(colons);
        i += colons;
        continue;
      } else if (c == 'E' || c == 'O') {
        const absl::string_view allowed = c == 'E' ? "cCxXyY" : "deHkIlmMSuUVwWy";
        if (i + 1 == format.size() || allowed.find(format[i + 1]) == absl::string_view::npos) {
          break;
        }
      } else {
        NOTIFY_ASSIGN_OR_RETURN(known, Convert(c, d, f, out, call, whole));
        more = false;
      }
      if (more) ++i;
    }
    if (!known) NOTIFY_RETURN_IF_ERROR(out.Append(format.substr(percent, i + 1 - percent)));
    ++i;
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------------------------------------
// The filters. Each reads its arguments with call.Arg (undefined when not given, which Ruby sees
// as nil) and returns what Liquid's method returns.

using Impl = absl::StatusOr<Value> (*)(const Value& input, const Call& call);

// size: characters of a string, elements of a list, members of an object; Integer#size (the
// bytes of a machine word) for an integer; 0 for anything else.
absl::StatusOr<Value> SizeFilter(const Value& input, const Call&) {
  switch (input.kind()) {
    case Value::Kind::kString:
      return Value::Int(static_cast<std::int64_t>(CharCount(input.string_value())));
    case Value::Kind::kArray:
    case Value::Kind::kObject:
    case Value::Kind::kRange:
      return Value::Int(static_cast<std::int64_t>(input.Size()));
    case Value::Kind::kInt:
      return Value::Int(8);
    default:
      return Value::Int(0);
  }
}

absl::StatusOr<Value> ChangeCase(const Value& input, const Call& call, Case mode) {
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  const absl::string_view s = text.string_value();
  if (!ValidUtf8(s)) return call.Error("input string invalid");
  Text out(call);
  std::size_t pos = 0;
  char32_t c;
  while (pos < s.size()) {
    // capitalize titlecases the first character and downcases the rest.
    const Case here = mode != Case::kTitle ? mode : (pos == 0 ? Case::kTitle : Case::kLower);
    NextChar(s, &pos, &c);
    NOTIFY_RETURN_IF_ERROR(AppendCased(c, here, out));
  }
  return out.Finish();
}

absl::StatusOr<Value> Downcase(const Value& input, const Call& call) {
  return ChangeCase(input, call, Case::kLower);
}
absl::StatusOr<Value> Upcase(const Value& input, const Call& call) {
  return ChangeCase(input, call, Case::kUpper);
}
absl::StatusOr<Value> Capitalize(const Value& input, const Call& call) {
  return ChangeCase(input, call, Case::kTitle);
}

// escape (and h): CGI.escapeHTML; nil stays nil.
absl::StatusOr<Value> Escape(const Value& input, const Call& call) {
  if (input.is_nil()) return Value::Nil();
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  const absl::string_view s = text.string_value();
  std::size_t size = s.size();
  for (const char c : s) {
    if (c == '&' || c == '\'') size += 4;  // &amp; &#39;
    if (c == '<' || c == '>') size += 3;   // &lt; &gt;
    if (c == '"') size += 5;               // &quot;
  }
  if (size == s.size()) return text;
  NOTIFY_RETURN_IF_ERROR(call.Bytes(size));
  return Value::String(HtmlEscape(s, Syntax::kLiquid));
}

// escape_once: escapes like escape, but leaves an & that already starts an entity (&amp;,
// &#39;; not &#x27;, which Liquid's pattern does not know).
absl::StatusOr<Value> EscapeOnce(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  const absl::string_view s = text.string_value();
  if (!ValidUtf8(s)) return BrokenUtf8(call);
  const auto entity_at = [&](std::size_t amp) {
    std::size_t i = amp + 1;
    const bool numeric = i < s.size() && s[i] == '#';
    if (numeric) ++i;
    const std::size_t start = i;
    while (i < s.size() && (numeric ? absl::ascii_isdigit(static_cast<unsigned char>(s[i]))
                                    : absl::ascii_isalpha(static_cast<unsigned char>(s[i])))) {
      ++i;
    }
    return i > start && i < s.size() && s[i] == ';';
  };
  Text out(call);
  for (std::size_t i = 0; i < s.size(); ++i) {
    switch (s[i]) {
      case '"':
        NOTIFY_RETURN_IF_ERROR(out.Append("&quot;"));
        break;
      case '>':
        NOTIFY_RETURN_IF_ERROR(out.Append("&gt;"));
        break;
      case '<':
        NOTIFY_RETURN_IF_ERROR(out.Append("&lt;"));
        break;
      case '\'':
        NOTIFY_RETURN_IF_ERROR(out.Append("&#39;"));
        break;
      case '&':
        NOTIFY_RETURN_IF_ERROR(out.Append(entity_at(i) ? "&" : "&amp;"));
        break;
      default:
        NOTIFY_RETURN_IF_ERROR(out.Append(s[i]));
        break;
    }
  }
  return out.Finish();
}

// url_encode: CGI.escape, which keeps letters, digits and _.-~, writes a space as + and
// everything else as %XX.
absl::StatusOr<Value> UrlEncode(const Value& input, const Call& call) {
  if (input.is_nil()) return Value::Nil();
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  const auto kept = [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
           c == '~';
  };
  Text out(call);
  for (const char c : text.string_value()) {
    if (kept(c)) {
      NOTIFY_RETURN_IF_ERROR(out.Append(c));
    } else if (c == ' ') {
      NOTIFY_RETURN_IF_ERROR(out.Append('+'));
    } else {
      std::string escaped = "%";
      AppendHex(static_cast<unsigned char>(c), 2, escaped);
      NOTIFY_RETURN_IF_ERROR(out.Append(escaped));
    }
  }
  return out.Finish();
}

// url_decode: CGI.unescape (+ is a space, %XX a byte, a stray % stays); the result must be
// UTF-8.
absl::StatusOr<Value> UrlDecode(const Value& input, const Call& call) {
  if (input.is_nil()) return Value::Nil();
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  const absl::string_view s = text.string_value();
  const auto hex = [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c))
               ? c - '0'
               : absl::ascii_tolower(static_cast<unsigned char>(c)) - 'a' + 10;
  };
  Text out(call);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      NOTIFY_RETURN_IF_ERROR(out.Append(' '));
    } else if (s[i] == '%' && i + 2 < s.size() &&
               absl::ascii_isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               absl::ascii_isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      NOTIFY_RETURN_IF_ERROR(out.Append(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]))));
      i += 2;
    } else {
      NOTIFY_RETURN_IF_ERROR(out.Append(s[i]));
    }
  }
  if (!ValidUtf8(out.text())) return BrokenUtf8(call);
  return out.Finish();
}

constexpr absl::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr absl::string_view kBase64UrlSafe =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Base64 with padding and no line breaks (strict_encode64, urlsafe_encode64).
absl::StatusOr<Value> Base64Encode(const Value& input, const Call& call,
                                   absl::string_view alphabet) {
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  const absl::string_view s = text.string_value();
  NOTIFY_RETURN_IF_ERROR(call.Bytes((s.size() + 2) / 3 * 4));
  std::string out;
  out.reserve((s.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < s.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, s.size() - i);
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      group = (group << 8) | (k < n ? static_cast<unsigned char>(s[i + k]) : 0);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out.push_back(k <= n ? alphabet[(group >> (18 - 6 * k)) & 0x3F] : '=');
    }
  }
  return Value::String(std::move(out));
}

absl::StatusOr<Value> Base64EncodeFilter(const Value& input, const Call& call) {
  return Base64Encode(input, call, kBase64);
}
absl::StatusOr<Value> Base64UrlSafeEncode(const Value& input, const Call& call) {
  return Base64Encode(input, call, kBase64UrlSafe);
}

// strict_decode64: groups of four, padding only at the end, and no stray bits in the last group.
absl::StatusOr<Value> Base64Decode(absl::string_view s, const Call& call) {
  const auto invalid = [&] {
    return call.Error(absl::StrCat("invalid base64 provided to ", call.name));
  };
  if (s.size() % 4 != 0) return invalid();
  NOTIFY_RETURN_IF_ERROR(call.Bytes(s.size() / 4 * 3));
  std::string out;
  out.reserve(s.size() / 4 * 3);
  for (std::size_t i = 0; i < s.size(); i += 4) {
    const bool last = i + 4 == s.size();
    const std::size_t padding = last ? (s[i + 3] == '=') + (s[i + 3] == '=' && s[i + 2] == '=') : 0;
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const std::size_t value = k < 4 - padding ? kBase64.find(s[i + k]) : 0;
      if (value == absl::string_view::npos) return invalid();
      group = (group << 6) | static_cast<std::uint32_t>(value);
    }
    if ((padding == 1 && (group & 0xFF) != 0) || (padding == 2 && (group & 0xFFFF) != 0)) {
      return invalid();
    }
    for (std::size_t k = 0; k < 3 - padding; ++k) {
      out.push_back(static_cast<char>((group >> (16 - 8 * k)) & 0xFF));
    }
  }
  return Value::String(std::move(out));
}

absl::StatusOr<Value> Base64DecodeFilter(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  return Base64Decode(text.string_value(), call);
}

// urlsafe_decode64: - and _ for + and /, and the padding may be left out.
absl::StatusOr<Value> Base64UrlSafeDecode(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  std::string s(text.string_value());
  if (!absl::EndsWith(s, "=") && s.size() % 4 != 0) s.append(4 - s.size() % 4, '=');
  for (char& c : s) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  return Base64Decode(s, call);
}

// Ruby's str[start, length] and ary[start, length] (a negative start counts from the end):
// where the slice starts and how long it is, or nullopt where Ruby gives nil.
std::optional<std::pair<std::int64_t, std::int64_t>> SubRange(std::int64_t size, std::int64_t start,
                                                              std::int64_t length) {
  if (length < 0) return std::nullopt;
  if (start < 0) start += size;
  if (start < 0 || start > size) return std::nullopt;
  return std::make_pair(start, std::min(length, size - start));
}

absl::StatusOr<Value> Slice(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const std::int64_t offset, ToInteger(call.Arg(0), call));
  std::int64_t length = 1;  // Liquid tests the length for truth: nil and false mean 1.
  if (Truthy(call.Arg(1), Syntax::kLiquid)) {
    NOTIFY_ASSIGN_OR_RETURN(length, ToInteger(call.Arg(1), call));
  }
  if (input.is_array()) {
    const auto range = SubRange(static_cast<std::int64_t>(input.Size()), offset, length);
    const std::size_t count = range.has_value() ? static_cast<std::size_t>(range->second) : 0;
    NOTIFY_RETURN_IF_ERROR(call.Elements(count));
    std::vector<Value> items;
    items.reserve(count);
    for (std::size_t k = 0; k < count; ++k) {
      items.push_back(input.At(static_cast<std::size_t>(range->first) + k));
    }
    return Value::Array(std::move(items));
  }
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  const absl::string_view s = text.string_value();
  const auto range = SubRange(static_cast<std::int64_t>(CharCount(s)), offset, length);
  if (!range.has_value() || range->second == 0) return EmptyString();
  const std::size_t begin = CharOffset(s, static_cast<std::size_t>(range->first));
  const std::size_t end =
      begin + CharOffset(s.substr(begin), static_cast<std::size_t>(range->second));
  if (begin == 0 && end == s.size()) return text;
  NOTIFY_RETURN_IF_ERROR(call.Bytes(end - begin));
  return Value::String(std::string(s.substr(begin, end - begin)));
}

// truncate: at most `length` characters, the ellipsis included.
absl::StatusOr<Value> Truncate(const Value& input, const Call& call) {
  if (input.is_nil()) return Value::Nil();
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  std::int64_t length = 50;
  if (call.count() > 0) {
    NOTIFY_ASSIGN_OR_RETURN(length, ToInteger(call.Arg(0), call));
  }
  Value ellipsis = Value::StringRef("...");
  if (call.count() > 1) {
    NOTIFY_ASSIGN_OR_RETURN(ellipsis, ToS(call.Arg(1), call));
  }
  const absl::string_view s = text.string_value();
  if (static_cast<std::int64_t>(CharCount(s)) <= length) return text;
  const std::int64_t ellipsis_chars = static_cast<std::int64_t>(CharCount(ellipsis.string_value()));
  const std::int64_t keep = length > ellipsis_chars ? length - ellipsis_chars : 0;
  Text out(call);
  NOTIFY_RETURN_IF_ERROR(out.Append(s.substr(0, CharOffset(s, static_cast<std::size_t>(keep)))));
  NOTIFY_RETURN_IF_ERROR(out.Append(ellipsis.string_value()));
  return out.Finish();
}

// Ruby's String#split(" ", limit): fields between runs of ASCII whitespace, leading whitespace
// ignored; with a limit (above 1), at most that many, the last being the rest of the string
// (possibly empty). Calls `field` with each.
template <typename Field>
void SplitOnWhitespace(absl::string_view s, std::int64_t limit, Field field) {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool skip = true;
  std::int64_t fields = 1;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool space = IsRubySpace(static_cast<unsigned char>(s[i]));
    if (skip) {
      if (space) {
        begin = i + 1;
      } else {
        end = i + 1;
        skip = false;
        if (limit > 0 && limit <= fields) break;
      }
    } else if (space) {
      field(s.substr(begin, end - begin));
      skip = true;
      begin = i + 1;
      if (limit > 0) ++fields;
    } else {
      end = i + 1;
    }
  }
  if (!s.empty() && (limit > 0 || begin < s.size())) field(s.substr(begin));
}

// Ruby's String#split(pattern) for the fields `split` returns, trailing empty ones included
// (the caller drops them): " " splits on whitespace runs, "" into characters.
template <typename Field>
void SplitFields(absl::string_view s, absl::string_view pattern, Field field) {
  if (s.empty()) return;
  if (pattern == " ") {
    SplitOnWhitespace(s, 0, field);
  } else if (pattern.empty()) {
    std::size_t pos = 0;
    char32_t c;
    while (pos < s.size()) {
      const std::size_t start = pos;
      NextChar(s, &pos, &c);
      field(s.substr(start, pos - start));
    }
  } else {
    std::size_t begin = 0;
    for (std::size_t at; (at = s.find(pattern, begin)) != absl::string_view::npos;
         begin = at + pattern.size()) {
      field(s.substr(begin, at - begin));
    }
    field(s.substr(begin));
  }
}

// truncatewords: the first `words` words (whitespace-separated) joined by single spaces, and the
// ellipsis, when there are more.
absl::StatusOr<Value> Truncatewords(const Value& input, const Call& call) {
  if (input.is_nil()) return Value::Nil();
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  std::int64_t words = 15;
  if (call.count() > 0) {
    NOTIFY_ASSIGN_OR_RETURN(words, ToInteger(call.Arg(0), call));
  }
  if (words <= 0) words = 1;
  // Ruby's split takes a C int limit (words + 1).
  if (words >= std::numeric_limits<std::int32_t>::max()) {
    return call.Error(absl::StrCat("integer ", words, " too big for truncatewords"));
  }
  const absl::string_view s = text.string_value();
  if (!ValidUtf8(s)) return BrokenUtf8(call);
  std::int64_t count = 0;
  SplitOnWhitespace(s, words + 1, [&](absl::string_view) { ++count; });
  if (count <= words) return text;
  Value ellipsis = Value::StringRef("...");
  if (call.count() > 1) {
    NOTIFY_ASSIGN_OR_RETURN(ellipsis, ToS(call.Arg(1), call));
  }
  Text out(call);
  absl::Status status;
  std::int64_t written = 0;
  SplitOnWhitespace(s, words + 1, [&](absl::string_view word) {
    if (!status.ok() || written == words) return;
    if (written++ > 0) status = out.Append(' ');
    if (status.ok()) status = out.Append(word);
  });
  NOTIFY_RETURN_IF_ERROR(status);
  NOTIFY_RETURN_IF_ERROR(out.Append(ellipsis.string_value()));
  return out.Finish();
}

absl::StatusOr<Value> Split(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  NOTIFY_ASSIGN_OR_RETURN(const Value pattern, ToS(call.Arg(0), call));
  const absl::string_view s = text.string_value();
  if (!ValidUtf8(s)) return BrokenUtf8(call);
  // Count first, so the list and its strings are charged before any is made. Ruby drops
  // trailing empty fields.
  std::size_t fields = 0;
  std::size_t kept = 0;
  std::size_t bytes = 0;
  std::size_t kept_bytes = 0;
  SplitFields(s, pattern.string_value(), [&](absl::string_view field) {
    ++fields;
    bytes += field.size();
    if (!field.empty()) {
      kept = fields;
      kept_bytes = bytes;
    }
  });
  NOTIFY_RETURN_IF_ERROR(call.Elements(kept));
  NOTIFY_RETURN_IF_ERROR(call.Bytes(kept_bytes));
  std::vector<Value> items;
  items.reserve(kept);
  SplitFields(s, pattern.string_value(), [&](absl::string_view field) {
    if (items.size() < kept) items.push_back(Value::String(std::string(field)));
  });
  return Value::Array(std::move(items));
}

// strip, lstrip, rstrip: NUL and ASCII whitespace. Ruby raises on broken UTF-8 it has to step
// over, so these do too.
absl::StatusOr<Value> Strip(const Value& input, const Call& call, bool left, bool right) {
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  const absl::string_view s = text.string_value();
  std::size_t begin = 0;
  std::size_t end = s.size();
  while (left && begin < end) {
    std::size_t next = begin;
    char32_t c;
    if (!NextChar(s, &next, &c)) return BrokenUtf8(call);
    if (!IsStripped(c)) break;
    begin = next;
  }
  while (right && end > begin) {
    const unsigned char last = static_cast<unsigned char>(s[end - 1]);
    if (last < 0x80) {
      if (!IsStripped(last)) break;
      --end;
      continue;
    }
    // The character ending here is not whitespace; it must be whole.
    std::size_t start = end - 1;
    while (start > begin && end - start < 4 && (s[start] & 0xC0) == 0x80) --start;
    std::size_t next = start;
    char32_t c;
    if (!NextChar(s, &next, &c) || next != end) return BrokenUtf8(call);
    break;
  }
  if (begin == 0 && end == s.size()) return text;
  NOTIFY_RETURN_IF_ERROR(call.Bytes(end - begin));
  return Value::String(std::string(s.substr(begin, end - begin)));
}

absl::StatusOr<Value> StripFilter(const Value& input, const Call& call) {
  return Strip(input, call, true, true);
}
absl::StatusOr<Value> Lstrip(const Value& input, const Call& call) {
  return Strip(input, call, true, false);
}
absl::StatusOr<Value> Rstrip(const Value& input, const Call& call) {
  return Strip(input, call, false, true);
}

// strip_html: first <script>...</script>, <!--...--> and <style>...</style> (each to its
// nearest end, case-sensitive), then every <...>.
absl::StatusOr<Value> StripHtml(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  const absl::string_view s = text.string_value();
  if (!ValidUtf8(s)) return BrokenUtf8(call);
  static constexpr std::pair<absl::string_view, absl::string_view> kBlocks[] = {
      {"<script", "</script>"}, {"<!--", "-->"}, {"<style", "</style>"}};
  Text blockless(call);
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t open = s.find('<', i);
    NOTIFY_RETURN_IF_ERROR(blockless.Append(s.substr(i, open - i)));
    if (open == absl::string_view::npos) break;
    std::size_t after = absl::string_view::npos;
    for (const auto& [start, finish] : kBlocks) {
      if (!absl::StartsWith(s.substr(open), start)) continue;
      const std::size_t close = s.find(finish, open + start.size());
      if (close != absl::string_view::npos) after = close + finish.size();
      break;
    }
    if (after == absl::string_view::npos) {
      NOTIFY_RETURN_IF_ERROR(blockless.Append('<'));
      after = open + 1;
    }
    i = after;
  }
  const absl::string_view t = blockless.text();
  Text out(call);
  for (std::size_t i = 0; i < t.size();) {
    const std::size_t open = t.find('<', i);
    const std::size_t close = open == absl::string_view::npos ? open : t.find('>', open + 1);
    if (close == absl::string_view::npos) {
      NOTIFY_RETURN_IF_ERROR(out.Append(t.substr(i)));
      break;
    }
    NOTIFY_RETURN_IF_ERROR(out.Append(t.substr(i, open - i)));
    i = close + 1;
  }
  return out.Finish();
}

// Each "\r\n" or "\n" of the input replaced by `replacement` (strip_newlines, newline_to_br).
absl::StatusOr<Value> ReplaceNewlines(const Value& input, const Call& call,
                                      absl::string_view replacement) {
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  const absl::string_view s = text.string_value();
  if (!ValidUtf8(s)) return BrokenUtf8(call);
  if (s.find('\n') == absl::string_view::npos) return text;
  Text out(call);
  std::size_t begin = 0;
  for (std::size_t at; (at = s.find('\n', begin)) != absl::string_view::npos; begin = at + 1) {
    const std::size_t line_end = at > begin && s[at - 1] == '\r' ? at - 1 : at;
    NOTIFY_RETURN_IF_ERROR(out.Append(s.substr(begin, line_end - begin)));
    NOTIFY_RETURN_IF_ERROR(out.Append(replacement));
  }
  NOTIFY_RETURN_IF_ERROR(out.Append(s.substr(begin)));
  return out.Finish();
}

absl::StatusOr<Value> StripNewlines(const Value& input, const Call& call) {
  return ReplaceNewlines(input, call, "");
}
absl::StatusOr<Value> NewlineToBr(const Value& input, const Call& call) {
  return ReplaceNewlines(input, call, "<br />\n");
}

// join: the items' to_s between copies of the glue (a space by default; nil glues nothing).
absl::StatusOr<Value> Join(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const std::vector<Value> items, Items(input, call));
  Value glue = Value::StringRef(" ");
  if (call.count() > 0) {
    NOTIFY_ASSIGN_OR_RETURN(glue, ToS(call.Arg(0), call));
  }
  Text out(call);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) NOTIFY_RETURN_IF_ERROR(out.Append(glue.string_value()));
    NOTIFY_RETURN_IF_ERROR(AppendToS(items[i], out));
  }
  return out.Finish();
}

// sort and sort_natural, optionally by a property of the items. Liquid sorts nil last; sort
// raises for values Ruby cannot compare, sort_natural compares to_s case-insensitively (ASCII).
absl::StatusOr<Value> SortItems(const Value& input, const Call& call, bool natural) {
  NOTIFY_ASSIGN_OR_RETURN(std::vector<Value> items, Items(input, call));
  if (items.empty()) return Value::Array({});
  const Value property = call.Arg(0);
  std::vector<Indexed> keys(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (property.is_nil()) {
      keys[i].value = items[i];
      continue;
    }
    NOTIFY_ASSIGN_OR_RETURN(keys[i], IndexInto(items[i], property, call));
    // Liquid sorts by a property only when every item has [].
    if (keys[i].lookup == Indexed::Lookup::kNotIndexable) return Value::Nil();
  }
  // The texts sort_natural compares.
  std::vector<Value> texts(natural ? items.size() : 0);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (keys[i].lookup == Indexed::Lookup::kFound && !keys[i].value.is_nil()) {
      NOTIFY_ASSIGN_OR_RETURN(texts[i], ToS(keys[i].value, call));
    }
  }
  const auto compare = [&](std::size_t a, std::size_t b) -> absl::StatusOr<int> {
    // Ruby reads each item's property inside the comparison, so that is where [] fails.
    if (keys[a].lookup == Indexed::Lookup::kTypeError ||
        keys[b].lookup == Indexed::Lookup::kTypeError) {
      return PropertyError(property, call);
    }
    const Value& x = keys[a].value;
    const Value& y = keys[b].value;
    if (natural) {
      // Liquid 5.4's nil_safe_casecmp: a nil compares greater than anything, another nil too.
      if (x.is_nil() || y.is_nil()) return x.is_nil() ? 1 : -1;
      return CaseCompare(texts[a].string_value(), texts[b].string_value());
    }
    if (const std::optional<int> c = Spaceship(x, y); c.has_value()) return *c;
    if (x.is_nil()) return 1;
    if (y.is_nil()) return -1;
    return call.Error("cannot sort values of incompatible types");
  };
  NOTIFY_ASSIGN_OR_RETURN(const std::vector<std::size_t> order, SortOrder(items.size(), compare));
  return Value::Array(Arrange(std::move(items), order));
}

absl::StatusOr<Value> Sort(const Value& input, const Call& call) {
  return SortItems(input, call, false);
}
absl::StatusOr<Value> SortNatural(const Value& input, const Call& call) {
  return SortItems(input, call, true);
}

// where, and reject, has, find and find_index (not in 5.4; later Liquid versions and liquidjs have
// them, with where's arguments): the items whose property is truthy (one argument) or equals the
// second argument. An item without [] makes the whole result nil, as in Liquid.
enum class Select { kWhere, kReject, kHas, kFind, kFindIndex };

absl::StatusOr<Value> SelectItems(const Value& input, const Call& call, Select mode) {
  NOTIFY_ASSIGN_OR_RETURN(std::vector<Value> items, Items(input, call));
  if (items.empty()) {
    if (mode == Select::kHas) return Value::Bool(false);
    return mode == Select::kFind || mode == Select::kFindIndex ? Value::Nil() : Value::Array({});
  }
  const Value property = call.Arg(0);
  const Value target = call.Arg(1);
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < items.size(); ++i) {
    NOTIFY_ASSIGN_OR_RETURN(const Indexed found, IndexInto(items[i], property, call));
    if (found.lookup == Indexed::Lookup::kTypeError) return PropertyError(property, call);
    if (found.lookup == Indexed::Lookup::kNotIndexable) return Value::Nil();
    const bool match = target.is_nil() ? Truthy(found.value, Syntax::kLiquid)
                                       : Equal(found.value, target, Syntax::kLiquid);
    switch (mode) {
      case Select::kWhere:
      case Select::kReject:
        if (match == (mode == Select::kWhere)) kept.push_back(i);
        break;
      case Select::kHas:
        if (match) return Value::Bool(true);
        break;
      case Select::kFind:
        if (match) return items[i];
        break;
      case Select::kFindIndex:
        if (match) return Value::Int(static_cast<std::int64_t>(i));
        break;
    }
  }
  if (mode == Select::kHas) return Value::Bool(false);
  if (mode == Select::kFind || mode == Select::kFindIndex) return Value::Nil();
  return Value::Array(Arrange(std::move(items), kept));
}

absl::StatusOr<Value> Where(const Value& input, const Call& call) {
  return SelectItems(input, call, Select::kWhere);
}
absl::StatusOr<Value> Reject(const Value& input, const Call& call) {
  return SelectItems(input, call, Select::kReject);
}
absl::StatusOr<Value> Has(const Value& input, const Call& call) {
  return SelectItems(input, call, Select::kHas);
}
absl::StatusOr<Value> Find(const Value& input, const Call& call) {
  return SelectItems(input, call, Select::kFind);
}
absl::StatusOr<Value> FindIndex(const Value& input, const Call& call) {
  return SelectItems(input, call, Select::kFindIndex);
}

// uniq: the first of each group of eql? items (1 and 1.0 are different), or of items whose
// property is eql?.
absl::StatusOr<Value> Uniq(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(std::vector<Value> items, Items(input, call));
  const Value property = call.Arg(0);
  // Array#uniq does not call its block for fewer than two items.
  if (!property.is_nil() && items.size() < 2) return Value::Array(std::move(items));
  std::vector<Value> keys;
  if (!property.is_nil()) {
    keys.reserve(items.size());
    for (const Value& item : items) {
      NOTIFY_ASSIGN_OR_RETURN(Indexed found, IndexInto(item, property, call));
      if (found.lookup == Indexed::Lookup::kTypeError) return PropertyError(property, call);
      if (found.lookup == Indexed::Lookup::kNotIndexable) return Value::Nil();
      keys.push_back(std::move(found.value));
    }
  }
  const std::vector<Value>& by = property.is_nil() ? items : keys;
  const auto hash = [&](std::size_t i) { return EqlHash(by[i]); };
  const auto eq = [&](std::size_t a, std::size_t b) { return Eql(by[a], by[b]); };
  absl::flat_hash_set<std::size_t, decltype(hash), decltype(eq)> seen(items.size(), hash, eq);
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (seen.insert(i).second) kept.push_back(i);
  }
  return Value::Array(Arrange(std::move(items), kept));
}

absl::StatusOr<Value> Reverse(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(std::vector<Value> items, Items(input, call));
  std::reverse(items.begin(), items.end());
  return Value::Array(std::move(items));
}

// map: each item's property; nil for items without [] (floats, nil, booleans).
absl::StatusOr<Value> Map(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(std::vector<Value> items, Items(input, call));
  const Value property = call.Arg(0);
  // Liquid's escape hatch: `map: "to_liquid"` gives the items themselves.
  if (property.is_string() && property.string_value() == "to_liquid") {
    return Value::Array(std::move(items));
  }
  for (Value& item : items) {
    NOTIFY_ASSIGN_OR_RETURN(Indexed found, IndexInto(item, property, call));
    if (found.lookup == Indexed::Lookup::kTypeError) return PropertyError(property, call);
    item = found.lookup == Indexed::Lookup::kFound ? std::move(found.value) : Value::Nil();
  }
  return Value::Array(std::move(items));
}

// compact: without nil items, or without the items whose property is nil.
absl::StatusOr<Value> Compact(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(std::vector<Value> items, Items(input, call));
  const Value property = call.Arg(0);
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Value key = items[i];
    if (!property.is_nil()) {
      NOTIFY_ASSIGN_OR_RETURN(Indexed found, IndexInto(items[i], property, call));
      if (found.lookup == Indexed::Lookup::kTypeError) return PropertyError(property, call);
      if (found.lookup == Indexed::Lookup::kNotIndexable) return Value::Nil();
      key = std::move(found.value);
    }
    if (!key.is_nil()) kept.push_back(i);
  }
  return Value::Array(Arrange(std::move(items), kept));
}

absl::StatusOr<Value> Concat(const Value& input, const Call& call) {
  const Value other = call.Arg(0);
  if (!other.is_array()) return call.Error("concat filter requires an array argument");
  NOTIFY_ASSIGN_OR_RETURN(std::vector<Value> items, Items(input, call));
  // The argument's own nested arrays stay as they are.
  NOTIFY_RETURN_IF_ERROR(call.Elements(other.Size()));
  items.reserve(items.size() + other.Size());
  for (std::size_t i = 0; i < other.Size(); ++i) items.push_back(other.At(i));
  return Value::Array(std::move(items));
}

// A replacement as Ruby's sub and gsub read it: \0 and \& are the match, \` and \' the text
// before and after it, \\ a backslash; \1 to \9 name groups a plain string has none of (so they
// are empty), \k<name> raises, and any other backslash is kept.
struct Replacement {
  enum class Part { kText, kMatch, kBefore, kAfter };
  std::vector<std::pair<Part, absl::string_view>> parts;
};

absl::StatusOr<Replacement> ParseReplacement(absl::string_view r, const Call& call) {
  using Part = Replacement::Part;
  Replacement parsed;
  std::size_t text_start = 0;
  const auto flush = [&](std::size_t end) {
    if (end > text_start) {
      parsed.parts.push_back({Part::kText, r.substr(text_start, end - text_start)});
    }
  };
  for (std::size_t i = 0; i + 1 < r.size(); ++i) {
    if (r[i] != '\\') continue;
    const char next = r[i + 1];
    if (next == 'k' && i + 2 < r.size() && r[i + 2] == '<') {
      const std::size_t close = r.find('>', i + 3);
      if (close == absl::string_view::npos) {
        return call.Error("invalid group name reference format");
      }
      return call.Error(
          absl::StrCat("undefined group name reference: ", r.substr(i + 3, close - i - 3)));
    }
    Part part = Part::kText;
    switch (next) {
      case '0':
      case '&':
        part = Part::kMatch;
        break;
      case '`':
        part = Part::kBefore;
        break;
      case '\'':
        part = Part::kAfter;
        break;
      case '\\':
        break;
      default:
        if (next < '1' || next > '9') continue;  // Kept as written, backslash and all.
        break;
    }
    flush(i);
    if (next == '\\') parsed.parts.push_back({Part::kText, r.substr(i + 1, 1)});
    if (part != Part::kText) parsed.parts.push_back({part, {}});
    ++i;
    text_start = i + 1;
  }
  flush(r.size());
  return parsed;
}

enum class Occurrence { kAll, kFirst, kLast };

// replace (gsub), replace_first (sub), replace_last and the remove filters. An empty string
// matches before every character and at the end. replace_last inserts its replacement as it is.
absl::StatusOr<Value> Substitute(const Value& input, const Call& call, Occurrence which,
                                 bool removing) {
  NOTIFY_ASSIGN_OR_RETURN(const Value text, ToS(input, call));
  NOTIFY_ASSIGN_OR_RETURN(const Value pattern, ToS(call.Arg(0), call));
  Value replacement = EmptyString();
  if (!removing && call.count() > 1) {
    NOTIFY_ASSIGN_OR_RETURN(replacement, ToS(call.Arg(1), call));
  }
  const absl::string_view s = text.string_value();
  const absl::string_view p = pattern.string_value();
  std::vector<std::size_t> matches;
  if (which == Occurrence::kLast) {
    const std::size_t at = s.rfind(p);
    if (at != absl::string_view::npos) matches.push_back(at);
  } else if (p.empty()) {
    std::size_t pos = 0;
    char32_t c;
    for (matches.push_back(0); which == Occurrence::kAll && pos < s.size();) {
      NextChar(s, &pos, &c);
      matches.push_back(pos);
    }
  } else {
    for (std::size_t at = s.find(p); at != absl::string_view::npos; at = s.find(p, at + p.size())) {
      matches.push_back(at);
      if (which == Occurrence::kFirst) break;
    }
  }
  if (matches.empty()) return text;
  Replacement parsed;
  if (which == Occurrence::kLast) {
    parsed.parts.push_back({Replacement::Part::kText, replacement.string_value()});
  } else {
    NOTIFY_ASSIGN_OR_RETURN(parsed, ParseReplacement(replacement.string_value(), call));
  }
  Text out(call);
  std::size_t begin = 0;
  for (const std::size_t at : matches) {
    NOTIFY_RETURN_IF_ERROR(out.Append(s.substr(begin, at - begin)));
    for (const auto& [part, literal] : parsed.parts) {
      switch (part) {
        case Replacement::Part::kText:
          NOTIFY_RETURN_IF_ERROR(out.Append(literal));
          break;
        case Replacement::Part::kMatch:
          NOTIFY_RETURN_IF_ERROR(out.Append(p));
          break;
        case Replacement::Part::kBefore:
          NOTIFY_RETURN_IF_ERROR(out.Append(s.substr(0, at)));
          break;
        case Replacement::Part::kAfter:
          NOTIFY_RETURN_IF_ERROR(out.Append(s.substr(at + p.size())));
          break;
      }
    }
    begin = at + p.size();
  }
  NOTIFY_RETURN_IF_ERROR(out.Append(s.substr(begin)));
  return out.Finish();
}

absl::StatusOr<Value> Replace(const Value& input, const Call& call) {
  return Substitute(input, call, Occurrence::kAll, false);
}
absl::StatusOr<Value> ReplaceFirst(const Value& input, const Call& call) {
  return Substitute(input, call, Occurrence::kFirst, false);
}
absl::StatusOr<Value> ReplaceLast(const Value& input, const Call& call) {
  return Substitute(input, call, Occurrence::kLast, false);
}
absl::StatusOr<Value> Remove(const Value& input, const Call& call) {
  return Substitute(input, call, Occurrence::kAll, true);
}
absl::StatusOr<Value> RemoveFirst(const Value& input, const Call& call) {
  return Substitute(input, call, Occurrence::kFirst, true);
}
absl::StatusOr<Value> RemoveLast(const Value& input, const Call& call) {
  return Substitute(input, call, Occurrence::kLast, true);
}

absl::StatusOr<Value> Append(const Value& input, const Call& call) {
  Text out(call);
  NOTIFY_RETURN_IF_ERROR(AppendToS(input, out));
  NOTIFY_RETURN_IF_ERROR(AppendToS(call.Arg(0), out));
  return out.Finish();
}

absl::StatusOr<Value> Prepend(const Value& input, const Call& call) {
  Text out(call);
  NOTIFY_RETURN_IF_ERROR(AppendToS(call.Arg(0), out));
  NOTIFY_RETURN_IF_ERROR(AppendToS(input, out));
  return out.Finish();
}

// date: strftime, or the input itself when the format is empty or the input no date.
absl::StatusOr<Value> Date(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(const Value format, ToS(call.Arg(0), call));
  if (format.string_value().empty()) return input;
  const std::optional<When> when = ToDate(input, call);
  if (!when.has_value()) return input;
  Text out(call);
  NOTIFY_RETURN_IF_ERROR(
      Strftime(format.string_value(), FieldsOf(*when), out, call, format.string_value()));
  return out.Finish();
}

// first and last of a list (not of a string). An object's first is its first [name, value]
// pair, as Enumerable#first gives; objects have no last.
absl::StatusOr<Value> First(const Value& input, const Call& call) {
  if (input.is_sequence()) return input.Size() == 0 ? Value::Nil() : input.At(0);
  if (!input.is_object()) return Value::Nil();
  const std::vector<std::string> names = input.Keys();
  if (names.empty()) return Value::Nil();
  NOTIFY_RETURN_IF_ERROR(call.Elements(2));
  NOTIFY_RETURN_IF_ERROR(call.Bytes(names[0].size()));
  return Value::Array({Value::String(names[0]), input.Get(names[0])});
}

absl::StatusOr<Value> Last(const Value& input, const Call&) {
  if (!input.is_sequence() || input.Size() == 0) return Value::Nil();
  return input.At(input.Size() - 1);
}

// ------------------------------------------------------------------------------------------------
// Arithmetic.

enum class Op { kPlus, kMinus, kTimes, kDividedBy, kModulo };

absl::StatusOr<Value> Arithmetic(const Value& input, const Call& call, Op op) {
  NOTIFY_ASSIGN_OR_RETURN(const Num a, ToNum(input, call));
  NOTIFY_ASSIGN_OR_RETURN(const Num b, ToNum(call.Arg(0), call));
  Num result;
  result.integer = a.integer && b.integer;
  switch (op) {
    case Op::kPlus:
      result.value = Add(a.value, b.value);
      break;
    case Op::kMinus:
      result.value = Add(a.value, Negate(b.value));
      break;
    case Op::kTimes:
      result.value = Multiply(a.value, b.value);
      break;
    case Op::kDividedBy:
      // Integers floor (-7 / 2 is -4) and refuse 0; a BigDecimal divided by 0 is an infinity.
      if (!result.integer) {
        result.value = Divide(a.value, b.value);
        break;
      }
      if (b.value.zero()) return call.Error("divided by 0");
      FloorDivide(a.value, b.value, &result.value, nullptr);
      break;
    case Op::kModulo:
      // The remainder takes the divisor's sign (-7 % 2 is 1), and 0 is refused either way.
      if (b.value.zero()) return call.Error("divided by 0");
      result.value = Modulo(a.value, b.value);
      break;
  }
  return NumValue(result, call);
}

absl::StatusOr<Value> Plus(const Value& input, const Call& call) {
  return Arithmetic(input, call, Op::kPlus);
}
absl::StatusOr<Value> Minus(const Value& input, const Call& call) {
  return Arithmetic(input, call, Op::kMinus);
}
absl::StatusOr<Value> Times(const Value& input, const Call& call) {
  return Arithmetic(input, call, Op::kTimes);
}
absl::StatusOr<Value> DividedBy(const Value& input, const Call& call) {
  return Arithmetic(input, call, Op::kDividedBy);
}
absl::StatusOr<Value> ModuloFilter(const Value& input, const Call& call) {
  return Arithmetic(input, call, Op::kModulo);
}

absl::StatusOr<Value> Abs(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(Num n, ToNum(input, call));
  if (n.value.kind != Decimal::Kind::kNaN) n.value.negative = false;
  return NumValue(n, call);
}

// ceil, floor: integers as they are; a BigDecimal to an integer (an infinity cannot be one).
absl::StatusOr<Value> ToIntegral(const Value& input, const Call& call, Rounding mode) {
  NOTIFY_ASSIGN_OR_RETURN(Num n, ToNum(input, call));
  if (!n.value.finite()) return FloatDomainError(n.value, call);
  n.value = RoundDecimal(n.value, 0, mode);
  n.integer = true;
  return NumValue(n, call);
}

absl::StatusOr<Value> Ceil(const Value& input, const Call& call) {
  return ToIntegral(input, call, Rounding::kCeiling);
}
absl::StatusOr<Value> Floor(const Value& input, const Call& call) {
  return ToIntegral(input, call, Rounding::kFloor);
}

// round: half away from zero to `places` decimals (to_number'd and truncated: "2" and 2.7 are
// 2). A float rounded to 1 or more places stays a float; otherwise the result is an integer.
absl::StatusOr<Value> Round(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(Num n, ToNum(input, call));
  std::int64_t places = 0;
  if (call.count() > 0) {
    NOTIFY_ASSIGN_OR_RETURN(const Num p, ToNum(call.Arg(0), call));
    if (!p.value.finite()) return FloatDomainError(p.value, call);
    const Decimal whole =
        RoundDecimal(p.value, 0, p.value.negative ? Rounding::kCeiling : Rounding::kFloor);
    // Ruby takes the places as a C int.
    const std::optional<std::int64_t> wanted = ToInt64(whole);
    if (!wanted.has_value() || *wanted > std::numeric_limits<std::int32_t>::max() ||
        *wanted < std::numeric_limits<std::int32_t>::min()) {
      return call.Error(absl::StrCat("integer ", whole.negative ? "-" : "", Scaled(whole, 0),
                                     " too ", whole.negative ? "small" : "big",
                                     " to convert to `int'"));
    }
    places = *wanted;
  }
  if (!n.integer && !n.value.finite()) {
    if (places > 0) return Value::Float(ToDouble(n.value));
    return FloatDomainError(n.value, call);
  }
  n.value = RoundDecimal(n.value, places, Rounding::kHalfUp);
  n.integer = n.integer || places <= 0;
  return NumValue(n, call);
}

// at_least, at_most: the input, or the limit when the input is past it.
absl::StatusOr<Value> Bound(const Value& input, const Call& call, int past) {
  NOTIFY_ASSIGN_OR_RETURN(const Num limit, ToNum(call.Arg(0), call));
  NOTIFY_ASSIGN_OR_RETURN(const Num n, ToNum(input, call));
  const std::optional<int> c = CompareDecimals(limit.value, n.value);
  return NumValue(c.has_value() && *c == past ? limit : n, call);
}

absl::StatusOr<Value> AtLeast(const Value& input, const Call& call) {
  return Bound(input, call, 1);
}
absl::StatusOr<Value> AtMost(const Value& input, const Call& call) {
  return Bound(input, call, -1);
}

// sum (not in 5.4; later Liquid versions have it): the to_number of each item, or of each item's
// property (0 for items without []), nested lists flattened.
absl::StatusOr<Value> Sum(const Value& input, const Call& call) {
  NOTIFY_ASSIGN_OR_RETURN(std::vector<Value> items, Items(input, call));
  const Value property = call.Arg(0);
  Num total;
  for (const Value& item : items) {
    Value addend = item;
    if (!property.is_nil()) {
      NOTIFY_ASSIGN_OR_RETURN(const Indexed found, IndexInto(item, property, call));
      if (found.lookup == Indexed::Lookup::kTypeError) return PropertyError(property, call);
      addend = found.lookup == Indexed::Lookup::kFound ? found.value : Value::Int(0);
    }
    std::vector<Value> parts = {addend};
    if (addend.is_array()) {
      NOTIFY_ASSIGN_OR_RETURN(parts, Items(addend, call));
    }
    for (const Value& part : parts) {
      NOTIFY_ASSIGN_OR_RETURN(const Num n, ToNum(part, call));
      total.value = Add(total.value, n.value);
      total.integer = total.integer && n.integer;
    }
  }
  return NumValue(total, call);
}

// default: the argument (or "") in place of nil, false and empty strings, lists and objects;
// with allow_false, false stays. Liquid takes the option as a keyword or as an object argument.
absl::StatusOr<Value> Default(const Value& input, const Call& call) {
  if (call.count() == 2 && !call.args.keyword.empty()) {
    return call.Error("wrong number of arguments (given 4, expected 1..3)");
  }
  bool allow_false = false;
  for (const KeywordArg& option : call.args.keyword) {
    if (option.name == "allow_false") allow_false = Truthy(option.value, Syntax::kLiquid);
  }
  if (call.Arg(1).is_object()) {
    allow_false = Truthy(call.Arg(1).Get("allow_false"), Syntax::kLiquid);
  }
  const bool missing = allow_false ? input.is_nil() : !Truthy(input, Syntax::kLiquid);
  const bool empty =
      (input.is_string() || input.is_array() || input.is_object()) && input.Size() == 0;
  if (!missing && !empty) return input;
  // Liquid would take `default: allow_false: true` (no value) to default to the options hash
  // itself; here the default is then "", as without options.
  return call.count() > 0 ? call.Arg(0) : EmptyString();
}

// ------------------------------------------------------------------------------------------------
// The platform's filters.

// money: an amount in the currency's smallest unit as decimal text with `divisibility` places
// (10000 with 2 is "100.00"), exact for numbers of any size; fractions of the unit round half
// away from zero.
absl::StatusOr<Value> Money(const Value& input, const Call& call) {
  if (input.is_nil() || (input.is_string() && input.string_value().empty())) return EmptyString();
  std::optional<Decimal> amount;
  if (input.is_int()) {
    amount = DecimalFromInt(input.int_value());
  } else if (input.is_float() && std::isfinite(input.number_value())) {
    amount = DecimalFromDouble(input.number_value());
  } else if (input.is_string()) {
    amount = ParseDecimal(absl::StripAsciiWhitespace(input.string_value()));
  }
  if (!amount.has_value()) {
    return call.Error(absl::StrCat("needs a number, not \"", Print(input, Syntax::kLiquid), "\""));
  }
  const std::optional<Value> wanted = ToNumber(call.Arg(0), Syntax::kLiquid);
  const double places = wanted.has_value() ? wanted->number_value() : -1;
  if (places < 0 || places > 30 || places != std::floor(places)) {
    return call.Error("the divisibility must be a whole number from 0 to 30");
  }
  const int divisibility = static_cast<int>(places);
  amount->exponent -= divisibility;
  const Decimal rounded = RoundDecimal(*amount, divisibility, Rounding::kHalfUp);
  // The digits, with the point `divisibility` from the right and at least one digit before it.
  const std::int64_t length =
      static_cast<std::int64_t>(rounded.digits.size()) + rounded.exponent + divisibility;
  const std::size_t digits =
      static_cast<std::size_t>(std::max<std::int64_t>(length, divisibility + 1));
  NOTIFY_RETURN_IF_ERROR(call.Bytes(digits + 2));
  std::string scaled = Scaled(rounded, -divisibility);
  scaled.insert(0, digits - scaled.size(), '0');
  std::string out = rounded.negative && !rounded.zero() ? "-" : "";
  out.append(scaled, 0, digits - divisibility);
  if (divisibility > 0) {
    absl::StrAppend(&out, ".", absl::string_view(scaled).substr(digits - divisibility));
  }
  return Value::String(std::move(out));
}

// timestamp: milliseconds since the epoch (an integer, a float or a numeric string) as a time.
absl::StatusOr<Value> Timestamp(const Value& input, const Call& call) {
  if (input.is_nil() || (input.is_string() && input.string_value().empty())) return Value::Nil();
  const std::optional<Value> millis = ToNumber(input, Syntax::kLiquid);
  if (!millis.has_value() || (millis->is_float() && !std::isfinite(millis->number_value()))) {
    return call.Error(absl::StrCat("needs milliseconds since the epoch, not \"",
                                   Print(input, Syntax::kLiquid), "\""));
  }
  if (millis->is_int()) return Value::Time(absl::FromUnixMillis(millis->int_value()));
  return Value::Time(absl::UnixEpoch() + absl::Milliseconds(millis->number_value()));
}

// ------------------------------------------------------------------------------------------------
// The table.

struct Filter {
  absl::string_view name;
  Impl impl;
  int min_args;
  int max_args;
  bool keywords;  // Takes keyword arguments; only `default` does (allow_false).
};

// Sorted by name. Argument counts are Liquid 5.4's method signatures.
constexpr Filter kFilters[] = {
    {"abs", Abs, 0, 0, false},
    {"append", Append, 1, 1, false},
    {"at_least", AtLeast, 1, 1, false},
    {"at_most", AtMost, 1, 1, false},
    {"base64_decode", Base64DecodeFilter, 0, 0, false},
    {"base64_encode", Base64EncodeFilter, 0, 0, false},
    {"base64_url_safe_decode", Base64UrlSafeDecode, 0, 0, false},
    {"base64_url_safe_encode", Base64UrlSafeEncode, 0, 0, false},
    {"capitalize", Capitalize, 0, 0, false},
    {"ceil", Ceil, 0, 0, false},
    {"compact", Compact, 0, 1, false},
    {"concat", Concat, 1, 1, false},
    {"date", Date, 1, 1, false},
    {"default", Default, 0, 2, true},
    {"divided_by", DividedBy, 1, 1, false},
    {"downcase", Downcase, 0, 0, false},
    {"escape", Escape, 0, 0, false},
    {"escape_once", EscapeOnce, 0, 0, false},
    {"find", Find, 1, 2, false},             // Not in 5.4: later Liquid, liquidjs.
    {"find_index", FindIndex, 1, 2, false},  // Not in 5.4: later Liquid, liquidjs.
    {"first", First, 0, 0, false},
    {"floor", Floor, 0, 0, false},
    {"h", Escape, 0, 0, false},
    {"has", Has, 1, 2, false},  // Not in 5.4: later Liquid, liquidjs.
    {"join", Join, 0, 1, false},
    {"last", Last, 0, 0, false},
    {"lstrip", Lstrip, 0, 0, false},
    {"map", Map, 1, 1, false},
    {"minus", Minus, 1, 1, false},
    {"modulo", ModuloFilter, 1, 1, false},
    {"money", Money, 1, 1, false},  // The platform's.
    {"newline_to_br", NewlineToBr, 0, 0, false},
    {"plus", Plus, 1, 1, false},
    {"prepend", Prepend, 1, 1, false},
    {"reject", Reject, 1, 2, false},  // Not in 5.4: later Liquid, liquidjs.
    {"remove", Remove, 1, 1, false},
    {"remove_first", RemoveFirst, 1, 1, false},
    {"remove_last", RemoveLast, 1, 1, false},
    {"replace", Replace, 1, 2, false},
    {"replace_first", ReplaceFirst, 1, 2, false},
    {"replace_last", ReplaceLast, 2, 2, false},
    {"reverse", Reverse, 0, 0, false},
    {"round", Round, 0, 1, false},
    {"rstrip", Rstrip, 0, 0, false},
    {"size", SizeFilter, 0, 0, false},
    {"slice", Slice, 1, 2, false},
    {"sort", Sort, 0, 1, false},
    {"sort_natural", SortNatural, 0, 1, false},
    {"split", Split, 1, 1, false},
    {"strip", StripFilter, 0, 0, false},
    {"strip_html", StripHtml, 0, 0, false},
    {"strip_newlines", StripNewlines, 0, 0, false},
    {"sum", Sum, 0, 1, false},  // Not in 5.4: later Liquid, liquidjs.
    {"times", Times, 1, 1, false},
    {"timestamp", Timestamp, 0, 0, false},  // The platform's.
    {"truncate", Truncate, 0, 2, false},
    {"truncatewords", Truncatewords, 0, 2, false},
    {"uniq", Uniq, 0, 1, false},
    {"upcase", Upcase, 0, 0, false},
    {"url_decode", UrlDecode, 0, 0, false},
    {"url_encode", UrlEncode, 0, 0, false},
    {"where", Where, 1, 2, false},
};

static_assert(SortedByName(kFilters), "kFilters must be sorted by name");

template <std::size_t I>
absl::StatusOr<Value> Dispatch(const Value& input, const FilterArgs& args, FilterContext& context) {
  const Call call{kFilters[I].name, args, context};
  // Liquid would pass keywords to any filter as a trailing hash argument; only `default` has a
  // use for one.
  if (!kFilters[I].keywords && !args.keyword.empty()) {
    return call.Error(absl::StrCat("unknown keyword argument '", args.keyword.front().name, "'"));
  }
  return kFilters[I].impl(input, call);
}

template <std::size_t... I>
constexpr std::array<FilterSpec, sizeof...(I)> MakeSpecs(std::index_sequence<I...>) {
  return {
      {FilterSpec{kFilters[I].name, &Dispatch<I>, kFilters[I].min_args, kFilters[I].max_args}...}};
}

constexpr std::array<FilterSpec, std::size(kFilters)> kSpecs =
    MakeSpecs(std::make_index_sequence<std::size(kFilters)>());

}  // namespace

const FilterSpec* FindLiquidFilter(absl::string_view name) { return FindSorted(kSpecs, name); }

}  // namespace notify::tmpl
