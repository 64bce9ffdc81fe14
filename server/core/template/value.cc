#include "server/core/template/value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace notify::tmpl {

using json = nlohmann::json;

Value Value::Nil() {
  Value v;
  v.kind_ = Kind::kNil;
  return v;
}

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}

Value Value::Int(std::int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}

Value Value::Float(double d) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.d_ = d;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.owned_string_ = std::make_shared<const std::string>(std::move(s));
  v.sv_ = *v.owned_string_;
  return v;
}

Value Value::StringRef(absl::string_view s) {
  Value v;
  v.kind_ = Kind::kString;
  v.sv_ = s;
  return v;
}

Value Value::Json(const nlohmann::json& j) {
  switch (j.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return Nil();
    case json::value_t::boolean:
      return Bool(j.get<bool>());
    case json::value_t::number_integer:
      return Int(j.get<std::int64_t>());
    case json::value_t::number_unsigned: {
      const std::uint64_t u = j.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return Int(static_cast<std::int64_t>(u));
      }
      return Float(static_cast<double>(u));
    }
    case json::value_t::number_float:
      return Float(j.get<double>());
    case json::value_t::string:
      return StringRef(j.get_ref<const std::string&>());
    case json::value_t::array:
    case json::value_t::object: {
      Value v;
      v.kind_ = j.is_array() ? Kind::kArray : Kind::kObject;
      v.json_ = &j;
      return v;
    }
    case json::value_t::binary:
      break;
  }
  return Nil();
}

Value Value::Array(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kArray;
  v.owned_array_ = std::make_shared<const std::vector<Value>>(std::move(items));
  return v;
}

Value Value::Range(std::int64_t first, std::int64_t last) {
  Value v;
  v.kind_ = Kind::kRange;
  v.i_ = first;
  v.i2_ = last;
  return v;
}

Value Value::Loop(std::shared_ptr<const LoopInfo> loop) {
  Value v;
  v.kind_ = Kind::kLoop;
  v.loop_ = std::move(loop);
  return v;
}

Value Value::Time(absl::Time t) {
  Value v;
  v.kind_ = Kind::kTime;
  v.t_ = t;
  return v;
}

double Value::number_value() const {
  if (kind_ == Kind::kInt) return static_cast<double>(i_);
  if (kind_ == Kind::kFloat) return d_;
  return 0;
}

absl::string_view Value::string_value() const {
  return kind_ == Kind::kString ? sv_ : absl::string_view();
}

std::size_t Value::Size() const {
  switch (kind_) {
    case Kind::kString:
      return sv_.size();
    case Kind::kArray:
    case Kind::kObject:
      return owned_array_ != nullptr ? owned_array_->size() : json_->size();
    case Kind::kRange:
      return i2_ >= i_ ? static_cast<std::size_t>(i2_ - i_) + 1 : 0;
    default:
      return 0;
  }
}

Value Value::At(std::size_t index) const {
  if (index >= Size()) return Value();
  if (kind_ == Kind::kRange) return Int(i_ + static_cast<std::int64_t>(index));
  if (kind_ != Kind::kArray) return Value();
  if (owned_array_ != nullptr) return (*owned_array_)[index];
  return Json((*json_)[index]);
}

namespace {

Value LoopField(const LoopInfo& loop, absl::string_view key) {
  const std::int64_t i = loop.index0;
  const std::int64_t n = loop.length;
  auto parent = [&]() {
    // Django's outermost forloop has an empty dict for a parent.
    static const nlohmann::json* const kEmptyObject = new nlohmann::json(nlohmann::json::object());
    if (loop.parent != nullptr) return Value::Loop(loop.parent);
    return loop.syntax == Syntax::kDjango ? Value::Json(*kEmptyObject) : Value::Nil();
  };
  if (key == "first") return Value::Bool(i == 0);
  if (key == "last") return Value::Bool(i == n - 1);
  if (key == "parentloop") return parent();
  if (loop.syntax == Syntax::kDjango) {
    if (key == "counter") return Value::Int(i + 1);
    if (key == "counter0") return Value::Int(i);
    if (key == "revcounter") return Value::Int(n - i);
    if (key == "revcounter0") return Value::Int(n - i - 1);
    return Value();
  }
  if (key == "index") return Value::Int(i + 1);
  if (key == "index0") return Value::Int(i);
  if (key == "rindex") return Value::Int(n - i);
  if (key == "rindex0") return Value::Int(n - i - 1);
  if (key == "length") return Value::Int(n);
  if (key == "name" && loop.cols == 0) return Value::String(loop.name);
  if (loop.cols > 0) {
    const std::int64_t col0 = i % loop.cols;
    if (key == "col") return Value::Int(col0 + 1);
    if (key == "col0") return Value::Int(col0);
    if (key == "col_first") return Value::Bool(col0 == 0);
    if (key == "col_last") return Value::Bool(col0 == loop.cols - 1);
    if (key == "row") return Value::Int(i / loop.cols + 1);
  }
  return Value();
}

}  // namespace

