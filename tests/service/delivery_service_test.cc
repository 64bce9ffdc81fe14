// PreviewNotification, TriggerNotification, ResendLog and ReplayEvent over the real App and
// PostgreSQL: what they answer, their errors, and tenant isolation. (What they send is in
// tests/e2e/delivery_e2e_test.cc, against real peers.)
#include <pqxx/pqxx>

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "tests/service/service_fixture.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;
using ::notify::testing::DetailsOf;
using ::notify::testing::kAdmin;
using ::notify::testing::kGlobexAdmin;
using ::notify::testing::kOtherUserId;
using ::notify::testing::kUserId;
using ::testing::HasSubstr;

class DeliveryServiceTest : public ::notify::testing::ServiceTest {
 protected:
  v1::Notification Create(v1::Notification n) {
    n.set_enabled(true);
    v1::CreateNotificationRequest request;
    *request.mutable_notification() = n;
    v1::CreateNotificationResponse response;
    grpc::Status status = admin_->CreateNotification(As(kAdmin).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.notification();
  }

  static v1::Notification Email() {
    v1::Notification n;
    n.set_type(v1::NOTIFICATION_TYPE_EMAIL);
    n.set_name("Welcome");
    n.set_event("user.create");
    n.set_subject("Welcome, {{ first_name }}");
    n.set_text_message("Hi {{ first_name }}.");
    n.set_html_message("<p>Hi {{ first_name }}</p>");
    return n;
  }

  static google::protobuf::Struct Data(const std::string& first_name) {
    google::protobuf::Struct data;
    (*data.mutable_fields())["first_name"].set_string_value(first_name);
    return data;
  }

  grpc::Status Preview(const v1::PreviewNotificationRequest& request,
                       v1::PreviewNotificationResponse* response,
                       const std::string& token = kAdmin) {
    return admin_->PreviewNotification(As(token).get(), request, response);
  }

  // A stored delivery of acme; returns its id.
  std::string Deliver(const std::string& type, const std::string& recipient) {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    return tx
        .exec_params1(
            "INSERT INTO deliveries (company_id, dedupe_key, type, user_id, recipient, subject,"
            " text_message, sms_message, status) VALUES ('acme', $1, $2, $3, $4, 'Hello', 'Hi.',"
            " 'Hi.', 'sent') RETURNING id::text",
            type + recipient, type, kUserId, recipient)[0]
        .as<std::string>();
  }

  std::string StoreEvent(const std::string& name, const std::string& status) {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    return tx
        .exec_params1(
            "INSERT INTO events (company_id, event_id, name, data, status)"
            " VALUES ('acme', $1, $1, '{}', $2) RETURNING id::text",
            name + status, status)[0]
        .as<std::string>();
  }
};

TEST_F(DeliveryServiceTest, PreviewRendersEveryPartOfAnUnsavedNotification) {
  v1::PreviewNotificationRequest request;
  *request.mutable_notification() = Email();
  *request.mutable_data() = Data("<Ann>");
  v1::PreviewNotificationResponse response;
  grpc::Status status = Preview(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.subject(), "Welcome, <Ann>") << "text parts are not escaped";
  EXPECT_EQ(response.text_message(), "Hi <Ann>.");
  EXPECT_EQ(response.html_message(), "<p>Hi &lt;Ann&gt;</p>");
  EXPECT_TRUE(response.fires());
  EXPECT_EQ(response.expression_error(), "");
}

TEST_F(DeliveryServiceTest, PreviewOfASavedNotificationWrapsItInItsLayout) {
  v1::CreateLayoutRequest layout_request;
  layout_request.mutable_layout()->set_name("Branded");
  layout_request.mutable_layout()->set_html_message("<main>{{ content }}</main>");
  layout_request.mutable_layout()->set_text_message("{{ content }}\n-- {{ context.company.name }}");
  v1::CreateLayoutResponse layout;
  ASSERT_TRUE(admin_->CreateLayout(As(kAdmin).get(), layout_request, &layout).ok());
  v1::Notification n = Email();
  n.set_layout(layout.layout().id());
  n.set_expression("'{{ first_name }}' == 'Bo'");
  const v1::Notification saved = Create(n);

  v1::PreviewNotificationRequest request;
  request.set_id(saved.id());
  *request.mutable_data() = Data("Ann & Co");
  v1::PreviewNotificationResponse response;
  ASSERT_TRUE(Preview(request, &response).ok());
  EXPECT_EQ(response.html_message(), "<main><p>Hi Ann &amp; Co</p></main>");
  EXPECT_EQ(response.text_message(), "Hi Ann & Co.\n-- Acme Wallet");
  EXPECT_FALSE(response.fires()) << "the expression does not hold for Ann";
}

TEST_F(DeliveryServiceTest, PreviewReportsExpressionAndTemplateFailures) {
  v1::PreviewNotificationRequest request;
  *request.mutable_notification() = Email();
  request.mutable_notification()->set_expression("{{ amount|add:missing }} > 1");
  v1::PreviewNotificationResponse response;
  ASSERT_TRUE(Preview(request, &response).ok());
  EXPECT_FALSE(response.fires());
  EXPECT_FALSE(response.expression_error().empty());

  request.mutable_notification()->set_expression("");
  request.mutable_notification()->set_text_message("{{ 1|divided_by:0 }}");
  grpc::Status status = Preview(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).reason, "TEMPLATE_INVALID");
  EXPECT_THAT(status.error_message(), HasSubstr("text_message"));

