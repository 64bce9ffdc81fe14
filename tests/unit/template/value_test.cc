// What each dialect makes of values: printing, truth, equality, ordering, conversions. The rows
// come from Python 3 and Ruby 3.1 as Django and Liquid run on them.
#include "server/core/template/value.h"

#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace notify::tmpl {
namespace {

using json = nlohmann::json;

TEST(ValueTest, FloatsPrintAsPythonAndRubyDo) {
  struct Row {
    double d;
    const char* python;
    const char* ruby;
  };
  const Row rows[] = {
      {0.1, "0.1", "0.1"},
      {1.0, "1.0", "1.0"},
      {-0.0, "-0.0", "-0.0"},
      {1e16, "1e+16", "1.0e+16"},
      {1e15, "1000000000000000.0", "1.0e+15"},
      {1e14, "100000000000000.0", "100000000000000.0"},
      {1234567890123456.0, "1234567890123456.0", "1.234567890123456e+15"},
      {0.0001, "0.0001", "0.0001"},
      {1.5e-5, "1.5e-05", "1.5e-05"},
      {1e-7, "1e-07", "1.0e-07"},
      {1e300, "1e+300", "1.0e+300"},
      {0.30000000000000004, "0.30000000000000004", "0.30000000000000004"},
      {123456789.125, "123456789.125", "123456789.125"},
      {std::numeric_limits<double>::infinity(), "inf", "Infinity"},
      {-std::numeric_limits<double>::infinity(), "-inf", "-Infinity"},
      {std::numeric_limits<double>::quiet_NaN(), "nan", "NaN"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(PrintFloat(row.d, Syntax::kDjango), row.python) << row.python;
    EXPECT_EQ(PrintFloat(row.d, Syntax::kLiquid), row.ruby) << row.ruby;
  }
}

TEST(ValueTest, ValuesPrintAsEachLanguageDoes) {
  const json doc = json::parse(R"({"l":[1,"it's",null,true,2.5,{"k":"v"}],"o":{"a":[1]},
      "q":"say \"hi\" it's","e":[]})");
  struct Row {
    const char* key;
    const char* python;
    const char* ruby;
  };
  const Row rows[] = {
      {"l", "[1, \"it's\", None, True, 2.5, {'k': 'v'}]", "1it'strue2.5{\"k\"=>\"v\"}"},
      {"o", "{'a': [1]}", "{\"a\"=>[1]}"},
      {"q", "say \"hi\" it's", "say \"hi\" it's"},
      {"e", "[]", ""},
  };
  for (const Row& row : rows) {
    const Value v = Value::Json(doc[row.key]);
    EXPECT_EQ(Print(v, Syntax::kDjango), row.python) << row.key;
    EXPECT_EQ(Print(v, Syntax::kLiquid), row.ruby) << row.key;
  }
  EXPECT_EQ(Print(Value::Nil(), Syntax::kDjango), "None");
  EXPECT_EQ(Print(Value::Nil(), Syntax::kLiquid), "");
  EXPECT_EQ(Print(Value(), Syntax::kDjango), "");
  EXPECT_EQ(Print(Value::Bool(true), Syntax::kDjango), "True");
  EXPECT_EQ(Print(Value::Bool(false), Syntax::kLiquid), "false");
  EXPECT_EQ(Print(Value::Range(1, 4), Syntax::kLiquid), "1..4");
  const absl::Time t = absl::FromUnixMillis(1648593702580);
  EXPECT_EQ(Print(Value::Time(t), Syntax::kDjango), "2022-03-29 22:41:42.580000+00:00");
  EXPECT_EQ(Print(Value::Time(t), Syntax::kLiquid), "2022-03-29 22:41:42 UTC");
  EXPECT_EQ(Print(Value::Array({Value::Time(t)}), Syntax::kDjango),
            "[datetime.datetime(2022, 3, 29, 22, 41, 42, 580000, tzinfo=<UTC>)]");
}

TEST(ValueTest, PythonRepr) {
  const std::pair<const char*, const char*> rows[] = {
      {"plain", "'plain'"},
      {"it's", "\"it's\""},
      {"both ' and \"", "'both \\' and \"'"},
      {"tab\tnew\nline\\", "'tab\\tnew\\nline\\\\'"},
      {"\x01", "'\\x01'"},
      {"caf\xc3\xa9 \xe6\xbc\xa2", "'caf\xc3\xa9 \xe6\xbc\xa2'"},
      {"nb\xc2\xa0sp", "'nb\\xa0sp'"},
      {"zw\xe2\x80\x8bsp", "'zw\\u200bsp'"},
  };
  for (const auto& [in, want] : rows) EXPECT_EQ(PythonRepr(in), want) << in;
}

TEST(ValueTest, Truth) {
  const json doc = json::parse(R"([0, 0.0, "", [], {}, null, false, 1, "x", [0], {"a":0}, true])");
  // Django: Python's truth. Liquid: only nil and false are false.
  const bool python[] = {false, false, false, false, false, false,
                         false, true,  true,  true,  true,  true};
  const bool ruby[] = {true, true, true, true, true, false, false, true, true, true, true, true};
  for (std::size_t i = 0; i < doc.size(); ++i) {
    EXPECT_EQ(Truthy(Value::Json(doc[i]), Syntax::kDjango), python[i]) << doc[i];
    EXPECT_EQ(Truthy(Value::Json(doc[i]), Syntax::kLiquid), ruby[i]) << doc[i];
  }
  EXPECT_FALSE(Truthy(Value(), Syntax::kLiquid));
  EXPECT_FALSE(Truthy(Value::Range(3, 1), Syntax::kDjango));
}

TEST(ValueTest, EqualityAndOrder) {
  const Syntax kPy = Syntax::kDjango;
  const Syntax kRb = Syntax::kLiquid;
  EXPECT_TRUE(Equal(Value::Int(1), Value::Float(1.0), kPy));
  EXPECT_TRUE(Equal(Value::Int(1), Value::Float(1.0), kRb));
  EXPECT_TRUE(Equal(Value::Bool(true), Value::Int(1), kPy));   // Python's bools are ints.
  EXPECT_FALSE(Equal(Value::Bool(true), Value::Int(1), kRb));  // Ruby's are not.
  EXPECT_FALSE(Equal(Value::String("1"), Value::Int(1), kPy));
  EXPECT_TRUE(Equal(Value::Nil(), Value(), kPy));
  const json doc = json::parse(R"({"a":[1,"x"],"b":[1.0,"x"],"c":{"k":1},"d":{"k":1.0}})");
  EXPECT_TRUE(Equal(Value::Json(doc["a"]), Value::Json(doc["b"]), kPy));
  EXPECT_TRUE(Equal(Value::Json(doc["c"]), Value::Json(doc["d"]), kRb));
  EXPECT_TRUE(Equal(Value::Json(doc["a"]), Value::Array({Value::Int(1), Value::String("x")}), kPy));

  EXPECT_EQ(Order(Value::Int(1), Value::Float(1.5), kPy), -1);
  EXPECT_EQ(Order(Value::String("b"), Value::String("a"), kRb), 1);
  EXPECT_EQ(Order(Value::Bool(true), Value::Int(0), kPy), 1);
  EXPECT_EQ(Order(Value::Bool(true), Value::Int(0), kRb), std::nullopt);
  EXPECT_EQ(Order(Value::String("1"), Value::Int(1), kPy), std::nullopt);
  EXPECT_EQ(Order(Value::Nil(), Value::Int(1), kPy), std::nullopt);
  EXPECT_EQ(Order(Value::Json(doc["a"]), Value::Array({Value::Int(2)}), kPy), -1);
  EXPECT_EQ(Order(Value::Json(doc["a"]), Value::Array({Value::Int(2)}), kRb), std::nullopt);
}

TEST(ValueTest, Conversions) {
  EXPECT_EQ(ToNumber(Value::String(" 42 "), Syntax::kDjango)->int_value(), 42);
  EXPECT_EQ(ToNumber(Value::String("-1.5e2"), Syntax::kDjango)->number_value(), -150.0);
  EXPECT_FALSE(ToNumber(Value::String("0x10"), Syntax::kDjango).has_value());
  EXPECT_FALSE(ToNumber(Value::String("nan"), Syntax::kDjango).has_value());
  EXPECT_FALSE(ToNumber(Value::String(""), Syntax::kDjango).has_value());
  EXPECT_EQ(ToNumber(Value::Bool(true), Syntax::kDjango)->int_value(), 1);
  EXPECT_FALSE(ToNumber(Value::Bool(true), Syntax::kLiquid).has_value());
  EXPECT_EQ(ToInt(Value::Float(-2.9), Syntax::kDjango), -2);
  EXPECT_EQ(ToInt(Value::Float(1e300), Syntax::kDjango), std::nullopt);

  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  const absl::Time t = absl::FromUnixMillis(1648593702580);
  EXPECT_EQ(ToTime(Value::String("2022-03-29T22:41:42.580Z"), Syntax::kDjango, now), t);
  EXPECT_EQ(ToTime(Value::String("2022-03-30T00:41:42.580+02:00"), Syntax::kDjango, now), t);
  EXPECT_EQ(ToTime(Value::String("2022-03-29"), Syntax::kDjango, now),
            absl::FromUnixSeconds(1648512000));
  EXPECT_EQ(ToTime(Value::Int(1648593702), Syntax::kLiquid, now),
            absl::FromUnixSeconds(1648593702));
  EXPECT_EQ(ToTime(Value::Int(1648593702), Syntax::kDjango, now), std::nullopt);
  EXPECT_EQ(ToTime(Value::String("now"), Syntax::kLiquid, now), now);
  EXPECT_EQ(ToTime(Value::String("March 29"), Syntax::kLiquid, now), std::nullopt);
}

TEST(ValueTest, LookupsReferenceTheDocument) {
  const json doc = json::parse(R"({"items":[{"name":"a"}],"s":"text"})");
  const Value items = Value::Json(doc["items"]);
  EXPECT_EQ(items.referenced_json(), &doc["items"]);
  EXPECT_EQ(items.At(0).Get("name").string_value().data(),
            doc["items"][0]["name"].get_ref<const std::string&>().data());
  EXPECT_TRUE(items.At(1).is_undefined());
  EXPECT_TRUE(Value::Json(doc).Get("missing").is_undefined());
  EXPECT_EQ(Value::Range(2, 5).Size(), 4u);
  EXPECT_EQ(Value::Range(2, 5).At(3).int_value(), 5);
  EXPECT_EQ(Value::Range(5, 2).Size(), 0u);
}

TEST(ValueTest, LoopFields) {
  auto outer = std::make_shared<LoopInfo>();
  outer->syntax = Syntax::kDjango;
  outer->index0 = 1;
  outer->length = 3;
  auto inner = std::make_shared<LoopInfo>(*outer);
  inner->index0 = 0;
  inner->parent = outer;
  const Value loop = Value::Loop(inner);
  EXPECT_EQ(loop.Get("counter").int_value(), 1);
  EXPECT_EQ(loop.Get("revcounter0").int_value(), 2);
  EXPECT_TRUE(loop.Get("first").bool_value());
  EXPECT_EQ(loop.Get("parentloop").Get("counter").int_value(), 2);
  EXPECT_TRUE(loop.Get("index").is_undefined()) << "a Liquid name in a Django loop";
  EXPECT_EQ(Print(Value::Loop(outer).Get("parentloop"), Syntax::kDjango), "{}");

  auto row = std::make_shared<LoopInfo>();
  row->syntax = Syntax::kLiquid;
  row->index0 = 4;
  row->length = 6;
  row->cols = 3;
  const Value cell = Value::Loop(row);
  EXPECT_EQ(cell.Get("col").int_value(), 2);
  EXPECT_EQ(cell.Get("row").int_value(), 2);
  EXPECT_FALSE(cell.Get("col_last").bool_value());
  EXPECT_EQ(Print(cell, Syntax::kLiquid), "Liquid::TablerowloopDrop");
}

}  // namespace
}  // namespace notify::tmpl