Value Value::Get(absl::string_view key) const {
  if (kind_ == Kind::kLoop) return LoopField(*loop_, key);
  if (kind_ != Kind::kObject || json_ == nullptr) return Value();
  auto found = json_->find(key);
  if (found == json_->end()) return Value();
  return Json(*found);
}

std::vector<std::string> Value::Keys() const {
  std::vector<std::string> keys;
  if (kind_ != Kind::kObject || json_ == nullptr) return keys;
  keys.reserve(json_->size());
  for (auto it = json_->begin(); it != json_->end(); ++it) keys.push_back(it.key());
  return keys;
}

std::vector<Value> Value::Elements() const {
  std::vector<Value> out;
  if (!is_sequence()) return out;
  if (owned_array_ != nullptr) return *owned_array_;
  const std::size_t n = Size();
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(At(i));
  return out;
}

nlohmann::json Value::ToJson() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNil:
    case Kind::kLoop:
      return nullptr;
    case Kind::kBool:
      return b_;
    case Kind::kInt:
      return i_;
    case Kind::kFloat:
      return d_;
    case Kind::kString:
      return std::string(sv_);
    case Kind::kTime:
      return absl::FormatTime(absl::RFC3339_full, t_, absl::UTCTimeZone());
    case Kind::kObject:
      return *json_;
    case Kind::kArray:
    case Kind::kRange: {
      if (json_ != nullptr) return *json_;
      nlohmann::json out = nlohmann::json::array();
      for (const Value& v : Elements()) out.push_back(v.ToJson());
      return out;
    }
  }
  return nullptr;
}

// ------------------------------------------------------------------------------------------------
// Printing.

std::string PrintFloat(double d, Syntax syntax) {
  const bool python = syntax == Syntax::kDjango;
  if (std::isnan(d)) return python ? "nan" : "NaN";
  if (std::isinf(d)) {
    if (python) return d > 0 ? "inf" : "-inf";
    return d > 0 ? "Infinity" : "-Infinity";
  }
  // The shortest digits that read back as `d`, as both languages choose them; only where the
  // point goes and how the exponent is written differ.
  char buf[64];
  const std::to_chars_result r =
      std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  const std::string sci(buf, r.ptr);
  const std::size_t e = sci.find('e');
  std::string digits;
  for (std::size_t i = 0; i < e; ++i) {
    if (absl::ascii_isdigit(sci[i])) digits += sci[i];
  }
  const bool negative = sci[0] == '-';
  int exponent = 0;
  (void)absl::SimpleAtoi(absl::string_view(sci).substr(e + 1), &exponent);
  // Python's repr switches to an exponent at 1e16, Ruby's to_s at 1e15; both below 1e-4.
  const int high = python ? 16 : 15;
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= high) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) {
      absl::StrAppend(&out, ".", digits.substr(1));
    } else if (!python) {
      out += ".0";
    }
    absl::StrAppend(&out, "e", exponent < 0 ? "-" : "+",
                    absl::StrFormat("%02d", std::abs(exponent)));
    return out;
  }
  if (exponent < 0) {
    absl::StrAppend(&out, "0.", std::string(static_cast<std::size_t>(-exponent - 1), '0'), digits);
    return out;
  }
  const std::size_t whole = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= whole) {
    absl::StrAppend(&out, digits, std::string(whole - digits.size(), '0'), ".0");
  } else {
    absl::StrAppend(&out, digits.substr(0, whole), ".", digits.substr(whole));
  }
  return out;
}

