#include "server/core/template.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace notify {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using json = nlohmann::json;

std::string Render(const std::string& text, const json& context = json::object(),
                   const RenderOptions& options = {}) {
  absl::StatusOr<Template> parsed = Template::Parse(text);
  if (!parsed.ok()) return absl::StrCat("PARSE ERROR: ", parsed.status().ToString());
  absl::StatusOr<std::string> rendered = parsed->Render(context, options);
  if (!rendered.ok()) return absl::StrCat("RENDER ERROR: ", rendered.status().ToString());
  return *rendered;
}

std::string Html(const std::string& text, const json& context) {
  RenderOptions options;
  options.html_escape = true;
  return Render(text, context, options);
}

absl::Status ParseError(const std::string& text) { return Template::Parse(text).status(); }

absl::Status RenderError(const std::string& text, const json& context = json::object(),
                         const RenderOptions& options = {}) {
  absl::StatusOr<Template> parsed = Template::Parse(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return parsed.status();
  return parsed->Render(context, options).status();
}

// ------------------------------------------------------------------------------------------------
// TemplateTest: syntax, tags, output, bounds.

TEST(TemplateTest, PlatformExample) {
  const json context = json::parse(R"({"user":{"first_name":"Keiko"},"amount":10000,
      "currency":{"code":"EUR","divisibility":2},"created":1648593702580,"status":"Complete"})");
  EXPECT_EQ(Render("Hi {{ user.first_name|default:\"there\" }}, you received "
                   "{{ amount|money:currency.divisibility }} {{ currency.code }}\n"
                   "on {{ created|timestamp|date:\"D d M Y\" }}.\n"
                   "{% if status == \"Complete\" %}It is complete.{% else %}It is "
                   "{{ status|lower }}.{% endif %}",
                   context),
            "Hi Keiko, you received 100.00 EUR\non Tue 29 Mar 2022.\nIt is complete.");
}

TEST(TemplateTest, PlatformExampleFallbacks) {
  const json context = json::parse(R"({"amount":5,"currency":{"code":"EUR","divisibility":2},
      "status":"Pending"})");
  EXPECT_EQ(
      Render("Hi {{ user.first_name|default:\"there\" }}, {{ amount|money:currency.divisibility }}."
             " {% if status == \"Complete\" %}It is complete.{% else %}It is "
             "{{ status|lower }}.{% endif %}",
             context),
      "Hi there, 0.05. It is pending.");
}

TEST(TemplateTest, PlainTextPassesThrough) {
  EXPECT_EQ(Render("Hello, world { } % # }}"), "Hello, world { } % # }}");
  EXPECT_EQ(Render(""), "");
}

TEST(TemplateTest, LooksUpThroughObjectsAndArrays) {
  const json context = json::parse(R"({"a":{"b":[{"c":"deep"},"second"]}})");
  EXPECT_EQ(Render("{{ a.b.0.c }}/{{ a.b.1 }}", context), "deep/second");
  EXPECT_EQ(Render("{{ a.b.size }}", context), "2");
  EXPECT_EQ(Render("{{ a.b.last }}", context), "second");
}

TEST(TemplateTest, UndefinedVariablesRenderEmpty) {
  const json context = json::parse(R"({"a":{"b":[1]}})");
  EXPECT_EQ(
      Render("[{{ missing }}][{{ a.nope }}][{{ a.b.5 }}][{{ a.b.x }}][{{ a.b.0.c }}]", context),
      "[][][][][]");
}

TEST(TemplateTest, Literals) {
  EXPECT_EQ(Render("{{ 'single' }} {{ \"double\" }} {{ 42 }} {{ -7 }} {{ 2.5 }} {{ true }} "
                   "{{ false }} [{{ null }}]"),
            "single double 42 -7 2.5 true false []");
}

TEST(TemplateTest, PrintsValuesAsJsonWroteThem) {
  const json context = json::parse(
      R"({"i":10000,"f":1.5,"big":12345678901234567,"t":true,"f2":false,"n":null,
          "list":[1,"a",null],"obj":{"k":"v"}})");
  EXPECT_EQ(
      Render("{{ i }} {{ f }} {{ big }} {{ t }} {{ f2 }} [{{ n }}] {{ list }} {{ obj }}", context),
      "10000 1.5 12345678901234567 true false [] [1,\"a\",null] {\"k\":\"v\"}");
}