  request.mutable_notification()->set_text_message(
      "{% for a in '12345678901234567890'|make_list %}{% for b in '12345678901234567890'|make_list "
      "%}"
      "{% for c in '1234567890'|make_list %}{% for d in '1234567890'|make_list %}"
      "{% for e in '1234567890'|make_list %}{% for f in '1234567890'|make_list %}x"
      "{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}");
  status = Preview(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << "4,000,000 iterations are past the budget";
  EXPECT_EQ(DetailsOf(status).reason, "TEMPLATE_BUDGET");
  EXPECT_THAT(status.error_message(), HasSubstr("text_message"));

  EXPECT_EQ(Preview(v1::PreviewNotificationRequest(), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "neither a notification nor an id";
}

TEST_F(DeliveryServiceTest, LiquidIncludeAndRenderShowTheCompanysLayoutsByName) {
  auto layout = [&](const std::string& name, v1::TemplateSyntax syntax, const std::string& text,
                    const std::string& html) {
    v1::CreateLayoutRequest request;
    request.mutable_layout()->set_name(name);
    request.mutable_layout()->set_syntax(syntax);
    request.mutable_layout()->set_text_message(text);
    request.mutable_layout()->set_html_message(html);
    v1::CreateLayoutResponse response;
    grpc::Status status = admin_->CreateLayout(As(kAdmin).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
  };
  layout("footer", v1::TEMPLATE_SYNTAX_LIQUID, "-- {{ who }}, {{ first_name }}",
         "<small>{{ who }}</small>");
  layout("greeting", v1::TEMPLATE_SYNTAX_LIQUID, "Dear {{ first_name | capitalize }}", "");
  layout("django footer", v1::TEMPLATE_SYNTAX_DJANGO, "-- {{ who }}", "");
  layout("twice", v1::TEMPLATE_SYNTAX_LIQUID, "one", "");
  layout("twice", v1::TEMPLATE_SYNTAX_LIQUID, "two", "");
  layout("loop", v1::TEMPLATE_SYNTAX_LIQUID, "{% include 'loop' %}", "");
  layout("broken", v1::TEMPLATE_SYNTAX_LIQUID, "{{ 1 | divided_by: 0 }}", "");

  v1::Notification n = Email();
  n.set_syntax(v1::TEMPLATE_SYNTAX_LIQUID);
  n.set_subject("{% include 'greeting' %}");
  n.set_text_message("{% include 'greeting' %}. {% render 'footer', who: context.company.name %}");
  n.set_html_message("<p>Hi</p>{% render 'footer', who: first_name %}");
  v1::PreviewNotificationRequest request;
  *request.mutable_notification() = n;
  *request.mutable_data() = Data("<ann>");
  v1::PreviewNotificationResponse response;
  grpc::Status status = Preview(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.subject(), "Dear <ann>") << "a subject shows the layout's text part";
  EXPECT_EQ(response.text_message(), "Dear <ann>. -- Acme Wallet, ")
      << "include sees the event's data; render only what it is given";
  EXPECT_EQ(response.html_message(), "<p>Hi</p><small>&lt;ann&gt;</small>")
      << "the HTML part shows the layout's HTML part, its outputs escaped";

  auto fails = [&](const std::string& text, grpc::StatusCode code, const std::string& says) {
    v1::PreviewNotificationRequest bad = request;
    bad.mutable_notification()->set_text_message(text);
    grpc::Status s = Preview(bad, &response);
    EXPECT_EQ(s.error_code(), code) << text;
    EXPECT_THAT(s.error_message(), HasSubstr(says)) << text;
  };
  fails("{% render 'nobody' %}", grpc::StatusCode::INVALID_ARGUMENT,
        "'render' names 'nobody', and no layout of the company has that name");
  fails("{% render 'django footer' %}", grpc::StatusCode::INVALID_ARGUMENT,
        "layout 'django footer' is written in Django");
  fails("{% render 'twice' %}", grpc::StatusCode::INVALID_ARGUMENT,
        "several layouts have that name");
  fails("{% include 'loop' %}", grpc::StatusCode::RESOURCE_EXHAUSTED, "nested more than");
  fails("x\n  {% render 'broken' %}", grpc::StatusCode::INVALID_ARGUMENT,
        "line 2, column 3: in layout 'broken': line 1, column ");

  // Another company's layout of that name is not this company's.
  v1::CreateLayoutRequest globex;
  globex.mutable_layout()->set_name("globex only");
  globex.mutable_layout()->set_syntax(v1::TEMPLATE_SYNTAX_LIQUID);
  globex.mutable_layout()->set_text_message("secret");
  v1::CreateLayoutResponse created;
  ASSERT_TRUE(admin_->CreateLayout(As(kGlobexAdmin).get(), globex, &created).ok());
  fails("{% render 'globex only' %}", grpc::StatusCode::INVALID_ARGUMENT, "no layout");
}

TEST_F(DeliveryServiceTest, SavingRefusesTemplatesPastTheBudgetWhateverTheData) {
  v1::Notification n = Email();
  n.set_syntax(v1::TEMPLATE_SYNTAX_LIQUID);
  n.set_text_message("{% for i in (1..100000000) %}x{% endfor %}");
  v1::CreateNotificationRequest create;
  *create.mutable_notification() = n;
  v1::CreateNotificationResponse created;
  grpc::Status status = admin_->CreateNotification(As(kAdmin).get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(DetailsOf(status).reason, "TEMPLATE_BUDGET");
  EXPECT_EQ(DetailsOf(status).field, "text_message");
  EXPECT_THAT(status.error_message(), HasSubstr("text_message: "));

  v1::CreateLayoutRequest layout;
  layout.mutable_layout()->set_name("doubling");
  layout.mutable_layout()->set_html_message(
      "{% for a in '1234567890'|make_list %}{% for b in '1234567890'|make_list %}"
      "{% for c in '1234567890'|make_list %}{% for d in '1234567890'|make_list %}"
      "{% for e in '1234567890'|make_list %}{% for f in '1234567890'|make_list %}{{ content }}"
      "{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}");
  v1::CreateLayoutResponse layout_response;
  status = admin_->CreateLayout(As(kAdmin).get(), layout, &layout_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << "a Django layout too";
  EXPECT_EQ(DetailsOf(status).field, "html_message");

  // What fails on some data but not on other is left to the preview and the delivery.
  n.set_text_message("{{ 10 | divided_by: count }}");
  *create.mutable_notification() = n;
  status = admin_->CreateNotification(As(kAdmin).get(), create, &created);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(DeliveryServiceTest, ALiquidNotificationIsSavedCheckedAndRenderedAsLiquid) {
  v1::CreateLayoutRequest layout_request;
  layout_request.mutable_layout()->set_name("Django wrapper");
  layout_request.mutable_layout()->set_text_message(
      "{{ content }}\n-- {{ context.company.name|upper }}");
  v1::CreateLayoutResponse layout;
  ASSERT_TRUE(admin_->CreateLayout(As(kAdmin).get(), layout_request, &layout).ok());
  EXPECT_EQ(layout.layout().syntax(), v1::TEMPLATE_SYNTAX_DJANGO) << "the default, named";

  v1::Notification n = Email();
  n.set_syntax(v1::TEMPLATE_SYNTAX_LIQUID);
  n.set_subject("Welcome, {{ first_name | upcase }}");
  n.set_text_message(
      "Hi {{ first_name | append: '!' }}{% if first_name == 'Ann' %} Hello Ann.{% endif %}");
  n.set_html_message("<p>{{ first_name }}</p>");
  n.set_expression("'{{ first_name | downcase }}' == 'ann'");
  n.set_layout(layout.layout().id());
  const v1::Notification saved = Create(n);
  EXPECT_EQ(saved.syntax(), v1::TEMPLATE_SYNTAX_LIQUID);

  v1::PreviewNotificationRequest request;
  request.set_id(saved.id());
  *request.mutable_data() = Data("Ann");
  v1::PreviewNotificationResponse response;
  grpc::Status status = Preview(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.subject(), "Welcome, ANN");
  EXPECT_EQ(response.text_message(), "Hi Ann! Hello Ann.\n-- ACME WALLET")
      << "the notification in Liquid, its layout in Django";
  EXPECT_TRUE(response.fires()) << response.expression_error();

  // Django's spelling does not parse as Liquid, and the reverse: each is checked in its own.
  v1::Notification django_in_liquid = n;
  django_in_liquid.set_text_message("{% firstof first_name \"there\" %}");
  v1::CreateNotificationRequest create;
  *create.mutable_notification() = django_in_liquid;
  v1::CreateNotificationResponse created;
  status = admin_->CreateNotification(As(kAdmin).get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).reason, "TEMPLATE_INVALID");
  EXPECT_THAT(status.error_message(), HasSubstr("text_message"));
  create.mutable_notification()->set_syntax(v1::TEMPLATE_SYNTAX_DJANGO);
  create.mutable_notification()->set_expression("");
  status = admin_->CreateNotification(As(kAdmin).get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << "{{ first_name | upcase }} names no Django filter";

  create.mutable_notification()->set_syntax(static_cast<v1::TemplateSyntax>(7));
  status = admin_->CreateNotification(As(kAdmin).get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("syntax"));

  // A change of syntax is checked against the templates it keeps.
  v1::UpdateNotificationRequest update;
  update.mutable_notification()->set_id(saved.id());
  update.mutable_notification()->set_syntax(v1::TEMPLATE_SYNTAX_DJANGO);
  update.mutable_update_mask()->add_paths("syntax");
  v1::UpdateNotificationResponse updated;
  status = admin_->UpdateNotification(As(kAdmin).get(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).reason, "TEMPLATE_INVALID");
}

TEST_F(DeliveryServiceTest, TransactionEventsSeeComputedFeeAndTotalAmount) {
  v1::PreviewNotificationRequest request;
  v1::Notification* n = request.mutable_notification();
  n->set_type(v1::NOTIFICATION_TYPE_SMS);
  n->set_name("Sent");
  n->set_event("transaction.update");
  n->set_sms_message(
      "fee {{ computed.fee|money:currency.divisibility }}, total "
      "{{ computed.total_amount|money:currency.divisibility }}");
  google::protobuf::Struct& data = *request.mutable_data();
  (*data.mutable_fields())["amount"].set_number_value(-10000);
  (*data.mutable_fields())["fee"].set_number_value(-150);
  (*data.mutable_fields())["total_amount"].set_number_value(-10150);
  (*(*data.mutable_fields())["currency"].mutable_struct_value()->mutable_fields())["divisibility"]
      .set_number_value(2);
  v1::PreviewNotificationResponse response;
  grpc::Status status = Preview(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.sms_message(), "fee 1.50, total 101.50") << "magnitudes, whatever the sign";

  // Without a top-level fee and total: the sum of `fees`, and amount + fee.
  data.mutable_fields()->erase("fee");
  data.mutable_fields()->erase("total_amount");
  google::protobuf::ListValue& fees = *(*data.mutable_fields())["fees"].mutable_list_value();
  for (double amount : {-100.0, -25.0}) {
    (*fees.add_values()->mutable_struct_value()->mutable_fields())["amount"].set_number_value(
        amount);
  }
  ASSERT_TRUE(Preview(request, &response).ok());
  EXPECT_EQ(response.sms_message(), "fee 1.25, total 101.25");

  n->set_event("user.create");
  ASSERT_TRUE(Preview(request, &response).ok());
  EXPECT_EQ(response.sms_message(), "fee , total ") << "only transaction events are computed";
}

TEST_F(DeliveryServiceTest, AnotherCompanysNotificationIsNotFound) {
  const v1::Notification saved = Create(Email());
  v1::PreviewNotificationRequest preview;
  preview.set_id(saved.id());
  v1::PreviewNotificationResponse previewed;
  grpc::Status status = Preview(preview, &previewed, kGlobexAdmin);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(status).reason, "NOTIFICATION_NOT_FOUND");

  v1::TriggerNotificationRequest trigger;
  trigger.set_id(saved.id());
  trigger.add_user_ids(kUserId);
  v1::TriggerNotificationResponse triggered;
  status = admin_->TriggerNotification(As(kGlobexAdmin).get(), trigger, &triggered);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  const std::string log = Deliver("email", "ann@example.com");
  v1::ResendLogRequest resend;
  resend.set_id(log);
  v1::ResendLogResponse resent;
  status = admin_->ResendLog(As(kGlobexAdmin).get(), resend, &resent);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(status).reason, "LOG_NOT_FOUND");
}

TEST_F(DeliveryServiceTest, TriggerWritesOneQueuedLogPerUserUnderAnEventOfItsOwn) {
  const v1::Notification saved = Create(Email());
  v1::TriggerNotificationRequest request;
  request.set_id(saved.id());
  request.add_user_ids(kUserId);
  request.add_user_ids(kOtherUserId);
  request.add_user_ids(kUserId);  // Named twice: sent once.
  *request.mutable_data() = Data("Ann");
  v1::TriggerNotificationResponse response;
  grpc::Status status = admin_->TriggerNotification(As(kAdmin).get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.logs_size(), 2);
  std::set<std::string> recipients;
  for (const v1::Log& log : response.logs()) {
    EXPECT_EQ(log.event_id(), response.event_id());
    EXPECT_EQ(log.subject(), "Welcome, Ann");
    EXPECT_EQ(log.status(), v1::LOG_STATUS_PENDING) << "queued for the email senders";
    recipients.insert(log.recipient());
  }
  // Each user's address, as the platform gives it.
  EXPECT_EQ(recipients, (std::set<std::string>{std::string(kUserId) + "@example.com",
                                               std::string(kOtherUserId) + "@example.com"}));
  v1::GetEventRequest get;
  get.set_id(response.event_id());
  v1::GetEventResponse event;
  ASSERT_TRUE(admin_->GetEvent(As(kAdmin).get(), get, &event).ok());
  EXPECT_EQ(event.event().event_id(), "trigger:" + response.event_id());
  EXPECT_EQ(event.event().event(), "user.create");
  EXPECT_EQ(event.event().delivery_count(), 2);

  v1::TriggerNotificationRequest nobody;
  nobody.set_id(saved.id());
  status = admin_->TriggerNotification(As(kAdmin).get(), nobody, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).field, "user_ids");
}

TEST_F(DeliveryServiceTest, ResendQueuesACopyToTheSameOrAnotherRecipientOfTheSameKind) {
  const std::string email = Deliver("email", "ann@example.com");
  v1::ResendLogRequest request;
  request.set_id(email);
  v1::ResendLogResponse response;
  ASSERT_TRUE(admin_->ResendLog(As(kAdmin).get(), request, &response).ok());
  EXPECT_EQ(response.log().resend_of(), email);
  EXPECT_EQ(response.log().recipient(), "ann@example.com");
  EXPECT_EQ(response.log().status(), v1::LOG_STATUS_PENDING);
  EXPECT_EQ(response.log().subject(), "Hello");
  EXPECT_NE(response.log().id(), email);

  request.set_recipient("bo@example.com");
  ASSERT_TRUE(admin_->ResendLog(As(kAdmin).get(), request, &response).ok());
  EXPECT_EQ(response.log().recipient(), "bo@example.com");
  EXPECT_EQ(response.log().user_id(), "") << "another address is no longer the user's";

  request.set_recipient("+15550001111");
  grpc::Status status = admin_->ResendLog(As(kAdmin).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).field, "recipient");

  request.set_id(Deliver("sms", "+15550001111"));
  request.set_recipient("bo@example.com");
  EXPECT_EQ(admin_->ResendLog(As(kAdmin).get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.set_recipient("+15550002222");
  ASSERT_TRUE(admin_->ResendLog(As(kAdmin).get(), request, &response).ok());
  EXPECT_EQ(response.log().sms_message(), "Hi.");

  request.set_id("00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(admin_->ResendLog(As(kAdmin).get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(DeliveryServiceTest, ReplayMakesAProcessedEventPendingButNotAnIgnoredOne) {
  const std::string processed = StoreEvent("user.create", "processed");
  v1::ReplayEventRequest request;
  request.set_id(processed);
  v1::ReplayEventResponse response;
  grpc::Status status = admin_->ReplayEvent(As(kAdmin).get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.event().status(), v1::EVENT_STATUS_PENDING);
  {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    EXPECT_EQ(tx.exec_params1("SELECT attempts FROM event_queue WHERE id = $1::uuid"
                              " AND due <= now()",
                              processed)[0]
                  .as<int>(),
              1)
        << "queued again, as processed once already";
  }

  request.set_id(StoreEvent("spaceship.launch", "ignored"));
  status = admin_->ReplayEvent(As(kAdmin).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(DetailsOf(status).reason, "EVENT_IGNORED");

  request.set_id(processed);
  status = admin_->ReplayEvent(As(kGlobexAdmin).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(status).reason, "EVENT_NOT_FOUND");
}

}  // namespace
}  // namespace notify