namespace {

// Decodes one UTF-8 code point at `i` (advancing it); invalid bytes decode as themselves.
char32_t NextCodePoint(absl::string_view s, std::size_t& i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (i + extra >= s.size() + (extra > 0 ? 0 : 1)) extra = 0;
  char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += 1 + extra;
  return cp;
}

// Python's str.isprintable for the code points JSON data carries: controls, the C1 range, and
// the separators and format characters Python escapes in repr.
bool PythonPrintable(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD) return false;
  if (cp >= 0x2000 && cp <= 0x200F) return false;
  if (cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000) return false;
  if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF) {
    return false;
  }
  return true;
}

std::string RubyInspect(absl::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const char next = i + 1 < s.size() ? s[i + 1] : '\0';
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\x1b':
        out += "\\e";
        break;
      case '#':
        // "#{", "#$" and "#@" would read as interpolation in Ruby source.
        out += next == '{' || next == '$' || next == '@' ? "\\#" : "#";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          absl::StrAppend(&out, absl::StrFormat("\\u%04X", static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string PrintTime(absl::Time t, Syntax syntax) {
  if (syntax == Syntax::kLiquid)
    return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone());
  const absl::TimeZone::CivilInfo info = absl::UTCTimeZone().At(t);
  const std::int64_t micros = absl::ToInt64Microseconds(info.subsecond);
  return absl::StrCat(absl::FormatCivilTime(info.cs).replace(10, 1, " "),
                      micros != 0 ? absl::StrFormat(".%06d", micros) : "", "+00:00");
}

// A value as it prints inside a list or object: Python's repr, Ruby's inspect.
std::string Inspect(const Value& v, Syntax syntax) {
  const bool python = syntax == Syntax::kDjango;
  switch (v.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNil:
      return python ? "None" : "nil";
    case Value::Kind::kString:
      return python ? PythonRepr(v.string_value()) : RubyInspect(v.string_value());
    case Value::Kind::kTime:
      if (python) {
        // Python's repr leaves out trailing zero seconds and microseconds.
        const absl::TimeZone::CivilInfo c = absl::UTCTimeZone().At(v.time_value());
        const std::int64_t micros = absl::ToInt64Microseconds(c.subsecond);
        std::string out = absl::StrCat("datetime.datetime(", c.cs.year(), ", ", c.cs.month(), ", ",
                                       c.cs.day(), ", ", c.cs.hour(), ", ", c.cs.minute());
        if (c.cs.second() != 0 || micros != 0) absl::StrAppend(&out, ", ", c.cs.second());
        if (micros != 0) absl::StrAppend(&out, ", ", micros);
        return absl::StrCat(out, ", tzinfo=<UTC>)");
      }
      return PrintTime(v.time_value(), syntax);
    case Value::Kind::kArray:
    case Value::Kind::kRange: {
      std::string out = "[";
      const std::size_t n = v.Size();
      for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) out += ", ";
        out += Inspect(v.At(i), syntax);
      }
      return out + "]";
    }
    case Value::Kind::kObject: {
      std::string out = "{";
      bool first = true;
      for (const std::string& key : v.Keys()) {
        if (!first) out += ", ";
        first = false;
        absl::StrAppend(&out, Inspect(Value::StringRef(key), syntax), python ? ": " : "=>",
                        Inspect(v.Get(key), syntax));
      }
      return out + "}";
    }
    default:
      return Print(v, syntax);
  }
}

}  // namespace

std::string PythonRepr(absl::string_view s) {
  const bool has_single = s.find('\'') != absl::string_view::npos;
  const bool has_double = s.find('"') != absl::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t start = i;
    const char32_t cp = NextCodePoint(s, i);
    if (cp == '\\' || cp == static_cast<char32_t>(quote)) {
      absl::StrAppend(&out, "\\", std::string(1, static_cast<char>(cp)));
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (PythonPrintable(cp)) {
      out.append(s.data() + start, i - start);
    } else if (cp < 0x100) {
      absl::StrAppend(&out, absl::StrFormat("\\x%02x", static_cast<unsigned>(cp)));
    } else {
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", static_cast<unsigned>(cp)));
    }
  }
  out += quote;
  return out;
}

