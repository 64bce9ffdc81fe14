// The engine as the server uses it: both dialects, errors and where they point, the choices where
// we differ from the real engines, and the budget. Exactness against real Django and real Liquid
// is tests/templates/ (the conformance corpus); these cover what it cannot.
#include "server/core/template/template.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/common/clock.h"

namespace notify {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using json = nlohmann::json;

constexpr TemplateSyntax kDjango = TemplateSyntax::kDjango;
constexpr TemplateSyntax kLiquid = TemplateSyntax::kLiquid;

// The rendered text, or "ERROR <code>: <message>".
std::string Render(TemplateSyntax syntax, const std::string& text, const json& context = {},
                   const RenderOptions& options = {}) {
  absl::StatusOr<Template> parsed = Template::Parse(text, syntax);
  if (!parsed.ok()) return absl::StrCat("ERROR ", parsed.status().ToString());
  absl::StatusOr<std::string> rendered = parsed->Render(context, options);
  if (!rendered.ok()) return absl::StrCat("ERROR ", rendered.status().ToString());
  return *rendered;
}

RenderOptions Html() {
  RenderOptions options;
  options.html_escape = true;
  return options;
}

struct Case {
  const char* name;
  TemplateSyntax syntax;
  const char* text;
  const char* context;
  bool html;
  const char* want;  // Exact output, or a substring of the error when it starts with "ERROR".
};

class TemplateCases : public ::testing::TestWithParam<Case> {};

TEST_P(TemplateCases, Renders) {
  const Case& c = GetParam();
  const std::string got =
      Render(c.syntax, c.text, json::parse(c.context), c.html ? Html() : RenderOptions{});
  const std::string want = c.want;
  if (want.rfind("ERROR", 0) == 0) {
    EXPECT_THAT(got, HasSubstr(want.substr(6))) << c.text;
    EXPECT_THAT(got, StartsWith("ERROR")) << c.text;
  } else {
    EXPECT_EQ(got, want) << c.text;
  }
}

const Case kCases[] = {
    // The platform's own example, in both dialects.
    {"PlatformExampleDjango", kDjango,
     "Hi {{ user.first_name|default:\"there\" }}, you received "
     "{{ amount|money:currency.divisibility }} {{ currency.code }} on "
     "{{ created|timestamp|date:\"D d M Y\" }}. {% if status == \"Complete\" %}Done.{% else %}"
     "It is {{ status|lower }}.{% endif %}",
     R"({"user":{"first_name":"Keiko"},"amount":10000,"currency":{"code":"EUR","divisibility":2},
        "created":1648593702580,"status":"Complete"})",
     false, "Hi Keiko, you received 100.00 EUR on Tue 29 Mar 2022. Done."},
    {"PlatformExampleLiquid", kLiquid,
     "Hi {{ user.first_name | default: \"there\" }}, you received "
     "{{ amount | money: currency.divisibility }} {{ currency.code }} on "
     "{{ created | timestamp | date: \"%a %d %b %Y\" }}. {% if status == \"Complete\" %}Done."
     "{% else %}It is {{ status | downcase }}.{% endif %}",
     R"({"amount":5,"currency":{"code":"EUR","divisibility":2},"created":1648593702580,
        "status":"Pending"})",
     false, "Hi there, you received 0.05 EUR on Tue 29 Mar 2022. It is pending."},
    // What each dialect prints.
    {"DjangoPrintsPython", kDjango, "{{ t }} {{ f }} {{ n }} {{ l }} {{ x }}|",
     R"({"t":true,"f":false,"n":null,"l":[1,"a",null]})", false,
     "True False None [1, 'a', None] |"},
    {"LiquidPrintsRuby", kLiquid, "{{ t }} {{ f }} {{ n }} {{ l }} {{ x }}|",
     R"({"t":true,"f":false,"n":null,"l":[1,"a",null]})", false, "true false  1a |"},
    {"DjangoTruth", kDjango, "{% if z %}z{% endif %}{% if e %}e{% endif %}{% if o %}o{% endif %}",
     R"({"z":0,"e":"","o":1})", false, "o"},
    {"LiquidTruth", kLiquid, "{% if z %}z{% endif %}{% if e %}e{% endif %}{% if n %}n{% endif %}",
     R"({"z":0,"e":"","n":null})", false, "ze"},
    // Escaping.
    {"DjangoTextPartsAreNotEscaped", kDjango, "{{ v }}", R"({"v":"<b>"})", false, "<b>"},
    {"LiquidCaptureInHtmlIsNotEscapedTwice", kLiquid,
     "{% capture c %}<p>{{ v }}</p>{% endcapture %}{{ c }}", R"({"v":"&"})", true, "<p>&amp;</p>"},
    // Errors say where and what.
    {"UnknownFilter", kDjango, "a\n  {{ x|nope }}", "{}", false,
     "ERROR line 2, column 8: unknown filter 'nope'"},
    {"UnknownLiquidFilter", kLiquid, "{{ x | nope }}", "{}", false,
     "ERROR line 1, column 8: unknown filter 'nope'"},
    {"UnknownTag", kDjango, "{% frobnicate %}", "{}", false, "ERROR unknown tag 'frobnicate'"},
    {"UnclosedBlock", kDjango, "x\n{% if a %}", "{}", false,
     "ERROR line 2, column 1: 'if' is never closed with 'endif'"},
    {"WrongEnd", kLiquid, "{% if a %}{% endfor %}", "{}", false,
     "ERROR line 1, column 14: unexpected 'endfor', expected 'endif'"},
    {"UnclosedLiquidOutput", kLiquid, "{{ a ", "{}", false, "ERROR is never closed with '}}'"},
    {"DjangoUnclosedOutputIsText", kDjango, "{{ a ", "{}", false, "{{ a "},
    {"RefusedInclude", kDjango, "{% include \"x.html\" %}", "{}", false,
     "ERROR 'include' needs template files"},
    {"RefusedLoad", kDjango, "{% load humanize %}", "{}", false,
     "ERROR 'load' needs tag libraries"},
    {"RefusedTrans", kDjango, "{% trans \"hi\" %}", "{}", false,
     "ERROR 'trans' needs translations"},
    {"RenderWithoutPartials", kLiquid, "{% render 'x' %}", "{}", false,
     "ERROR line 1, column 1: 'render' names 'x', and no layout"},
    {"RenderNeedsAQuotedName", kLiquid, "{% render x %}", "{}", false,
     "ERROR 'render' needs the layout's name as a quoted string"},
    {"RenderRefusesWhatItDoesNotKnow", kLiquid, "{% render 'x' junk %}", "{}", false,
     "ERROR line 1, column 15: 'junk' needs ': value'"},
    {"FilterErrorSaysWhere", kLiquid, "ok {{ 1 | divided_by: 0 }}", "{}", false,
     "ERROR line 1, column 11: divided_by"},
    {"DjangoMissingFilterArgument", kDjango, "{{ 1|add:missing }}", "{}", false,
     "ERROR its argument names no variable"},
    {"DeepNestingIsAnError", kDjango,
     "{% if a %}{% if a %}{% if a %}{% if a %}{% if a %}{% if a %}{% if a %}{% if a %}"
     "{% endif %}{% endif %}{% endif %}{% endif %}{% endif %}{% endif %}{% endif %}{% endif %}",
     R"({"a":true})", false, ""},
};

