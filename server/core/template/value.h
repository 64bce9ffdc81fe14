// The values a template works with, and what each dialect makes of them: how they print, which are
// true, how they compare.
//
// A Value is a small handle. Values that come from the render's context (a JSON document that
// outlives the render) and from the parsed template are referenced, never copied: looking up
// `order.items` in a loop costs a pointer, whatever the size of the list. Values that filters make
// own their data through a shared, immutable buffer, so copying a Value is always cheap.
#ifndef NOTIFY_SERVER_CORE_TEMPLATE_VALUE_H_
#define NOTIFY_SERVER_CORE_TEMPLATE_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace notify::tmpl {

// The two template languages: Django's (the official extension's) and Shopify's Liquid 5.
enum class Syntax { kDjango, kLiquid };

// The state of one iteration of a `for` (or Liquid's `tablerow`), which `forloop` (and
// `tablerowloop`) name. Immutable; each iteration makes a new one.
struct LoopInfo {
  Syntax syntax = Syntax::kDjango;
  std::int64_t index0 = 0;
  std::int64_t length = 0;
  std::shared_ptr<const LoopInfo> parent;  // The enclosing loop's, or null.
  std::string name;                        // Liquid's forloop.name: "item-items".
  std::int64_t cols = 0;                   // tablerow only: the number of columns (0: one row).
  std::uint64_t run = 0;                   // Which run of the loop (Django's ifchanged state).
};

class Value {
 public:
  enum class Kind {
    kUndefined,  // A lookup that found nothing. Prints and tests like nil.
    kNil,        // JSON null, Python None, Ruby nil.
    kBool,
    kInt,
    kFloat,
    kString,
    kArray,
    kObject,
    kRange,  // Liquid's (first..last): integers, inclusive.
    kLoop,   // A forloop object.
    kTime,   // A point in time (what `timestamp` makes): Python's aware datetime in UTC.
  };

  Value() = default;  // Undefined.