std::string Print(const Value& value, Syntax syntax) {
  const bool python = syntax == Syntax::kDjango;
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return "";
    case Value::Kind::kNil:
      return python ? "None" : "";
    case Value::Kind::kBool:
      if (python) return value.bool_value() ? "True" : "False";
      return value.bool_value() ? "true" : "false";
    case Value::Kind::kInt:
      return absl::StrCat(value.int_value());
    case Value::Kind::kFloat:
      return PrintFloat(value.number_value(), syntax);
    case Value::Kind::kString:
      return std::string(value.string_value());
    case Value::Kind::kTime:
      return PrintTime(value.time_value(), syntax);
    case Value::Kind::kRange:
      if (!python) {
        return absl::StrCat(value.At(0).int_value(), "..",
                            value.At(0).int_value() + static_cast<std::int64_t>(value.Size()) - 1);
      }
      return Inspect(value, syntax);
    case Value::Kind::kArray:
      if (!python) {
        // Liquid renders a list as its elements one after another.
        std::string out;
        const std::size_t n = value.Size();
        for (std::size_t i = 0; i < n; ++i) out += Print(value.At(i), syntax);
        return out;
      }
      return Inspect(value, syntax);
    case Value::Kind::kObject:
      return Inspect(value, syntax);
    case Value::Kind::kLoop:
      // Liquid prints its drop's class name.
      if (python) return "";
      return value.Get("col").is_undefined() ? "Liquid::ForloopDrop" : "Liquid::TablerowloopDrop";
  }
  return "";
}

void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::size_t Utf8Size(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

std::string HtmlEscape(absl::string_view text, Syntax syntax) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
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
        out += syntax == Syntax::kDjango ? "&#x27;" : "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Truth and comparison.

bool Truthy(const Value& value, Syntax syntax) {
  if (syntax == Syntax::kLiquid)
    return !value.is_nil() && !(value.is_bool() && !value.bool_value());
  switch (value.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNil:
      return false;
    case Value::Kind::kBool:
      return value.bool_value();
    case Value::Kind::kInt:
      return value.int_value() != 0;
    case Value::Kind::kFloat:
      return value.number_value() != 0;
    case Value::Kind::kString:
    case Value::Kind::kArray:
    case Value::Kind::kObject:
    case Value::Kind::kRange:
      return value.Size() > 0;
    default:
      return true;
  }
}

namespace {

// Python treats bools as the integers 0 and 1 in arithmetic and comparison.
bool PythonNumeric(const Value& v) { return v.is_number() || v.is_bool(); }

double PythonNumber(const Value& v) {
  return v.is_bool() ? (v.bool_value() ? 1 : 0) : v.number_value();
}

}  // namespace

bool Equal(const Value& a, const Value& b, Syntax syntax) {
  const bool python = syntax == Syntax::kDjango;
  if (a.is_nil() || b.is_nil()) return a.is_nil() && b.is_nil();
  if (a.is_int() && b.is_int()) return a.int_value() == b.int_value();
  if (python ? (PythonNumeric(a) && PythonNumeric(b)) : (a.is_number() && b.is_number())) {
    if (a.is_bool() && b.is_bool()) return a.bool_value() == b.bool_value();
    return PythonNumber(a) == PythonNumber(b);
  }
  if (a.kind() != b.kind()) {
    // A range equals nothing but a range; Python's lists are compared below whatever they hold.
    if (!(a.is_sequence() && b.is_sequence()) || !python) return false;
  }
  switch (a.kind()) {
    case Value::Kind::kBool:
      return a.bool_value() == b.bool_value();
    case Value::Kind::kString:
      return a.string_value() == b.string_value();
    case Value::Kind::kTime:
      return a.time_value() == b.time_value();
    case Value::Kind::kArray:
    case Value::Kind::kRange: {
      if (!python && a.is_range())
        return a.At(0).int_value() == b.At(0).int_value() && a.Size() == b.Size();
      if (a.Size() != b.Size()) return false;
      for (std::size_t i = 0; i < a.Size(); ++i) {
        if (!Equal(a.At(i), b.At(i), syntax)) return false;
      }
      return true;
    }
    case Value::Kind::kObject: {
      const std::vector<std::string> keys = a.Keys();
      if (keys != b.Keys()) return false;
      for (const std::string& key : keys) {
        if (!Equal(a.Get(key), b.Get(key), syntax)) return false;
      }
      return true;
    }
    case Value::Kind::kLoop:
      return false;
    default:
      return false;
  }
}

std::optional<int> Order(const Value& a, const Value& b, Syntax syntax) {
  const bool python = syntax == Syntax::kDjango;
  auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (a.is_int() && b.is_int()) return sign(a.int_value(), b.int_value());
  if (python ? (PythonNumeric(a) && PythonNumeric(b)) : (a.is_number() && b.is_number())) {
    const double x = PythonNumber(a);
    const double y = PythonNumber(b);
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return sign(x, y);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.string_value().compare(b.string_value());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_time() && b.is_time()) return sign(a.time_value(), b.time_value());
  if (python && a.is_sequence() && b.is_sequence()) {
    const std::size_t n = std::min(a.Size(), b.Size());
    for (std::size_t i = 0; i < n; ++i) {
      if (Equal(a.At(i), b.At(i), syntax)) continue;
      return Order(a.At(i), b.At(i), syntax);
    }
    return sign(a.Size(), b.Size());
  }
  return std::nullopt;
}

// ------------------------------------------------------------------------------------------------
// Conversions.

std::optional<Value> ToNumber(const Value& value, Syntax syntax) {
  if (value.is_number()) return value;
  if (value.is_bool()) {
    if (syntax == Syntax::kLiquid) return std::nullopt;
    return Value::Int(value.bool_value() ? 1 : 0);
  }
  if (!value.is_string()) return std::nullopt;
  absl::string_view text = absl::StripAsciiWhitespace(value.string_value());
  if (text.empty()) return std::nullopt;
  absl::string_view digits = text;
  if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
  if (!digits.empty() && std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit)) {
    std::int64_t i = 0;
    if (absl::SimpleAtoi(text, &i)) return Value::Int(i);
  }
  // A fraction or an exponent: digits on at least one side of the point, no hex, no inf/nan.
  if (digits.empty() || !(absl::ascii_isdigit(digits[0]) || digits[0] == '.')) return std::nullopt;
  double d = 0;
  const char* begin = digits.data();
  const std::from_chars_result r = std::from_chars(begin, begin + digits.size(), d);
  if (r.ec != std::errc() || r.ptr != begin + digits.size()) return std::nullopt;
  return Value::Float(text[0] == '-' ? -d : d);
}

