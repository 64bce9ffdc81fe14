#include "server/core/template/expression.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace notify {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using json = nlohmann::json;

json Context() {
  return json::parse(R"({"user":{"first_name":"Keiko"},"amount":10000,
      "currency":{"code":"EUR","divisibility":2},"created":1648593702580,"status":"Complete",
      "tx_type":"credit","original_transaction":{"status":"Pending"},"tags":["a","b"]})");
}

absl::StatusOr<bool> Evaluate(const std::string& expression, const json& context,
                              TemplateSyntax syntax = TemplateSyntax::kDjango) {
  absl::StatusOr<Expression> parsed = Expression::Parse(expression, syntax);
  if (!parsed.ok()) return parsed.status();
  return parsed->Evaluate(context);
}

bool Eval(const std::string& expression) {
  absl::StatusOr<bool> result = Evaluate(expression, Context());
  EXPECT_TRUE(result.ok()) << expression << ": " << result.status();
  return result.value_or(false);
}

absl::Status Error(const std::string& expression) {
  return Evaluate(expression, Context()).status();
}

TEST(ExpressionTest, PlatformExamples) {
  EXPECT_TRUE(Eval("'{{ status }}' == 'Complete' and '{{ tx_type }}' == 'credit'"));
  EXPECT_TRUE(Eval("'{{ status }}' != '{{ original_transaction.status }}'"));
  EXPECT_FALSE(Eval("{{ amount }} >= 100000"));
  EXPECT_TRUE(Eval("not ('{{ status }}' == 'Failed')"));
  EXPECT_TRUE(Eval("'Comp' in '{{ status }}'"));
}

TEST(ExpressionTest, EmptyIsTrue) {
  EXPECT_TRUE(Eval(""));
  EXPECT_TRUE(Eval("  \n\t "));
  EXPECT_FALSE(Eval("{{ missing }}"));  // None is false.
}

TEST(ExpressionTest, Literals) {
  EXPECT_TRUE(Eval("true"));
  EXPECT_FALSE(Eval("false"));
  EXPECT_TRUE(Eval("\"double\" == 'double'"));
  EXPECT_FALSE(Eval("''"));
  EXPECT_TRUE(Eval("'x'"));
  EXPECT_FALSE(Eval("0"));
  EXPECT_TRUE(Eval("-1.5 < 2e3"));
}

TEST(ExpressionTest, Comparisons) {
  EXPECT_TRUE(Eval("1 == 1.0"));
  EXPECT_TRUE(Eval("1 != 2"));
  EXPECT_TRUE(Eval("2 < 10"));
  EXPECT_TRUE(Eval("2 <= 2"));
  EXPECT_TRUE(Eval("10 > 9.5"));
  EXPECT_FALSE(Eval("{{ amount }} >= 10001"));
  EXPECT_TRUE(Eval("'abc' < 'abd'"));
  EXPECT_TRUE(Eval("'b' >= 'a'"));
}

TEST(ExpressionTest, GreaterOrEqualHoldsForEqualValues) {
  EXPECT_TRUE(Eval("2 >= 2"));
  EXPECT_TRUE(Eval("2.0 >= 2"));
  EXPECT_TRUE(Eval("'a' >= 'a'"));
  EXPECT_TRUE(Eval("{{ amount }} >= 10000"));
  EXPECT_FALSE(Eval("1 >= 2"));
  EXPECT_TRUE(Eval("2 <= 2.0"));
  EXPECT_FALSE(Eval("2 < 2"));
  EXPECT_FALSE(Eval("2 > 2"));
}

TEST(ExpressionTest, ValuesKeepTheirTypes) {
  // A bare {{ }} is the value itself; a quoted one is its text. Python's == never equates a
  // number with a string.
  EXPECT_FALSE(Eval("{{ amount }} == '10000'"));
  EXPECT_TRUE(Eval("'{{ amount }}' == '10000'"));
  EXPECT_TRUE(Eval("{{ amount }} == 10000"));
  EXPECT_FALSE(Eval("10 == '10'"));
  EXPECT_TRUE(Eval("10 != 'ten'"));
  EXPECT_TRUE(Eval("{{ currency.divisibility }} == 2.0"));
}

TEST(ExpressionTest, OrderingANumberAndAStringIsFalse) {
  // As in Django's if tag: Python cannot order them, so the comparison does not hold.
  EXPECT_FALSE(Eval("{{ amount }} < 'x'"));
  EXPECT_FALSE(Eval("{{ amount }} >= 'x'"));
}