TEST(TemplateTest, HtmlEscapingOnlyWhenAsked) {
  const json context = {{"v", "<b>\"Tom\" & 'Jerry'</b>"}};
  EXPECT_EQ(Render("{{ v }}", context), "<b>\"Tom\" & 'Jerry'</b>");
  EXPECT_EQ(Html("<p>{{ v }}</p>", context),
            "<p>&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</p>");
}

TEST(TemplateTest, SafeOptsOutOfEscaping) {
  const json context = {{"v", "<b>bold</b>"}};
  EXPECT_EQ(Html("{{ v|safe }}", context), "<b>bold</b>");
  EXPECT_EQ(Html("{{ v | safe }}", context), "<b>bold</b>");
}

TEST(TemplateTest, EscapeIsNotDoubled) {
  const json context = {{"v", "a&b"}};
  EXPECT_EQ(Html("{{ v|escape }}", context), "a&amp;b");
  EXPECT_EQ(Render("{{ v|escape }}", context), "a&amp;b");
}

TEST(TemplateTest, CapturedHtmlIsNotEscapedTwice) {
  const json context = {{"v", "<i>"}};
  EXPECT_EQ(Html("{% capture c %}<b>{{ v }}</b>{% endcapture %}{{ c }}", context),
            "<b>&lt;i&gt;</b>");
}

TEST(TemplateTest, IfElifElse) {
  const std::string text =
      "{% if n > 10 %}big{% elif n > 5 %}medium{% elsif n > 0 %}small{% else %}none{% endif %}";
  EXPECT_EQ(Render(text, {{"n", 20}}), "big");
  EXPECT_EQ(Render(text, {{"n", 7}}), "medium");
  EXPECT_EQ(Render(text, {{"n", 1}}), "small");
  EXPECT_EQ(Render(text, {{"n", 0}}), "none");
}

TEST(TemplateTest, IfTruthiness) {
  const std::string text = "{% if v %}yes{% else %}no{% endif %}";
  EXPECT_EQ(Render(text, {{"v", "x"}}), "yes");
  EXPECT_EQ(Render(text, {{"v", 3}}), "yes");
  EXPECT_EQ(Render(text, {{"v", json::array({1})}}), "yes");
  EXPECT_EQ(Render(text, json::parse(R"({"v":""})")), "no");
  EXPECT_EQ(Render(text, {{"v", 0}}), "no");
  EXPECT_EQ(Render(text, {{"v", false}}), "no");
  EXPECT_EQ(Render(text, {{"v", json::array()}}), "no");
  EXPECT_EQ(Render(text, {{"v", nullptr}}), "no");
  EXPECT_EQ(Render(text), "no");
}

TEST(TemplateTest, IfAndOrNot) {
  const json context = {{"a", true}, {"b", false}};
  EXPECT_EQ(Render("{% if a and b %}1{% endif %}", context), "");
  EXPECT_EQ(Render("{% if a or b %}1{% endif %}", context), "1");
  EXPECT_EQ(Render("{% if not b %}1{% endif %}", context), "1");
  EXPECT_EQ(Render("{% if not not b %}1{% endif %}", context), "");
  EXPECT_EQ(Render("{% if b or a and not b %}1{% endif %}", context), "1");
}

TEST(TemplateTest, IfComparisons) {
  const json context = json::parse(R"({"n":5,"f":5.0,"s":"abc","list":["x","y"]})");
  EXPECT_EQ(Render("{% if n == 5 %}a{% endif %}{% if n == f %}b{% endif %}"
                   "{% if n != 6 %}c{% endif %}{% if n < 6 %}d{% endif %}"
                   "{% if n <= 5 %}e{% endif %}{% if n > 4 %}f{% endif %}"
                   "{% if n >= 6 %}X{% endif %}{% if s < 'abd' %}g{% endif %}"
                   "{% if s > 1 %}X{% endif %}",
                   context),
            "abcdefg");
}