std::optional<std::int64_t> ToInt(const Value& value, Syntax syntax) {
  std::optional<Value> n = ToNumber(value, syntax);
  if (!n.has_value()) return std::nullopt;
  if (n->is_int()) return n->int_value();
  const double d = n->number_value();
  if (!std::isfinite(d) || std::abs(d) >= 9.2e18) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

std::optional<absl::Time> ToTime(const Value& value, Syntax syntax, absl::Time now) {
  if (value.is_time()) return value.time_value();
  if (syntax == Syntax::kLiquid) {
    if (value.is_number())
      return absl::FromUnixMicros(static_cast<std::int64_t>(value.number_value() * 1e6));
    if (value.string_value() == "now" || value.string_value() == "today") return now;
    if (value.is_string()) {
      std::int64_t seconds = 0;
      if (absl::SimpleAtoi(value.string_value(), &seconds)) return absl::FromUnixSeconds(seconds);
    }
  }
  if (!value.is_string()) return std::nullopt;
  const std::string text(absl::StripAsciiWhitespace(value.string_value()));
  static constexpr const char* kFormats[] = {
      "%Y-%m-%d%ET%H:%M:%E*S%Ez", "%Y-%m-%d %H:%M:%E*S%Ez",
      "%Y-%m-%d%ET%H:%M:%E*S",    "%Y-%m-%d %H:%M:%E*S",
      "%Y-%m-%d%ET%H:%M%Ez",      "%Y-%m-%d%ET%H:%M",
      "%Y-%m-%d %H:%M",           "%Y-%m-%d",
  };
  for (const char* format : kFormats) {
    absl::Time t;
    if (absl::ParseTime(format, text, absl::UTCTimeZone(), &t, nullptr)) return t;
  }
  return std::nullopt;
}

}  // namespace notify::tmpl
