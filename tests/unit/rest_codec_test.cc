// The REST face's views, JSON codec and route table, over the API's real descriptors.
#include <string>
#include <vector>

#include "gateway/rest/json_codec.h"
#include "gateway/rest/rest_api.h"
#include "gateway/rest/rest_view.h"
#include "gateway/rest/route_table.h"
#include "gateway/rest/url.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "notifications/v1/user_service.grpc.pb.h"
#include "notifications/v1/webhook_service.grpc.pb.h"

namespace notify::gateway {
namespace {

namespace v1 = notifications::v1;
using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

const RestViews& Views() {
  static const RestViews* const kViews = new RestViews(ApiServices());
  return *kViews;
}

std::string Write(const google::protobuf::Message& m) {
  std::string out;
  WriteJson(Views(), m, &out);
  return out;
}

struct Read {
  json errors = json::object();
  std::vector<std::string> paths;
};
Read ReadInto(const std::string& text, google::protobuf::Message* m, bool required = false) {
  Read r;
  ReadJson(Views(), json::parse(text), {.check_required = required}, m, &r.errors, &r.paths);
  return r;
}

google::protobuf::Timestamp Millis(int64_t ms) {
  google::protobuf::Timestamp t;
  t.set_seconds(ms / 1000);
  t.set_nanos(static_cast<int32_t>((ms % 1000) * 1000000));
  return t;
}

TEST(RestViewTest, CompanyFieldsTakeThePlatformsNamesAndQuotasAreOneReadOnlyObject) {
  const RestView& view = Views().Of(v1::Company::descriptor());
  ASSERT_NE(view.Find("logo"), nullptr);
  EXPECT_EQ(view.Find("logo_url"), nullptr);
  EXPECT_EQ(view.Find("logo")->ProtoPath(), "logo_url");
  const RestField* quotas = view.Find("quotas");
  ASSERT_NE(quotas, nullptr);
  EXPECT_EQ(quotas->kind, RestKind::kGroup);
  EXPECT_FALSE(quotas->input);
  ASSERT_EQ(quotas->children.size(), 3u);
  EXPECT_EQ(quotas->children[0].name, "email");
  EXPECT_FALSE(view.Find("secret")->input);
  EXPECT_TRUE(view.Find("secret")->output);
  EXPECT_FALSE(view.Find("id")->input);
}

TEST(JsonCodecTest, WritesACompanyInThePlatformsShape) {
  v1::Company c;
  c.set_id("acme");
  c.set_name("Acme \"Wallet\"");
  c.set_mode("test");
  c.set_active(true);
  c.set_logo_url("https://acme.example/logo.png");
  c.set_email_daily_quota(100);
  c.set_sms_daily_quota(5);
  *c.mutable_created() = Millis(1700000000123);
  c.set_webhook_secret("s3cret");
  EXPECT_EQ(Write(c),
            R"({"id":"acme","name":"Acme \"Wallet\"","mode":"test","active":true,)"
            R"("system_email":"","support_email":"","logo":"https://acme.example/logo.png",)"
            R"("push_enabled":false,"quotas":{"email":100,"sms":5,"push":0},"activated":null,)"
            R"("deactivated":null,"created":1700000000123,"updated":null,"website":"",)"
            R"("contact_email":"","icon":"","bimi_selector_header":"","secret":"s3cret"})");
}

TEST(JsonCodecTest, WritesACredentialsSettingsAsOneObjectNamedByItsType) {
  v1::Credential c;
  c.set_id("c1");
  c.set_type(v1::CREDENTIAL_TYPE_TWILIO);
  c.mutable_twilio()->set_account_sid("AC123");
  c.mutable_twilio()->set_auth_token("********");
  c.mutable_twilio()->set_from_number("+15550001111");
  const json written = json::parse(Write(c));
  EXPECT_EQ(written["credential_type"], "twilio");
  EXPECT_EQ(written["credentials"], json::parse(R"({"twilio_sid":"AC123","twilio_token":"********",
                                                   "twilio_from_number":"+15550001111"})"));
  EXPECT_FALSE(written.contains("twilio"));
  v1::Credential none;
  EXPECT_TRUE(json::parse(Write(none))["credentials"].is_null());
  EXPECT_TRUE(json::parse(Write(none))["credential_type"].is_null());
}

TEST(JsonCodecTest, ANotificationShowsItsLayoutAsAnObjectAndTakesItAsAnId) {
  v1::Notification n;
  n.set_type(v1::NOTIFICATION_TYPE_SMS);
  n.set_layout("l-1");
  n.mutable_layout_summary()->set_id("l-1");
  n.mutable_layout_summary()->set_name("Signed");
  const json written = json::parse(Write(n));
  EXPECT_EQ(written["type"], "sms");
  EXPECT_EQ(written["layout"]["id"], "l-1");
  EXPECT_EQ(written["layout"]["name"], "Signed");
  EXPECT_TRUE(written["template"].is_null());

  v1::Notification read;
  Read r = ReadInto(R"({"layout": "l-2", "name": "x"})", &read);
  EXPECT_TRUE(r.errors.empty()) << r.errors;
  EXPECT_EQ(read.layout(), "l-2");
  EXPECT_THAT(r.paths, ElementsAre("layout", "name"));
}

TEST(JsonCodecTest, ATemplateShowsItsNotificationsFieldsAsItsOwn) {
  v1::Template t;
  t.set_id("welcome_email");
  t.set_name("Welcome email");
  t.set_deletable(true);
  t.mutable_notification()->set_name("Welcome");
  t.mutable_notification()->set_type(v1::NOTIFICATION_TYPE_EMAIL);
  t.mutable_notification()->set_subject("Hi");
  t.mutable_layout_summary()->set_id("branded_email");
  const json written = json::parse(Write(t));
  EXPECT_EQ(written["id"], "welcome_email");
  EXPECT_EQ(written["name"], "Welcome email") << "the template's own name wins";
  EXPECT_EQ(written["type"], "email");
  EXPECT_EQ(written["subject"], "Hi");
  EXPECT_EQ(written["deletable"], true);
  EXPECT_EQ(written["layout"]["id"], "branded_email");
  EXPECT_FALSE(written.contains("notification"));
}

TEST(JsonCodecTest, TextIsEscapedAndMalformedUtf8Replaced) {
  std::string out;
  WriteJsonString("a\"b\\c\n\x01 é \xC3 \xED\xA0\x80 \xF0\x9F\x98\x80", &out);
  EXPECT_EQ(out,
            "\"a\\\"b\\\\c\\n\\u0001 é \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
            "\xF0\x9F\x98\x80\"");
}

TEST(JsonCodecTest, StructsAreWrittenAsPlainObjectsWithIntegersKept) {
  v1::TriggerNotificationRequest request;
  Read r = ReadInto(R"({"data": {"amount": 10000, "rate": 0.5, "tags": ["a", null],
                       "user": {"id": "u1"}}, "users": ["u1"]})",
                    &request);
  ASSERT_TRUE(r.errors.empty()) << r.errors;
  EXPECT_THAT(request.user_ids(), ElementsAre("u1"));
  EXPECT_EQ(json::parse(Write(request))["data"],
            json::parse(R"({"amount":10000,"rate":0.5,"tags":["a",null],"user":{"id":"u1"}})"));
}