TEST(ExpressionTest, ValuesAreNeverReadAsSyntax) {
  const json context = json::parse(R"({"name":"x' == 'x","other":"O'Brien","op":"1 or 1"})");
  EXPECT_EQ(Evaluate("'{{ name }}' == 'y'", context).value(), false);
  EXPECT_EQ(Evaluate("'{{ other }}' == \"O'Brien\"", context).value(), true);
  EXPECT_EQ(Evaluate("'{{ other }}' != ''", context).value(), true);
  EXPECT_EQ(Evaluate("{{ op }} == 1", context).value(), false);
  EXPECT_EQ(Evaluate("'Mr {{ other }}' == \"Mr O'Brien\"", context).value(), true);
}

TEST(ExpressionTest, LiquidDialect) {
  // Liquid's truth: 0 and "" are true; filters in Liquid's spelling.
  EXPECT_EQ(Evaluate("{{ amount | minus: 10000 }}", Context(), TemplateSyntax::kLiquid).value(),
            true);
  EXPECT_EQ(Evaluate("'{{ status | downcase }}' == 'complete'", Context(), TemplateSyntax::kLiquid)
                .value(),
            true);
  EXPECT_EQ(Evaluate("{{ tags }} contains 'b'", Context(), TemplateSyntax::kLiquid).value(), true);
}

TEST(ExpressionTest, In) {
  EXPECT_TRUE(Eval("'Comp' in '{{ status }}'"));
  EXPECT_FALSE(Eval("'Fail' in '{{ status }}'"));
  EXPECT_TRUE(Eval("'Fail' not in '{{ status }}'"));
  EXPECT_TRUE(Eval("'b' in {{ tags }}"));
  EXPECT_FALSE(Eval("'c' in {{ tags }}"));
  EXPECT_TRUE(Eval("2 in [1, 2, 3]"));
  EXPECT_TRUE(Eval("'100' in '1000'"));
  // Python cannot look for a number in a string, nor in a number: not in either.
  EXPECT_FALSE(Eval("100 in '1000'"));
  EXPECT_FALSE(Eval("'a' in 5"));
}

TEST(ExpressionTest, BooleanOperatorsAndPrecedence) {
  EXPECT_TRUE(Eval("true or false and false"));
  EXPECT_FALSE(Eval("(true or false) and false"));
  EXPECT_TRUE(Eval("not false"));
  EXPECT_FALSE(Eval("not not false"));
  EXPECT_TRUE(Eval("not 1 == 2"));
  EXPECT_TRUE(Eval("((('{{ tx_type }}' == 'credit')))"));
}

TEST(ExpressionTest, WordsNeedBoundaries) {
  EXPECT_EQ(Error("trueish").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Eval("'notable' == 'notable'"));
}

TEST(ExpressionTest, ParseErrorsSayWhere) {
  absl::Status status = Error("'a' == ");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("line 1, column 8: expected a value"));

  status = Error("'{{ status }}' = 'x'");
  EXPECT_THAT(std::string(status.message()),
              StartsWith("line 1, column 16: unexpected text after the expression"));

  status = Error("('a' == 'a'");
  EXPECT_THAT(std::string(status.message()), StartsWith("line 1, column 12: expected ')'"));

  status = Error("'unterminated");
  EXPECT_THAT(std::string(status.message()), StartsWith("line 1, column 1: unterminated string"));

  status = Error("status == 'x'");
  EXPECT_THAT(std::string(status.message()), StartsWith("line 1, column 1: unexpected 'status'"));

  status = Error("1.2.3 > 1");
  EXPECT_THAT(std::string(status.message()), StartsWith("line 1, column 1: bad number"));
}

TEST(ExpressionTest, TemplateErrorsSayWhere) {
  absl::Status status = Error("{{ status ");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("line 1, column 1: '{{' is never closed"));
  status = Error("'{{ status|nosuchfilter }}' == 'x'");
  EXPECT_THAT(std::string(status.message()), HasSubstr("unknown filter 'nosuchfilter'"));
  status = Error("{{ status|nosuchfilter }} == 'x'");
  EXPECT_THAT(std::string(status.message()), StartsWith("line 1, column 11: unknown filter"));
}

TEST(ExpressionTest, LongChainsAreRefused) {
  std::string chain = "true";
  for (int i = 0; i < 300; ++i) chain += " and true";
  EXPECT_THAT(std::string(Error(chain).message()),
              HasSubstr("a condition may join at most 256 operators"));
}

TEST(ExpressionTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(10000, '(');
  EXPECT_EQ(Error(deep + "1").code(), absl::StatusCode::kInvalidArgument);
  std::string nots;
  for (int i = 0; i < 10000; ++i) nots += "not ";
  EXPECT_TRUE(Eval(nots + "true"));
}

TEST(ExpressionTest, FiltersWorkTagsDoNot) {
  EXPECT_TRUE(Eval("'{{ status | lower }}' == 'complete'"));
  EXPECT_TRUE(Eval("{{ amount|add:1 }} == 10001"));
  EXPECT_THAT(std::string(Error("{% if amount > 5 %}true{% endif %}").message()),
              HasSubstr("tags ({% %}) have no place in an expression"));
  EXPECT_THAT(std::string(Error("'{% if x %}y{% endif %}' == 'y'").message()),
              HasSubstr("tags ({% %}) have no place in an expression"));
}

}  // namespace
}  // namespace notify