TEST(TemplateTest, IfContainsAndIn) {
  const json context = json::parse(R"({"s":"Complete","list":["x","y"],"obj":{"k":1}})");
  EXPECT_EQ(Render("{% if s contains 'plet' %}a{% endif %}{% if list contains 'y' %}b{% endif %}"
                   "{% if 'x' in list %}c{% endif %}{% if 'z' in list %}X{% endif %}"
                   "{% if 'Comp' in s %}d{% endif %}{% if obj contains 'k' %}e{% endif %}",
                   context),
            "abcde");
}

TEST(TemplateTest, IfWithFilters) {
  EXPECT_EQ(Render("{% if s|lower == 'abc' %}yes{% endif %}", {{"s", "ABC"}}), "yes");
  EXPECT_EQ(Render("{% if list|size > 1 %}many{% endif %}", {{"list", {1, 2}}}), "many");
}

TEST(TemplateTest, Unless) {
  EXPECT_EQ(Render("{% unless v %}off{% else %}on{% endunless %}", {{"v", false}}), "off");
  EXPECT_EQ(Render("{% unless v %}off{% else %}on{% endunless %}", {{"v", true}}), "on");
}

TEST(TemplateTest, ForLoop) {
  EXPECT_EQ(Render("{% for x in list %}{{ x }},{% endfor %}", {{"list", {1, 2, 3}}}), "1,2,3,");
}

TEST(TemplateTest, ForLoopVariables) {
  EXPECT_EQ(Render("{% for x in list %}{{ forloop.index }}{{ forloop.index0 }}"
                   "{% if forloop.first %}F{% endif %}{% if forloop.last %}L{% endif %}"
                   "{{ forloop.length }};{% endfor %}",
                   {{"list", {"a", "b", "c"}}}),
            "10F3;213;32L3;");
}

TEST(TemplateTest, ForLoopEmptyBranch) {
  EXPECT_EQ(
      Render("{% for x in list %}{{ x }}{% else %}none{% endfor %}", {{"list", json::array()}}),
      "none");
  EXPECT_EQ(Render("{% for x in missing %}{{ x }}{% empty %}nothing{% endfor %}"), "nothing");
}

TEST(TemplateTest, ForLoopModifiers) {
  const json context = {{"list", {1, 2, 3, 4, 5}}};
  EXPECT_EQ(Render("{% for x in list limit:2 %}{{ x }}{% endfor %}", context), "12");
  EXPECT_EQ(Render("{% for x in list offset:3 %}{{ x }}{% endfor %}", context), "45");
  EXPECT_EQ(Render("{% for x in list reversed %}{{ x }}{% endfor %}", context), "54321");
  EXPECT_EQ(Render("{% for x in list limit: 2 offset: 1 reversed %}{{ x }}{% endfor %}", context),
            "32");
  EXPECT_EQ(Render("{% for x in list offset:9 %}{{ x }}{% else %}none{% endfor %}", context),
            "none");
}

TEST(TemplateTest, NestedLoopsAndScopes) {
  const json context = json::parse(R"({"x":"outer","rows":[[1,2],[3]]})");
  EXPECT_EQ(Render("{% for row in rows %}{% for x in row %}{{ x }}{% endfor %}|{% endfor %}{{ x }}",
                   context),
            "12|3|outer");
}

TEST(TemplateTest, Case) {
  const std::string text =
      "{% case s %}{% when 'a' %}A{% when 'b', 'c' %}BC{% when 'd' or 'e' %}DE{% else %}other"
      "{% endcase %}";
  EXPECT_EQ(Render(text, {{"s", "a"}}), "A");
  EXPECT_EQ(Render(text, {{"s", "c"}}), "BC");
  EXPECT_EQ(Render(text, {{"s", "e"}}), "DE");
  EXPECT_EQ(Render(text, {{"s", "z"}}), "other");
  EXPECT_EQ(Render("{% case n %}{% when 1 %}one{% endcase %}", {{"n", 1}}), "one");
}