TEST(JsonCodecTest, EachBadFieldGetsThePlatformsErrorAndNothingElseIsKept) {
  v1::Notification n;
  Read r = ReadInto(R"({"name": 5, "enabled": "maybe", "type": "fax", "bogus": 1,
                       "to_email": ["a"], "id": "mine", "created": 12})",
                    &n);
  EXPECT_EQ(r.errors, json::parse(R"({"enabled": ["Must be a valid boolean."],
                                      "type": ["\"fax\" is not a valid choice."],
                                      "bogus": ["Unknown field."],
                                      "to_email": ["Not a valid string."]})"));
  EXPECT_EQ(n.name(), "5") << "numbers are taken as text, as the platform takes them";
  EXPECT_TRUE(n.id().empty()) << "read-only fields are passed over";
}

TEST(JsonCodecTest, RequiredFieldsAreCheckedOnlyWhenAsked) {
  v1::Layout layout;
  Read partial = ReadInto(R"({"description": "d"})", &layout);
  EXPECT_TRUE(partial.errors.empty());
  Read full = ReadInto(R"({"description": "d"})", &layout, /*required=*/true);
  EXPECT_EQ(full.errors, json::parse(R"({"name": ["This field is required."],
                                         "type": ["This field is required."]})"));
  Read not_an_object = ReadInto(R"([1])", &layout);
  EXPECT_EQ(not_an_object.errors["non_field_errors"][0],
            "Invalid data. Expected a dictionary, but got list.");
}

