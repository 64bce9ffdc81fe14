#include "server/core/expression.h"

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

bool Eval(const std::string& expression) {
  absl::StatusOr<bool> result = EvaluateExpression(expression, Context());
  EXPECT_TRUE(result.ok()) << expression << ": " << result.status();
  return result.value_or(false);
}

absl::Status Error(const std::string& expression) {
  return EvaluateExpression(expression, Context()).status();
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
  EXPECT_TRUE(Eval("{{ missing }}"));
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

TEST(ExpressionTest, NumbersAndStringsCompareAsTextForEquality) {
  EXPECT_TRUE(Eval("{{ amount }} == '10000'"));
  EXPECT_FALSE(Eval("10 == '10.0'"));
  EXPECT_TRUE(Eval("10 != 'ten'"));
}

TEST(ExpressionTest, OrderingANumberAndAStringIsAnError) {
  const absl::Status status = Error("{{ amount }} < 'x'");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("column 7: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("compares two numbers or two strings"));
}

TEST(ExpressionTest, In) {
  EXPECT_TRUE(Eval("'Comp' in '{{ status }}'"));
  EXPECT_FALSE(Eval("'Fail' in '{{ status }}'"));
  EXPECT_TRUE(Eval("'Fail' not in '{{ status }}'"));
  EXPECT_TRUE(Eval("'b' in {{ tags }}"));
  EXPECT_FALSE(Eval("'c' in {{ tags }}"));
  EXPECT_TRUE(Eval("2 in [1, 2, 3]"));
  EXPECT_TRUE(Eval("100 in '1000'"));
  EXPECT_EQ(Error("'a' in 5").code(), absl::StatusCode::kInvalidArgument);
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
  EXPECT_THAT(std::string(status.message()), StartsWith("column 8: expected a value"));

  status = Error("'{{ status }}' = 'x'");
  EXPECT_THAT(std::string(status.message()),
              StartsWith("column 12: unexpected text after the expression"));

  status = Error("('a' == 'a'");
  EXPECT_THAT(std::string(status.message()), StartsWith("column 12: expected ')'"));

  status = Error("'unterminated");
  EXPECT_THAT(std::string(status.message()), StartsWith("column 1: unterminated string"));

  status = Error("status == 'x'");
  EXPECT_THAT(std::string(status.message()), StartsWith("column 1: unexpected 'status'"));

  status = Error("1.2.3 > 1");
  EXPECT_THAT(std::string(status.message()), StartsWith("column 1: bad number"));
}

TEST(ExpressionTest, TemplateErrorsPassThrough) {
  const absl::Status status = Error("{{ status ");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("line 1, column 1: unclosed '{{'"));
}

TEST(ExpressionTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(10000, '(');
  EXPECT_EQ(Error(deep + "1").code(), absl::StatusCode::kInvalidArgument);
  std::string nots;
  for (int i = 0; i < 10000; ++i) nots += "not ";
  EXPECT_TRUE(Eval(nots + "true"));
}

TEST(ExpressionTest, UsesTemplateTags) {
  EXPECT_TRUE(Eval("{% if amount > 5 %}true{% else %}false{% endif %}"));
  EXPECT_TRUE(Eval("'{{ status | lower }}' == 'complete'"));
}

}  // namespace
}  // namespace notify