TEST(TemplateTest, Assign) {
  EXPECT_EQ(
      Render("{% assign name = user.name | upcase %}Hi {{ name }}", {{"user", {{"name", "ann"}}}}),
      "Hi ANN");
  EXPECT_EQ(
      Render("{% for x in list %}{% assign last = x %}{% endfor %}{{ last }}", {{"list", {1, 2}}}),
      "2");
}

TEST(TemplateTest, Capture) {
  EXPECT_EQ(
      Render("{% capture greeting %}Hi {{ n }}!{% endcapture %}[{{ greeting }}]", {{"n", "Bo"}}),
      "[Hi Bo!]");
}

TEST(TemplateTest, CommentAndDjangoComment) {
  EXPECT_EQ(Render("a{% comment %} {{ x }} {% bogus %} {% endcomment %}b{# note #}c"), "abc");
}

TEST(TemplateTest, Raw) {
  EXPECT_EQ(Render("{% raw %}{{ x }} {% if %}{% endraw %}!"), "{{ x }} {% if %}!");
}

TEST(TemplateTest, WhitespaceControl) {
  EXPECT_EQ(Render("a  {{- 'b' -}}  c", json::object()), "abc");
  EXPECT_EQ(Render("<ul>\n  {%- for x in list -%}\n  <li>{{ x }}</li>\n  {%- endfor -%}\n</ul>",
                   {{"list", {1, 2}}}),
            "<ul><li>1</li><li>2</li></ul>");
  EXPECT_EQ(Render("a {{ 'b' }} c"), "a b c");
}

TEST(TemplateTest, ParseErrorUnclosedOutput) {
  const absl::Status status = ParseError("Hello\n  {{ name");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("line 2, column 3: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("unclosed '{{'"));
}

TEST(TemplateTest, ParseErrorUnclosedTag) {
  EXPECT_THAT(std::string(ParseError("x {% if a ").message()),
              StartsWith("line 1, column 3: unclosed '{%'"));
  EXPECT_THAT(std::string(ParseError("x {# a ").message()),
              StartsWith("line 1, column 3: unclosed '{#'"));
}

TEST(TemplateTest, ParseErrorUnknownTag) {
  const absl::Status status = ParseError("a\nb {% frobnicate x %}");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "line 2, column 6: unknown tag 'frobnicate'");
}

TEST(TemplateTest, ParseErrorUnclosedBlock) {
  EXPECT_EQ(ParseError("one\n  {% if a %}x").message(),
            "line 2, column 3: 'if' block is never closed");
  EXPECT_EQ(ParseError("{% for x in l %}").message(),
            "line 1, column 1: 'for' block is never closed");
  EXPECT_EQ(ParseError("{% raw %}x").message(), "line 1, column 1: 'raw' block is never closed");
  EXPECT_EQ(ParseError("{% comment %}x").message(),
            "line 1, column 1: 'comment' block is never closed");
}

TEST(TemplateTest, ParseErrorMismatchedEnd) {
  EXPECT_THAT(std::string(ParseError("{% if a %}{% endfor %}").message()),
              StartsWith("line 1, column 14: unexpected 'endfor', expected 'endif'"));
  EXPECT_THAT(std::string(ParseError("{% endif %}").message()),
              StartsWith("line 1, column 4: unexpected"));
  EXPECT_THAT(std::string(ParseError("{% else %}").message()),
              StartsWith("line 1, column 4: unexpected"));
  EXPECT_THAT(std::string(ParseError("{% if a %}{% else %}{% else %}{% endif %}").message()),
              StartsWith("line 1, column 24: unexpected 'else'"));
  EXPECT_THAT(std::string(ParseError("{% if a %}{% when 1 %}{% endif %}").message()),
              HasSubstr("unexpected 'when'"));
}

TEST(TemplateTest, ParseErrorBadFilterSyntax) {
  EXPECT_EQ(ParseError("{{ x | }}").message(),
            "line 1, column 8: expected a filter name after '|'");
  EXPECT_EQ(ParseError("{{ x|default: }}").message(), "line 1, column 15: expected a value");
  EXPECT_EQ(ParseError("{{ x|upper:1 }}").message(),
            "line 1, column 6: filter 'upper' takes 0 argument(s), got 1");
  EXPECT_EQ(ParseError("{{ x|replace:'a' }}").message(),
            "line 1, column 6: filter 'replace' takes 2 argument(s), got 1");
}