  static Value Nil();
  static Value Bool(bool b);
  static Value Int(std::int64_t i);
  static Value Float(double d);
  // A string the Value owns.
  static Value String(std::string s);
  // A string the Value references: `s` must outlive every copy (the context or the parsed tree).
  static Value StringRef(absl::string_view s);
  // Any JSON value, referenced: `j` must outlive every copy. Numbers and booleans are read out.
  static Value Json(const nlohmann::json& j);
  // A list the Value owns.
  static Value Array(std::vector<Value> items);
  static Value Range(std::int64_t first, std::int64_t last);
  static Value Loop(std::shared_ptr<const LoopInfo> loop);
  static Value Time(absl::Time t);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  // Nil or undefined.
  bool is_nil() const { return kind_ == Kind::kUndefined || kind_ == Kind::kNil; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_range() const { return kind_ == Kind::kRange; }
  bool is_loop() const { return kind_ == Kind::kLoop; }
  bool is_time() const { return kind_ == Kind::kTime; }
  // Arrays and ranges: what `for` walks and Size/At index.
  bool is_sequence() const { return kind_ == Kind::kArray || kind_ == Kind::kRange; }

  // Text already safe for HTML (Django's SafeString): autoescaping leaves it alone.
  bool safe() const { return safe_; }
  Value MarkedSafe(bool safe = true) const {
    Value v = *this;
    v.safe_ = safe;
    return v;
  }

  // The payload; each is meaningful only for its kind (a wrong kind gives false, 0, "").
  bool bool_value() const { return kind_ == Kind::kBool && b_; }
  std::int64_t int_value() const { return kind_ == Kind::kInt ? i_ : 0; }
  // Ints widen; other kinds give 0.
  double number_value() const;
  absl::string_view string_value() const;
  absl::Time time_value() const { return t_; }

  // Arrays, ranges, objects: the element count. Strings: the byte count. Others: 0.
  std::size_t Size() const;
  // Arrays and ranges: the element at `index` (undefined past the end).
  Value At(std::size_t index) const;
  // Objects: the member named `key` (undefined when absent). Loops: the loop's fields. Others:
  // undefined.
  Value Get(absl::string_view key) const;
  // Objects: the member names in the document's order (JSON objects here are sorted by key).
  std::vector<std::string> Keys() const;
  // A sequence's elements as Values (ranges expanded; objects and others give none).
  std::vector<Value> Elements() const;

  // The referenced JSON, when this Value is one (nullptr for owned and scalar values).
  const nlohmann::json* referenced_json() const { return json_; }
  // This value as JSON (owned copy), for filters such as Django's json_script.
  nlohmann::json ToJson() const;

 private:
  Kind kind_ = Kind::kUndefined;
  bool safe_ = false;
  bool b_ = false;
  std::int64_t i_ = 0;   // kInt; kRange: first.
  std::int64_t i2_ = 0;  // kRange: last.
  double d_ = 0;
  absl::Time t_;
  absl::string_view sv_;  // kString, referenced or into owned_string_.
  std::shared_ptr<const std::string> owned_string_;
  const nlohmann::json* json_ = nullptr;  // kArray / kObject referenced.
  std::shared_ptr<const std::vector<Value>> owned_array_;
  std::shared_ptr<const LoopInfo> loop_;
};

// ------------------------------------------------------------------------------------------------
// What each dialect makes of values.

// How `{{ value }}` prints, before any escaping. Django prints as Python's str(): True, False,
// None, 1.5, 1e+16, ['a', 1] and {'k': 'v'}, times as 2022-03-29 22:41:42.580000+00:00; an
// undefined value prints "". Liquid prints as Ruby's
// to_s: nil prints "", true, 1.5, 1.0e+16, arrays print their elements one after another, objects
// as {"k"=>"v"}.
std::string Print(const Value& value, Syntax syntax);

// A float as the dialect writes it: Python's repr (1.0, 0.1, 1e+16, 1e-05) or Ruby's to_s (1.0,
// 0.1, 1.0e+16, 1.0e-05); inf and nan as each language spells them.
std::string PrintFloat(double d, Syntax syntax);

// Python's repr() of a string, as Django prints strings inside lists: 'it''s' quoting rules and
// escapes included.
std::string PythonRepr(absl::string_view s);

// Django: None, undefined, False, 0, 0.0, "", empty lists and objects are false. Liquid: only
// nil, undefined and false are.
bool Truthy(const Value& value, Syntax syntax);

// `==` as the dialect's host language has it. Django (Python): 1 == 1.0, True == 1, lists and
// objects compare by content, a string never equals a number. Liquid (Ruby): 1 == 1.0, true != 1.
bool Equal(const Value& a, const Value& b, Syntax syntax);

// Ordering: -1, 0 or 1, or nullopt when the two cannot be ordered (a string against a number, nil
// against anything): Django's `if` then holds false, Liquid raises an error. Numbers order
// numerically (bools are numbers in Django), strings by code point, Django's lists element-wise.
std::optional<int> Order(const Value& a, const Value& b, Syntax syntax);

// UTF-8: the bytes of code point `c` appended to `out`, and how many there are.
void AppendUtf8(char32_t c, std::string& out);
std::size_t Utf8Size(char32_t c);

// HTML escaping of text: Django's escape (& < > " ' as &amp; &lt; &gt; &quot; &#x27;) and Liquid's
// (the same, with &#39; for ').
std::string HtmlEscape(absl::string_view text, Syntax syntax);

// ------------------------------------------------------------------------------------------------
// Conversions filters share.

// The number a value holds or spells: ints and floats as they are, bools as 0/1 (Django only), a
// string that is a whole decimal number (optionally signed) as an int, one with a fraction or
// exponent as a float. nullopt otherwise.
std::optional<Value> ToNumber(const Value& value, Syntax syntax);

// The integer a value holds or spells (floats truncate toward zero); nullopt otherwise.
std::optional<std::int64_t> ToInt(const Value& value, Syntax syntax);

// A point in time a value names: a kTime, an RFC 3339 / ISO 8601 string (a date alone is midnight
// UTC), or for Liquid a number of seconds since the epoch, or "now"/"today". nullopt otherwise.
std::optional<absl::Time> ToTime(const Value& value, Syntax syntax, absl::Time now);

}  // namespace notify::tmpl

#endif  // NOTIFY_SERVER_CORE_TEMPLATE_VALUE_H_