INSTANTIATE_TEST_SUITE_P(Engine, TemplateCases, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

TEST(TemplateTest, LoopFields) {
  const json context = json::parse(R"({"l":[1,2]})");
  EXPECT_EQ(Render(kDjango,
                   "{% for x in l %}{{ forloop.counter }}{{ forloop.counter0 }}"
                   "{{ forloop.revcounter }}{% if forloop.first %}F{% endif %}"
                   "{% if forloop.last %}L{% endif %}"
                   "{% for y in l %}{{ forloop.parentloop.counter }}{% endfor %};{% endfor %}",
                   context),
            "102F11;211L22;");
  EXPECT_EQ(Render(kLiquid,
                   "{% for x in l %}{{ forloop.index }}{{ forloop.rindex0 }}{{ forloop.length }}"
                   "{% if forloop.first %}F{% endif %}{% if forloop.last %}L{% endif %};"
                   "{% endfor %}",
                   context),
            "112F;202L;");
}

TEST(TemplateTest, HtmlEscaping) {
  const json context = json::parse(R"({"v":"<b>'&","n":"a\n<i>"})");
  EXPECT_EQ(Render(kDjango, "{{ v }}{{ v|safe }}", context, Html()), "&lt;b&gt;&#x27;&amp;<b>'&");
  // Liquid's escaping filters make text that is not escaped again; newline_to_br escapes first.
  EXPECT_EQ(Render(kLiquid, "{{ v }}|{{ v | escape }}|{{ n | newline_to_br }}", context, Html()),
            "&lt;b&gt;&#39;&amp;|&lt;b&gt;&#39;&amp;|a<br />\n&lt;i&gt;");
}

TEST(TemplateTest, NestingPastTheParserLimitIsAnError) {
  std::string deep;
  for (int i = 0; i < 61; ++i) deep += "{% if a %}";
  EXPECT_THAT(Render(kDjango, deep), HasSubstr("nested more than 60 deep"));
}

TEST(TemplateTest, WhatParsesRendersWithTheDefaultLimits) {
  std::string deep;
  for (int i = 0; i < 60; ++i) deep += "{% if a %}";
  deep += "x";
  for (int i = 0; i < 60; ++i) deep += "{% endif %}";
  EXPECT_EQ(Render(kDjango, deep, json::parse(R"({"a":true})")), "x");
}

// Found by the expression fuzzer: brackets and ranges nested thousands deep took the Liquid
// parser's stack. Past 64 levels they are a parse error; 64 still parse and render.
TEST(TemplateTest, DeeplyNestedLiquidExpressionsAreRefused) {
  auto nested = [](int levels) {
    std::string expr = "a";
    for (int i = 0; i < levels; ++i) expr = "a[" + expr + "]";
    return expr;
  };
  EXPECT_THAT(Render(kLiquid, "{{ " + nested(20000) + " }}"),  // Just under 64 KB.
              HasSubstr("an expression may nest at most 64 levels deep"));
  std::string ranges = "1";
  for (int i = 0; i < 5000; ++i) ranges = "(" + ranges + "..2)";
  EXPECT_THAT(Render(kLiquid, "{% for i in " + ranges + " %}{% endfor %}"),
              HasSubstr("an expression may nest at most 64 levels deep"));
  EXPECT_THAT(Render(kLiquid, "{% if " + nested(100) + " %}y{% endif %}"),
              HasSubstr("an expression may nest at most 64 levels deep"));
  EXPECT_EQ(Render(kLiquid, "{{ " + nested(63) + " }}", json::parse(R"({"a":{"a":"x"}})")), "");
}

// Found by the template fuzzer: a counter the context starts at the least 64-bit integer wrapped
// on decrement (undefined behaviour). It fails the render instead, at either end.
TEST(TemplateTest, LiquidCountersStopAt64Bits) {
  const json context = json::parse(R"({"low": -9223372036854775808, "high": 9223372036854775807})");
  EXPECT_THAT(Render(kLiquid, "{% decrement low %}", context),
              HasSubstr("the counter 'low' would pass 64 bits"));
  EXPECT_THAT(Render(kLiquid, "{% increment high %}", context),
              HasSubstr("the counter 'high' would pass 64 bits"));
  EXPECT_EQ(Render(kLiquid, "{% increment low %}{% decrement high %}", context),
            "-92233720368547758089223372036854775806");
}

TEST(TemplateTest, LongConditionsAreRefused) {
  // A long chain would be evaluated by recursion as deep as it is long.
  std::string chain = "a";
  for (int i = 0; i < 300; ++i) chain += " and a";
  EXPECT_THAT(Render(kDjango, "{% if " + chain + " %}y{% endif %}"),
              HasSubstr("a condition may join at most 256 operators"));
  EXPECT_THAT(Render(kLiquid, "{% if " + chain + " %}y{% endif %}"),
              HasSubstr("a condition may join at most 256 operators"));
  // Comparisons count as operators too: 150 of them joined by 149 `and`s are 299.
  std::string compared = "a == 1";
  for (int i = 0; i < 149; ++i) compared += " and a == 1";
  for (const auto syntax : {kDjango, kLiquid}) {
    EXPECT_THAT(Render(syntax, "{% if " + compared + " %}y{% endif %}"),
                HasSubstr("a condition may join at most 256 operators"));
  }
  std::string fine = "a";
  for (int i = 0; i < 200; ++i) fine += " and a";
  EXPECT_EQ(Render(kLiquid, "{% if " + fine + " %}y{% endif %}", json::parse(R"({"a":1})")), "y");
}

TEST(TemplateTest, RenderDepthIsBounded) {
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "{% if a %}";
  deep += "x";
  for (int i = 0; i < 20; ++i) deep += "{% endif %}";
  RenderOptions options;
  options.limits.max_depth = 10;
  EXPECT_THAT(Render(kDjango, deep, json::parse(R"({"a":true})"), options),
              HasSubstr("RESOURCE_EXHAUSTED: template blocks nested more than 10 deep"));
}

// Partials from a map, parsed in the syntax each is given with; counts what it is asked.
class MapPartials final : public PartialSource {
 public:
  void Add(const std::string& name, const std::string& text, TemplateSyntax syntax = kLiquid) {
    partials_[name] = {text, syntax};
  }
  absl::StatusOr<Template> Find(absl::string_view name) const override {
    ++finds;
    auto it = partials_.find(std::string(name));
    if (it == partials_.end()) return absl::NotFoundError("none");
    return Template::Parse(it->second.first, it->second.second);
  }
  mutable int finds = 0;

 private:
  std::map<std::string, std::pair<std::string, TemplateSyntax>> partials_;
};

TEST(TemplateTest, PartialsRenderInTheCallersBudgetAndDepth) {
  MapPartials partials;
  partials.Add("item", "{% for i in (1..10) %}.{% endfor %}");
  partials.Add("self", "{% render 'self' %}");
  RenderOptions options;
  options.partials = &partials;
  EXPECT_EQ(Render(kLiquid, "{% render 'item' for (1..3) %}", {}, options), std::string(30, '.'));
  options.limits.max_steps = 200;
  EXPECT_THAT(Render(kLiquid, "{% render 'item' for (1..100) %}", {}, options),
              HasSubstr("RESOURCE_EXHAUSTED: template ran past its budget of 200 steps"));
  options.limits = {};
  options.limits.max_depth = 10;
  EXPECT_THAT(Render(kLiquid, "{% render 'self' %}", {}, options),
              HasSubstr("RESOURCE_EXHAUSTED: template blocks nested more than 10 deep"));
}

TEST(TemplateTest, PartialsThatCannotBeShownSaySo) {
  MapPartials partials;
  partials.Add("django", "{{ x|upper }}", kDjango);
  partials.Add("broken", "{% if %}");
  partials.Add("include", "{% include 'django' %}");
  RenderOptions options;
  options.partials = &partials;
  EXPECT_THAT(
      Render(kLiquid, "{% render 'django' %}", {}, options),
      HasSubstr("layout 'django' is written in Django; 'render' shows Liquid layouts only"));
  EXPECT_THAT(Render(kLiquid, "{% include 'broken' %}", {}, options),
              HasSubstr("INVALID_ARGUMENT: line 1, column 1: layout 'broken': line 1, column"));
  EXPECT_THAT(Render(kLiquid, "{% render 'include' %}", {}, options),
              HasSubstr("'include' is not allowed inside a template that 'render' shows"));
  EXPECT_THAT(Render(kLiquid, "{% include n %}", {{"n", 1}}, options),
              HasSubstr("'include' needs the name of a layout"));
}

TEST(TemplateTest, TemplatesHaveASizeLimit) {
  const std::string big(kMaxTemplateBytes + 1, 'x');
  EXPECT_THAT(Render(kDjango, big), HasSubstr("at most 65536 are allowed"));
  EXPECT_EQ(Render(kDjango, std::string(kMaxTemplateBytes, 'x')).size(), kMaxTemplateBytes);
}

TEST(TemplateTest, StepsAreBudgeted) {
  RenderOptions options;
  options.limits.max_steps = 1000;
  // A loop of 5000 iterations runs out of a thousand steps long before it ends.
  EXPECT_THAT(Render(kLiquid, "{% for i in (1..5000) %}{{ i }}{% endfor %}", {}, options),
              HasSubstr("RESOURCE_EXHAUSTED: template ran past its budget of 1000 steps"));
}

TEST(TemplateTest, BytesAreBudgeted) {
  RenderOptions options;
  options.limits.max_bytes = 600;
  const json context = {{"s", std::string(600, 'x')}};
  EXPECT_EQ(Render(kLiquid, "{{ s }}", context, options).size(), 600u);
  EXPECT_THAT(Render(kLiquid, "{{ s }}x", context, options),
              HasSubstr("RESOURCE_EXHAUSTED: template ran past its budget of 600 bytes"));
}

TEST(TemplateTest, ListElementsAreBudgeted) {
  RenderOptions options;
  options.limits.max_elements = 100;
  std::string s;
  for (int i = 0; i < 1000; ++i) s += "a,";
  const json context = {{"s", s}};
  EXPECT_THAT(
      Render(kLiquid, "{% assign parts = s | split: ',' %}{{ parts.size }}", context, options),
      HasSubstr("RESOURCE_EXHAUSTED"));
}

// A clock that moves on by a second each time it is read.
class SteppingClock final : public Clock {
 public:
  absl::Time Now() const override { return now_ += absl::Seconds(1); }
  void SleepFor(absl::Duration d) const override { now_ += d; }

 private:
  mutable absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
};

TEST(TemplateTest, TheDeadlineStopsARender) {
  // The budget reads the clock once at the start and every 1024 steps: the first check is late.
  SteppingClock clock;
  RenderOptions options;
  options.clock = &clock;
  options.limits.max_time = absl::Milliseconds(500);
  EXPECT_THAT(Render(kLiquid, "{% for i in (1..100000) %}{% endfor %}", {}, options),
              HasSubstr("RESOURCE_EXHAUSTED: template ran past its budget of 500ms"));
}

TEST(TemplateTest, LookupsReferenceTheContext) {
  // A loop over a large list with the list printed inside it would copy gigabytes if lookups
  // copied; referenced, it only costs output bytes.
  json context = {{"items", json::array()}};
  for (int i = 0; i < 2000; ++i) context["items"].push_back(std::string(100, 'x'));
  RenderOptions options;
  options.limits.max_bytes = 1 << 20;
  const std::string out =
      Render(kLiquid, "{% for i in items %}{{ items.size }}{% endfor %}", context, options);
  EXPECT_EQ(out.size(), 2000u * 4);
}

TEST(TemplateTest, SafeValuesAreNotEscapedAndHideTheContext) {
  RenderOptions options = Html();
  options.safe_values["content"] = "<p>Hi &amp; welcome</p>";
  const json context = {{"content", "<script>"}, {"name", "<b>"}};
  EXPECT_EQ(Render(kDjango, "<div>{{ content }}</div>{{ name }}", context, options),
            "<div><p>Hi &amp; welcome</p></div>&lt;b&gt;");
  EXPECT_EQ(Render(kLiquid, "<div>{{ content }}</div>{{ name }}", context, options),
            "<div><p>Hi &amp; welcome</p></div>&lt;b&gt;");
}

TEST(TemplateTest, ParsedTemplatesAreSharedAndReusable) {
  absl::StatusOr<Template> parsed = Template::Parse("{% for x in l %}{{ x }}{% endfor %}", kDjango);
  ASSERT_TRUE(parsed.ok());
  const Template copy = *parsed;
  EXPECT_EQ(copy.Render(json::parse(R"({"l":[1,2]})")).value(), "12");
  EXPECT_EQ(parsed->Render(json::parse(R"({"l":["a"]})")).value(), "a");
  EXPECT_EQ(copy.syntax(), kDjango);
}

TEST(TemplateTest, SyntaxNames) {
  EXPECT_EQ(SyntaxName(kDjango), "django");
  EXPECT_EQ(SyntaxName(kLiquid), "liquid");
  EXPECT_EQ(SyntaxFromName("liquid"), kLiquid);
  EXPECT_EQ(SyntaxFromName("django"), kDjango);
  EXPECT_EQ(SyntaxFromName("jinja"), std::nullopt);
}

}  // namespace
}  // namespace notify