TEST(TemplateTest, ParseErrorUnknownFilter) {
  const absl::Status status = ParseError("line one\n{{ name | shout }}");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "line 2, column 11: unknown filter 'shout'");
}

TEST(TemplateTest, ParseErrorOtherSyntax) {
  EXPECT_THAT(std::string(ParseError("{{ }}").message()), StartsWith("line 1, column 1: "));
  EXPECT_THAT(std::string(ParseError("{{ 'abc }}").message()),
              StartsWith("line 1, column 4: unterminated string"));
  EXPECT_THAT(std::string(ParseError("{{ a b }}").message()),
              StartsWith("line 1, column 6: unexpected 'b'"));
  EXPECT_THAT(std::string(ParseError("{% for x list %}{% endfor %}").message()),
              StartsWith("line 1, column 10: expected 'in'"));
  EXPECT_THAT(std::string(ParseError("{% assign = 1 %}").message()),
              StartsWith("line 1, column 11: "));
  EXPECT_THAT(std::string(ParseError("{{ a ; }}").message()), StartsWith("line 1, column 6: "));
  EXPECT_THAT(std::string(ParseError("{% if %}{% endif %}").message()),
              HasSubstr("expected a value"));
}

TEST(TemplateTest, ParseCapsNestingDepth) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "{% if a %}";
  const absl::Status status = ParseError(text);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("nested more than 512 deep"));
}

TEST(TemplateTest, HugeLoopIsResourceExhausted) {
  json list = json::array();
  for (int i = 0; i < 200; ++i) list.push_back(i);
  const std::string text =
      "{% for a in list %}{% for b in list %}{% for c in list %}.{% endfor %}{% endfor %}"
      "{% endfor %}";
  const absl::Status status = RenderError(text, {{"list", list}});
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  RenderOptions options;
  options.max_loop_iterations = 3;
  EXPECT_EQ(RenderError("{% for x in l %}{% endfor %}", {{"l", {1, 2, 3}}}, options).code(),
            absl::StatusCode::kOk);
  EXPECT_EQ(RenderError("{% for x in l %}{% endfor %}", {{"l", {1, 2, 3, 4}}}, options).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(TemplateTest, NestedBlockBombIsResourceExhausted) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "{% if true %}";
  text += "x";
  for (int i = 0; i < 100; ++i) text += "{% endif %}";
  const absl::Status status = RenderError(text);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);

  std::string ok_text;
  for (int i = 0; i < 64; ++i) ok_text += "{% if true %}";
  ok_text += "x";
  for (int i = 0; i < 64; ++i) ok_text += "{% endif %}";
  EXPECT_EQ(Render(ok_text), "x");
}