TEST(JsonCodecTest, CredentialsPickTheirKindByTypeOrByTheirKeys) {
  v1::Credential by_type;
  Read typed = ReadInto(R"({"credential_type": "twilio",
                           "credentials": {"twilio_sid": "AC1", "twilio_token": "t"}})",
                        &by_type);
  ASSERT_TRUE(typed.errors.empty()) << typed.errors;
  EXPECT_EQ(by_type.twilio().account_sid(), "AC1");
  EXPECT_THAT(typed.paths, UnorderedElementsAre("twilio.account_sid", "twilio.auth_token"));

  v1::Credential by_keys;
  Read keyed = ReadInto(R"({"credentials": {"sendgrid_api_key": "SG.x"}})", &by_keys);
  ASSERT_TRUE(keyed.errors.empty()) << keyed.errors;
  EXPECT_EQ(by_keys.sendgrid().api_key(), "SG.x");
  EXPECT_THAT(keyed.paths, ElementsAre("sendgrid.api_key"));

  v1::Credential mixed;
  Read bad = ReadInto(R"({"credentials": {"sendgrid_api_key": "k", "twilio_sid": "AC1"}})", &mixed);
  EXPECT_EQ(bad.errors["credentials"][0],
            "These keys do not belong to one kind; give credential_type.");
  v1::Credential wrong_key;
  Read unknown =
      ReadInto(R"({"credential_type": "twilio", "credentials": {"api_key": "k"}})", &wrong_key);
  EXPECT_EQ(unknown.errors, json::parse(R"({"credentials": {"api_key": ["Unknown field."]}})"));
}

TEST(JsonCodecTest, QueryValuesAreReadByTheirFieldsKinds) {
  const RestView& view = Views().Of(v1::ListLogsRequest::descriptor());
  v1::ListLogsRequest request;
  std::string error;
  ASSERT_TRUE(ReadQueryField(*view.Find("type__in"), {"email,sms", "push"}, &request, &error));
  EXPECT_EQ(request.types_size(), 3);
  ASSERT_TRUE(ReadQueryField(*view.Find("sent"), {"true"}, &request, &error));
  EXPECT_TRUE(request.has_sent() && request.sent());
  ASSERT_TRUE(ReadQueryField(*view.Find("created__gt"), {"1700000000500"}, &request, &error));
  EXPECT_EQ(request.created_after().seconds(), 1700000000);
  EXPECT_EQ(request.created_after().nanos(), 500000000);
  ASSERT_TRUE(
      ReadQueryField(*view.Find("created__lt"), {"2024-01-02T03:04:05Z"}, &request, &error));
  EXPECT_EQ(request.end_time().seconds(), 1704164645);
  EXPECT_FALSE(ReadQueryField(*view.Find("type"), {"fax"}, &request, &error));
  EXPECT_EQ(error, "\"fax\" is not a valid choice.");
  EXPECT_FALSE(ReadQueryField(*view.Find("created__gt"), {"yesterday"}, &request, &error));
  EXPECT_FALSE(ReadQueryField(*view.Find("received"), {"perhaps"}, &request, &error));
  EXPECT_EQ(error, "Must be a valid boolean.");
}

TEST(JsonCodecTest, ServerFieldPathsMapToRestKeys) {
  const RestViews& views = Views();
  EXPECT_THAT(RestPathOf(views, views.Of(v1::Credential::descriptor()), "twilio.auth_token"),
              ElementsAre("credentials", "twilio_token"));
  EXPECT_THAT(RestPathOf(views, views.Of(v1::Layout::descriptor()), "html_message"),
              ElementsAre("html_layout"));
  EXPECT_THAT(RestPathOf(views, views.Of(v1::Company::descriptor()), "email_daily_quota"),
              ElementsAre("quotas", "email"));
  EXPECT_THAT(RestPathOf(views, views.Of(v1::TriggerNotificationRequest::descriptor()), "user_ids"),
              ElementsAre("users"));
  EXPECT_TRUE(RestPathOf(views, views.Of(v1::Layout::descriptor()), "nope").empty());
}

TEST(JsonCodecTest, BodiesThatAreNotJsonOrNestTooDeepAreDiscarded) {
  EXPECT_TRUE(ParseBody("{\"a\": 1").is_discarded());
  EXPECT_TRUE(ParseBody(std::string(40, '[') + std::string(40, ']')).is_discarded());
  EXPECT_FALSE(ParseBody(std::string(10, '[') + std::string(10, ']')).is_discarded());
}