TEST(TemplateTest, OutputBombIsResourceExhausted) {
  std::string text = "{% assign a = 'xxxxxxxxxxxxxxxx' %}";
  for (int i = 0; i < 40; ++i) text += "{% capture a %}{{ a }}{{ a }}{% endcapture %}";
  text += "{{ a }}";
  EXPECT_EQ(RenderError(text).code(), absl::StatusCode::kResourceExhausted);

  RenderOptions options;
  options.max_output_bytes = 10;
  EXPECT_EQ(RenderError("0123456789", json::object(), options).code(), absl::StatusCode::kOk);
  EXPECT_EQ(RenderError("0123456789{{ 'x' }}", json::object(), options).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(TemplateTest, ValueBombIsResourceExhausted) {
  std::string text = "{% assign a = 'xxxxxxxxxxxxxxxx' %}";
  for (int i = 0; i < 64; ++i) text += "{% assign a = a|append:a %}";
  EXPECT_EQ(RenderError(text).code(), absl::StatusCode::kResourceExhausted);

  RenderOptions options;
  options.max_output_bytes = 1000;
  EXPECT_EQ(RenderError("{{ s|replace:'a',s }}", {{"s", std::string(100, 'a')}}, options).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RenderError("{{ s|split:''|join:s }}", {{"s", std::string(100, 'a')}}, options).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(TemplateTest, RenderErrorsCarryPosition) {
  const absl::Status status = RenderError("\n  {{ 10 | divided_by: 0 }}");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "line 2, column 11: divided_by zero");
}

TEST(TemplateTest, TemplatesAreReusableAndCopyable) {
  absl::StatusOr<Template> parsed = Template::Parse("{{ n }}");
  ASSERT_TRUE(parsed.ok());
  const Template copy = *parsed;
  EXPECT_EQ(*parsed->Render({{"n", 1}}), "1");
  EXPECT_EQ(*copy.Render({{"n", 2}}), "2");
}

TEST(TemplateTest, CheckerReportsParseStatus) {
  EngineTemplateChecker checker;
  EXPECT_TRUE(checker.Check("Hi {{ name|default:'x' }}").ok());
  const absl::Status status = checker.Check("{% if x %}");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("line 1, column 1: "));
}

// ------------------------------------------------------------------------------------------------
// TemplateFilterTest.

TEST(TemplateFilterTest, BothSpellingsAndChains) {
  const json context = {{"x", nullptr}, {"name", "ann lee"}};
  EXPECT_EQ(Render("{{ x|default:\"y\" }}", context), "y");
  EXPECT_EQ(Render("{{ x | default: \"y\" }}", context), "y");
  EXPECT_EQ(Render("{{ name|upper|replace:'ANN','BO' }}", context), "BO LEE");
  EXPECT_EQ(Render("{{ name | capitalize | append: '!' | prepend: '> ' }}", context), "> Ann lee!");
}

TEST(TemplateFilterTest, Default) {
  EXPECT_EQ(Render("{{ v|default:'d' }}", json::parse(R"({"v":""})")), "d");
  EXPECT_EQ(Render("{{ v|default:'d' }}", {{"v", false}}), "d");
  EXPECT_EQ(Render("{{ v|default:'d' }}", {{"v", json::array()}}), "d");
  EXPECT_EQ(Render("{{ v|default:'d' }}", {{"v", 0}}), "0");
  EXPECT_EQ(Render("{{ v|default:'d' }}", {{"v", "set"}}), "set");
  EXPECT_EQ(Render("{{ v|default:other }}", {{"other", 5}}), "5");
}

TEST(TemplateFilterTest, CaseFilters) {
  const json context = {{"s", "hELLo wORLD it's"}};
  EXPECT_EQ(Render("{{ s|lower }}", context), "hello world it's");
  EXPECT_EQ(Render("{{ s|downcase }}", context), "hello world it's");
  EXPECT_EQ(Render("{{ s|upper }}", context), "HELLO WORLD IT'S");
  EXPECT_EQ(Render("{{ s|upcase }}", context), "HELLO WORLD IT'S");
  EXPECT_EQ(Render("{{ s|capitalize }}", context), "Hello world it's");
  EXPECT_EQ(Render("{{ s|title }}", context), "Hello World It's");
}

TEST(TemplateFilterTest, Truncate) {
  const json context = {{"s", "Ground control to Major Tom."}};
  EXPECT_EQ(Render("{{ s|truncate:20 }}", context), "Ground control to...");
  EXPECT_EQ(Render("{{ s|truncate:25,'!' }}", context), "Ground control to Major !");
  EXPECT_EQ(Render("{{ s|truncate:100 }}", context), "Ground control to Major Tom.");
  EXPECT_EQ(Render("{{ 'héllo wörld'|truncate:8 }}"), "héllo...");
}

TEST(TemplateFilterTest, TruncateWords) {
  const json context = {{"s", "Ground control to Major Tom."}};
  EXPECT_EQ(Render("{{ s|truncatewords:3 }}", context), "Ground control to...");
  EXPECT_EQ(Render("{{ s|truncatewords:9 }}", context), "Ground control to Major Tom.");
}

TEST(TemplateFilterTest, StripEscapeSafe) {
  EXPECT_EQ(Render("[{{ '  a b \n'|strip }}]"), "[a b]");
  EXPECT_EQ(Render("{{ '<a href=\"x\">'|escape }}"), "&lt;a href=&quot;x&quot;&gt;");
  EXPECT_EQ(Html("{{ v|safe }}", {{"v", "<br>"}}), "<br>");
  EXPECT_EQ(Render("{{ v|safe }}", {{"v", "<br>"}}), "<br>");
}

TEST(TemplateFilterTest, JoinFirstLastSize) {
  const json context = {{"l", {"a", "b", "c"}}, {"s", "héllo"}, {"e", json::array()}};
  EXPECT_EQ(Render("{{ l|join:', ' }}", context), "a, b, c");
  EXPECT_EQ(Render("{{ l|join }}", context), "a b c");
  EXPECT_EQ(Render("{{ l|first }}{{ l|last }}", context), "ac");
  EXPECT_EQ(Render("{{ s|first }}{{ s|last }}", context), "ho");
  EXPECT_EQ(
      Render("{{ l|size }} {{ l|length }} {{ s|size }} {{ e|size }} {{ nope|size }}", context),
      "3 3 5 0 0");
  EXPECT_EQ(Render("[{{ e|first }}]", context), "[]");
}

TEST(TemplateFilterTest, DateDjangoLetters) {
  const json context = {{"t", "2022-03-05T07:08:09Z"}};
  EXPECT_EQ(Render("{{ t|date:'D d M Y j n m y H i s' }}", context),
            "Sat 05 Mar 2022 5 3 03 22 07 08 09");
  EXPECT_EQ(Render("{{ t|date:'l, F j, G:i A' }}", context), "Saturday, March 5, 7:08 AM");
  EXPECT_EQ(Render("{{ t|date:'\\Y\\-Y' }}", context), "Y-2022");
}

TEST(TemplateFilterTest, DateStrftime) {
  EXPECT_EQ(Render("{{ t|date:'%Y-%m-%d %H:%M' }}", {{"t", "2022-03-05T07:08:09Z"}}),
            "2022-03-05 07:08");
  EXPECT_EQ(Render("{{ t|date:'%a %b %e %Y' }}", {{"t", 0}}), "Thu Jan  1 1970");
}

TEST(TemplateFilterTest, DateOfNothingOrNonsense) {
  EXPECT_EQ(Render("[{{ missing|date:'Y' }}]"), "[]");
  EXPECT_EQ(Render("{{ 'soon'|date:'Y' }}"), "soon");
}

TEST(TemplateFilterTest, Timestamp) {
  const json context = {{"created", 1648593702580}};
  EXPECT_EQ(Render("{{ created|timestamp }}", context), "2022-03-29T22:41:42.58+00:00");
  EXPECT_EQ(Render("{{ created|timestamp|date:'D d M Y H:i:s' }}", context),
            "Tue 29 Mar 2022 22:41:42");
  EXPECT_EQ(Render("{{ '1648593702580'|timestamp|date:'Y' }}"), "2022");
  EXPECT_EQ(Render("[{{ missing|timestamp|date:'Y' }}]"), "[]");
}

TEST(TemplateFilterTest, Arithmetic) {
  EXPECT_EQ(Render("{{ 4|plus:2 }} {{ 4|minus:6 }} {{ 4|times:3 }} {{ 7|divided_by:2 }}"),
            "6 -2 12 3");
  EXPECT_EQ(Render("{{ -7|divided_by:2 }} {{ 7|divided_by:2.0 }} {{ 1.5|times:2 }}"), "-4 3.5 3.0");
  EXPECT_EQ(Render("{{ '3'|plus:'4' }} {{ n|plus:1 }}", {{"n", 9}}), "7 10");
  EXPECT_EQ(Render("{{ 9223372036854775807|plus:1 }}"), "9.223372036854776e+18");
}

TEST(TemplateFilterTest, DividedByZeroIsAnError) {
  EXPECT_EQ(RenderError("{{ 1|divided_by:0 }}").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RenderError("{{ 1.5|divided_by:0.0 }}").code(), absl::StatusCode::kInvalidArgument);
}

TEST(TemplateFilterTest, Rounding) {
  EXPECT_EQ(Render("{{ 2.7|round }} {{ 2.5|round }} {{ 3.14159|round:2 }} {{ 5|round }}"),
            "3 3 3.14 5");
  EXPECT_EQ(Render("{{ 2.7|floor }} {{ -2.7|floor }} {{ 2.1|ceil }} {{ 4|ceil }}"), "2 -3 3 4");
  EXPECT_EQ(Render("{{ -4|abs }} {{ -2.5|abs }} {{ 3|abs }}"), "4 2.5 3");
}

TEST(TemplateFilterTest, StringEdits) {
  EXPECT_EQ(Render("{{ 'a'|append:'b' }} {{ 'a'|prepend:'b' }}"), "ab ba");
  EXPECT_EQ(Render("{{ 'a-b-c'|replace:'-','+' }} {{ 'a-b-c'|remove:'-' }}"), "a+b+c abc");
  EXPECT_EQ(Render("{{ 'a,b,c'|split:','|join:'|' }} {{ 'a,b'|split:','|size }}"), "a|b|c 2");
  EXPECT_EQ(Render("{{ 'abc'|split:''|last }}"), "c");
}

TEST(TemplateFilterTest, UrlEncode) {
  EXPECT_EQ(Render("{{ 'a b&c=d/é~'|url_encode }}"), "a+b%26c%3Dd%2F%C3%A9~");
}

TEST(TemplateFilterTest, NewlineToBr) {
  EXPECT_EQ(Render("{{ v|newline_to_br }}", {{"v", "a\nb"}}), "a<br />\nb");
  EXPECT_EQ(Html("{{ v|newline_to_br }}", {{"v", "<a>\nb"}}), "&lt;a&gt;<br />\nb");
}

TEST(TemplateFilterTest, FloatFormat) {
  EXPECT_EQ(Render("{{ 34.23234|floatformat }} {{ 34.0|floatformat }} {{ 34.26|floatformat }}"),
            "34.2 34 34.3");
  EXPECT_EQ(Render("{{ 34.23234|floatformat:2 }} {{ 34|floatformat:2 }} {{ 0.005|floatformat:2 }}"),
            "34.23 34.00 0.01");
  EXPECT_EQ(Render("{{ 34.0|floatformat:-2 }} {{ 34.256|floatformat:-2 }} {{ 'x'|floatformat }}"),
            "34 34.26 ");
  EXPECT_EQ(Render("{{ 1.005|floatformat:2 }} {{ -1.25|floatformat:1 }}"), "1.01 -1.3");
}

TEST(TemplateFilterTest, Money) {
  EXPECT_EQ(Render("{{ 10000|money:2 }} {{ 5|money:2 }} {{ 0|money:2 }} {{ -150|money:2 }}"),
            "100.00 0.05 0.00 -1.50");
  EXPECT_EQ(Render("{{ 123|money:0 }} {{ 123456789|money:8 }}"), "123 1.23456789");
  EXPECT_EQ(Render("{{ n|money:2 }}", {{"n", 9007199254740993LL}}), "90071992547409.93");
  EXPECT_EQ(Render("{{ '12345678901234567890123'|money:2 }}"), "123456789012345678901.23");
  EXPECT_EQ(Render("{{ 1050.5|money:2 }}"), "10.51");
  EXPECT_EQ(Render("[{{ missing|money:2 }}]"), "[]");
  EXPECT_EQ(RenderError("{{ 'abc'|money:2 }}").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RenderError("{{ 1|money:-1 }}").code(), absl::StatusCode::kInvalidArgument);
}

TEST(TemplateTest, ALayoutPrintsItsContentUnescapedAndStillEscapesTheRest) {
  RenderOptions options;
  options.html_escape = true;
  options.safe_values["content"] = "<p>Hi &amp; welcome</p>";
  const json context = {{"content", "<script>hidden</script>"}, {"name", "A & B"}};
  EXPECT_EQ(Render("<main>{{ content }}</main><footer>{{ name }}</footer>", context, options),
            "<main><p>Hi &amp; welcome</p></main><footer>A &amp; B</footer>")
      << "the layout's content hides a context member of the same name and is not escaped again";
  EXPECT_EQ(Render("{{ content|upper }}", context, options),
            "&lt;P&gt;HI &amp;AMP; WELCOME&lt;/P&gt;")
      << "a filter's output is ordinary text again";
}

}  // namespace
}  // namespace notify