TEST(RouteTableTest, EveryPathOfTheOfficialExtensionHasItsVerbs) {
  RouteTable routes(ApiServices());
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"activate/", {"POST"}},
      {"deactivate/", {"POST"}},
      {"webhook/", {"POST"}},
      {"admin/webhook/", {"POST"}},
      {"admin/company/", {"GET", "PATCH", "PUT"}},
      {"admin/notifications/", {"GET", "POST"}},
      {"admin/notifications/n1/", {"DELETE", "GET", "PATCH", "PUT"}},
      {"admin/notifications/n1/trigger/", {"POST"}},
      {"admin/templates/", {"GET"}},
      {"admin/templates/t1/", {"GET"}},
      {"admin/layout-templates/", {"GET"}},
      {"admin/layout-templates/t1/", {"GET"}},
      {"admin/layouts/", {"GET", "POST"}},
      {"admin/layouts/l1/", {"DELETE", "GET", "PATCH", "PUT"}},
      {"admin/credentials/", {"GET", "POST"}},
      {"admin/credentials/c1/", {"DELETE", "GET", "PATCH", "PUT"}},
      {"admin/logs/", {"GET"}},
      {"admin/logs/g1/", {"GET"}},
      {"admin/logs/g1/send/", {"POST"}},
      {"user/notifications/", {"GET"}},
      {"user/notifications/n1/", {"GET", "PATCH", "PUT"}},
      {"user/logs/", {"GET"}},
      {"user/logs/g1/", {"GET", "PATCH", "PUT"}},
  };
  for (const auto& [path, verbs] : expected) {
    EXPECT_EQ(routes.VerbsFor(path), verbs) << path;
  }
  EXPECT_TRUE(routes.VerbsFor("admin/nothing/").empty());
}

TEST(RouteTableTest, LiteralSegmentsWinAndVariablesAreDecoded) {
  RouteTable routes(ApiServices());
  auto preview = routes.Find("POST", "admin/notifications/preview/");
  ASSERT_TRUE(preview.has_value());
  EXPECT_EQ(preview->binding->method->name(), "PreviewNotification");
  EXPECT_TRUE(preview->variables.empty());
  auto get = routes.Find("GET", "admin/notifications/a%2Fb/");
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->binding->method->name(), "GetNotification");
  EXPECT_THAT(get->variables, ElementsAre(std::pair<std::string, std::string>("id", "a/b")));
  auto update = routes.Find("PATCH", "admin/notifications/n1");
  ASSERT_TRUE(update.has_value()) << "the trailing slash may be left out";
  EXPECT_EQ(update->binding->body, "notification");
  EXPECT_THAT(update->variables,
              ElementsAre(std::pair<std::string, std::string>("notification.id", "n1")));
  EXPECT_FALSE(routes.Find("GET", "admin/notifications/%zz/").has_value());
}

TEST(UrlTest, EscapesAreDecodedAndWrittenBack) {
  EXPECT_EQ(PercentDecode("a%2Fb+c", /*query=*/false), "a/b+c");
  EXPECT_EQ(PercentDecode("a%2fb+c", /*query=*/true), "a/b c");
  EXPECT_EQ(PercentDecode("100%", true), std::nullopt);
  EXPECT_EQ(PercentDecode("%g1", true), std::nullopt);
  // Found by the gateway fuzzer: an id decoding to bytes that are not UTF-8 reached a string
  // field, which protobuf would not send. Such text decodes to nothing: no route (404), or a 400
  // for the query string.
  EXPECT_EQ(PercentDecode("caf%C3%A9", false), "café");
  EXPECT_EQ(PercentDecode("%F0%9F%99%82", false), "\xF0\x9F\x99\x82");
  for (const char* bad : {"%FF", "%C3", "%C0%AF", "%ED%A0%80", "%F4%90%80%80",
                          "a\xE9"
                          "b"}) {
    EXPECT_EQ(PercentDecode(bad, false), std::nullopt) << bad;
  }
  EXPECT_EQ(QueryOf("/api/admin/logs/?recipient=%E9"), std::nullopt);
  EXPECT_EQ(PercentEncode("a b/é~"), "a%20b%2F%C3%A9~");
  auto query = QueryOf("/api/admin/logs/?type__in=email%2Csms&sent&recipient__contains=a+b");
  ASSERT_TRUE(query.has_value());
  EXPECT_THAT(*query,
              ElementsAre(std::pair<std::string, std::string>("type__in", "email,sms"),
                          std::pair<std::string, std::string>("sent", ""),
                          std::pair<std::string, std::string>("recipient__contains", "a b")));
  EXPECT_FALSE(QueryOf("/x/?name=%zz").has_value());
  EXPECT_TRUE(QueryOf("/x/")->empty());
}

}  // namespace
}  // namespace notify::gateway
