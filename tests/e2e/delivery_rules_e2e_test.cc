// The rules of delivery end to end, each as the README states it: who a message goes to, what stops
// it, what wraps it, which provider takes it, when it is retried and when it is dead, and what the
// metrics count. The stack and its peers are real (tests/e2e/delivery_fixture.h).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/delivery_fixture.h"

namespace notify::delivery_e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr char kThaboNewEmail[] = "thabo.new@mail.example";
constexpr char kThaboNewMobile[] = "+447700900999";

v1::Notification EmailOn(const std::string& event, const std::string& subject) {
  v1::Notification n;
  n.set_type(v1::NOTIFICATION_TYPE_EMAIL);
  n.set_name(subject);
  n.set_event(event);
  n.set_subject(subject);
  n.set_text_message(subject + " text");
  return n;
}

v1::Notification SmsOn(const std::string& event, const std::string& text) {
  v1::Notification n;
  n.set_type(v1::NOTIFICATION_TYPE_SMS);
  n.set_name(text);
  n.set_event(event);
  n.set_sms_message(text);
  return n;
}

// Thabo as the platform describes him inside an event.
nlohmann::json Thabo() {
  return {{"id", kSimAcmeUserId},
          {"email", kThaboEmail},
          {"mobile", kThaboMobile},
          {"first_name", "Thabo"}};
}

// To whom each mail went, by subject.
std::map<std::string, std::string> MailBySubject(const std::vector<SmtpSink::Mail>& mail) {
  std::map<std::string, std::string> out;
  for (const SmtpSink::Mail& m : mail) {
    const size_t at = m.raw.find("Subject: ");
    const std::string subject = m.raw.substr(at + 9, m.raw.find("\r\n", at) - at - 9);
    out[subject] = m.rcpt_tos.empty() ? "" : m.rcpt_tos[0];
  }
  return out;
}

// The Twilio requests answered 201, as "To Body".
std::set<std::string> SmsSent(const std::vector<nlohmann::json>& sent) {
  std::set<std::string> out;
  for (const nlohmann::json& r : sent) {
    out.insert(r["form"]["To"].get<std::string>() + " " + r["form"]["Body"].get<std::string>());
  }
  return out;
}

// user.email.verify goes to the address being verified, user.mobile.verify and mfa.sms.verify to
// the number being verified, and a user.* event whose data is the user goes to that user.
TEST_F(DeliveryE2eTest, RecipientsAreTheOnesTheEventNames) {
  Create(EmailOn("user.email.verify", "Verify your email"));
  Create(SmsOn("user.mobile.verify", "Verify your number"));
  Create(SmsOn("mfa.sms.verify", "Your code is {{ code }}"));
  Create(EmailOn("user.create", "Welcome"));
  Fire("verify-email", "user.email.verify",
       {{"user", Thabo()}, {"email", kThaboNewEmail}, {"verification_url", "https://v.example"}});
  Fire("verify-mobile", "user.mobile.verify", {{"user", Thabo()}, {"mobile", kThaboNewMobile}});
  Fire("mfa", "mfa.sms.verify",
       {{"user", Thabo()}, {"mobile", "+447700900888"}, {"code", "424242"}});
  Fire("created", "user.create",
       {{"id", "9e8d7c6b-5a4f-4e3d-a2c1-b0a9f8e7d6c5"},
        {"email", "maria.garcia@mail.example"},
        {"first_name", "Maria"}});
  ASSERT_TRUE(smtp_->WaitForMessages(2, absl::Seconds(20)));
  ASSERT_TRUE(WaitForDistinctSms(2, absl::Seconds(20)));
  WaitForLogs(4, v1::LOG_STATUS_SENT);
  EXPECT_THAT(MailBySubject(smtp_->Messages()),
              UnorderedElementsAre(::testing::Pair("Verify your email", kThaboNewEmail),
                                   ::testing::Pair("Welcome", "maria.garcia@mail.example")));
  EXPECT_THAT(SmsSent(SentSms()),
              UnorderedElementsAre(absl::StrCat(kThaboNewMobile, " Verify your number"),
                                   "+447700900888 Your code is 424242"));
}

// A notification's fixed recipients (templates allowed) get the message instead of the event's
// user.
TEST_F(DeliveryE2eTest, FixedRecipientsGetTheMessageInsteadOfTheEventsUser) {
  v1::Notification email = EmailOn("transaction.create", "Deposit report");
  email.set_to_email("ops+{{ currency.code|lower }}@acme.example");
  Create(email);
  v1::Notification sms = SmsOn("transaction.create", "Deposit {{ id }}");
  sms.set_to_mobile("+15550009999");
  Create(sms);
  Fire("fixed-1", "transaction.create", Deposit("1"));
  ASSERT_TRUE(smtp_->WaitForMessages(1, absl::Seconds(20)));
  ASSERT_TRUE(WaitForDistinctSms(1, absl::Seconds(20)));
  std::vector<v1::Log> logs = WaitForLogs(2, v1::LOG_STATUS_SENT);
  std::vector<SmtpSink::Mail> mail = smtp_->Messages();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_THAT(mail[0].rcpt_tos, ElementsAre("ops+eur@acme.example"));
  EXPECT_THAT(SmsSent(SentSms()), ElementsAre("+15550009999 Deposit tx-1"));
  std::set<std::string> recipients;
  for (const v1::Log& log : logs) recipients.insert(log.recipient());
  EXPECT_THAT(recipients, UnorderedElementsAre("ops+eur@acme.example", "+15550009999"));
}

// A disabled notification makes no message at all; an enabled one for the same event does.
TEST_F(DeliveryE2eTest, ADisabledNotificationDoesNotFire) {
  Create(SmsOn("transaction.create", "Off {{ id }}"), /*enabled=*/false);
  Create(SmsOn("transaction.create", "On {{ id }}"));
  Fire("disabled-1", "transaction.create", Deposit("1"));
  ASSERT_TRUE(WaitForDistinctSms(1, absl::Seconds(20)));
  WaitForLogs(1, v1::LOG_STATUS_SENT);
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_THAT(SmsSent(SentSms()), ElementsAre(absl::StrCat(kThaboMobile, " On tx-1")));
  EXPECT_EQ(Logs().size(), 1u) << "no log, not even a skipped one, for the disabled notification";
}

// While the company has push off, a push notification is skipped with the reason and FCM is never
// called; once it is on, the same notification reaches the device.
TEST_F(DeliveryE2eTest, PushIsSkippedWhileTheCompanyHasPushOff) {
  RegisterDevice("device-token-1", "Pixel");
  v1::Notification n;
  n.set_type(v1::NOTIFICATION_TYPE_PUSH);
  n.set_name("Deposit push");
  n.set_event("transaction.create");
  n.set_subject("Deposit");
  n.set_push_message("{{ id }} arrived");
  Create(n);
  SetPushEnabled(false);
  Fire("push-off", "transaction.create", Deposit("1"));
  std::vector<v1::Log> skipped = WaitForLogs(1, v1::LOG_STATUS_SKIPPED);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_THAT(skipped[0].last_error(), HasSubstr("push is turned off for the company"));

  SetPushEnabled(true);
  Fire("push-on", "transaction.create", Deposit("2"));
  WaitForLogs(1, v1::LOG_STATUS_SENT);
  std::vector<nlohmann::json> pushes = providers_->Requests("fcm");
  ASSERT_EQ(pushes.size(), 1u) << "only the message sent while push was on";
  EXPECT_EQ(pushes[0]["json"]["message"]["notification"]["body"], "tx-2 arrived");
}

// A notification's layout wraps each of its parts at delivery, the rendered part as {{ content }}.
TEST_F(DeliveryE2eTest, ALayoutWrapsEachPartAtDelivery) {
  auto create_layout = [&](v1::Layout layout) {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::CreateLayoutRequest request;
    *request.mutable_layout() = layout;
    v1::CreateLayoutResponse response;
    grpc::Status status = stack_->admin().CreateLayout(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.layout().id();
  };
  v1::Layout sms_layout;
  sms_layout.set_name("SMS footer");
  sms_layout.set_type(v1::NOTIFICATION_TYPE_SMS);
  sms_layout.set_sms_message("{{ context.company.name }}: {{ content }} Reply STOP to stop.");
  v1::Layout email_layout;
  email_layout.set_name("Email frame");
  email_layout.set_type(v1::NOTIFICATION_TYPE_EMAIL);
  email_layout.set_text_message("-- {{ context.company.name }} --\n{{ content }}\n-- end --");
  email_layout.set_html_message("<div class=\"frame\">{{ content }}</div>");

  v1::Notification sms = SmsOn("transaction.create", "Deposit {{ id }}");
  sms.set_layout(create_layout(sms_layout));
  Create(sms);
  v1::Notification email = EmailOn("transaction.create", "Deposit");
  email.set_text_message("You got {{ amount }}.");
  email.set_html_message("<p>You got {{ amount }} & more</p>");
  email.set_layout(create_layout(email_layout));
  Create(email);

  Fire("layout-1", "transaction.create", Deposit("1"));
  ASSERT_TRUE(WaitForDistinctSms(1, absl::Seconds(20)));
  ASSERT_TRUE(smtp_->WaitForMessages(1, absl::Seconds(20)));
  EXPECT_THAT(
      SmsSent(SentSms()),
      ElementsAre(absl::StrCat(kThaboMobile, " Acme Wallet: Deposit tx-1 Reply STOP to stop.")));
  std::vector<v1::Log> logs = WaitForLogs(2, v1::LOG_STATUS_SENT);
  for (const v1::Log& log : logs) {
    if (log.type() != v1::NOTIFICATION_TYPE_EMAIL) continue;
    EXPECT_EQ(log.text_message(), "-- Acme Wallet --\nYou got 10000.\n-- end --");
    EXPECT_EQ(log.html_message(), "<div class=\"frame\"><p>You got 10000 & more</p></div>")
        << "the content is the rendered HTML, not escaped again";
  }
  const std::string decoded = DecodeQuotedPrintable(smtp_->Messages()[0].raw);
  if (!absl::StrContains(smtp_->Messages()[0].raw, "Content-Transfer-Encoding: base64")) {
    EXPECT_THAT(decoded, HasSubstr("<div class=\"frame\"><p>You got 10000 & more</p></div>"));
  }
}

// A company's disabled credential is passed over: the server's default provider sends.
TEST_F(DeliveryE2eTest, ADisabledCredentialFallsBackToTheServersDefault) {
  const std::string sid = "ACoff0000000000000000000000000000";
  providers_->Control("POST", "twilio/accounts", {{"sid", sid}, {"token", "off-token"}});
  v1::Credential credential;
  credential.set_type(v1::CREDENTIAL_TYPE_TWILIO);
  credential.set_name("Acme's old Twilio");
  credential.set_enabled(false);
  credential.mutable_twilio()->set_account_sid(sid);
  credential.mutable_twilio()->set_auth_token("off-token");
  credential.mutable_twilio()->set_from_number("+15559990000");
  ASSERT_FALSE(CreateCredential(credential).empty());
  Create(SmsOn("transaction.create", "Deposit {{ id }}"));
  Fire("fallback-1", "transaction.create", Deposit("1"));
  WaitForLogs(1, v1::LOG_STATUS_SENT);
  std::vector<nlohmann::json> sent = SentSms();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["auth"]["user"], ::notify::testing::kSimTwilioAccountSid);
  EXPECT_EQ(sent[0]["form"]["From"], kFrom);
}

// Metrics count deliveries by channel and outcome, provider latency by channel and events by
// outcome.
TEST_F(DeliveryE2eTest, TheMetricsCountWhatBecameOfEachMessage) {
  Create(SmsOn("transaction.create", "Deposit {{ id }}"));
  providers_->Fault({{"provider", "twilio"}, {"status", 500}, {"count", 1}});
  Fire("metrics-1", "transaction.create", Deposit("1"));
  WaitForLogs(1, v1::LOG_STATUS_SENT);
  std::string metrics;
  ASSERT_TRUE(PollUntil(
      [&] {
        metrics = Metrics();
        return absl::StrContains(metrics,
                                 R"(notify_deliveries_total{channel="sms",outcome="sent"})");
      },
      absl::Seconds(10)))
      << metrics;
  EXPECT_THAT(metrics, HasSubstr(R"(notify_deliveries_total{channel="sms",outcome="retrying"} 1)"));
  EXPECT_THAT(metrics, HasSubstr(R"(notify_deliveries_total{channel="sms",outcome="sent"} 1)"));
  EXPECT_THAT(metrics, HasSubstr(R"(notify_send_seconds_count{channel="sms"} 2)"));
  EXPECT_THAT(metrics, HasSubstr(R"(notify_events_processed_total{outcome="processed"} 1)"));
}

// --deliver=false: the APIs are served and webhooks stored, and nothing is processed or sent.
class NoDeliveryE2eTest : public DeliveryE2eTest {
 protected:
  void SetUp() override { Start({"--deliver=false"}); }
};

TEST_F(NoDeliveryE2eTest, EventsAreStoredAndNothingIsSent) {
  Create(SmsOn("transaction.create", "Deposit {{ id }}"));
  PostDeposits("kept", 3);
  EXPECT_EQ(stack_->ListedEventIds().size(), 3u);
  absl::SleepFor(absl::Seconds(1));  // Ten poll intervals: time enough to have sent them.
  EXPECT_EQ(EventsPending(), 3);
  EXPECT_TRUE(Logs().empty());
  EXPECT_TRUE(providers_->Requests("twilio").empty());
}

// A channel with no provider at all (no credential, no server default): dead at once, saying so.
class NoSmsProviderE2eTest : public DeliveryE2eTest {
 protected:
  void SetUp() override {
    Start({"--twilio-account-sid=", "--twilio-auth-token=", "--twilio-from="});
  }
};

TEST_F(NoSmsProviderE2eTest, AMessageWithNoProviderIsDeadAtOnce) {
  Create(SmsOn("transaction.create", "Deposit {{ id }}"));
  Fire("none-1", "transaction.create", Deposit("1"));
  std::vector<v1::Log> dead = WaitForLogs(1, v1::LOG_STATUS_DEAD);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempt_count(), 1) << "not retried";
  EXPECT_THAT(dead[0].last_error(), HasSubstr("no SMS provider"));
  EXPECT_TRUE(providers_->Requests("twilio").empty());
}

// Three attempts at most, the retries 200 ms apart, at most 1 s.
class ThreeAttemptsE2eTest : public DeliveryE2eTest {
 protected:
  void SetUp() override { Start({"--delivery-max-attempts=3"}); }
};

TEST_F(ThreeAttemptsE2eTest, AfterTheLastAttemptAMessageIsDead) {
  Create(SmsOn("transaction.create", "Deposit {{ id }}"));
  providers_->Fault({{"provider", "twilio"}, {"status", 503}, {"count", 1000}});
  Fire("dead-1", "transaction.create", Deposit("1"));
  std::vector<v1::Log> dead = WaitForLogs(1, v1::LOG_STATUS_DEAD, absl::Seconds(30));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempt_count(), 3);
  EXPECT_THAT(dead[0].last_error(), HasSubstr("gave up after 3 attempts"));
  v1::Log full = Log(dead[0].id());
  ASSERT_EQ(full.attempts_size(), 3);
  for (const v1::LogAttempt& attempt : full.attempts()) EXPECT_EQ(attempt.provider_status(), 503);
  absl::SleepFor(absl::Milliseconds(1500));  // Longer than --retry-max: no fourth attempt comes.
  EXPECT_EQ(providers_->Requests("twilio").size(), 3u);
}

// A longest wait long enough for the provider's Retry-After to show.
class LongRetryMaxE2eTest : public DeliveryE2eTest {
 protected:
  void SetUp() override { Start({"--retry-max=10s"}); }
};

// The retry waits for the provider's Retry-After (2 s), longer than the backoff (200 ms).
TEST_F(LongRetryMaxE2eTest, AProvidersRetryAfterIsHonoured) {
  Create(SmsOn("transaction.create", "Deposit {{ id }}"));
  providers_->Fault({{"provider", "twilio"}, {"status", 429}, {"count", 1}, {"retry_after", 2}});
  Fire("later-1", "transaction.create", Deposit("1"));
  std::vector<v1::Log> sent = WaitForLogs(1, v1::LOG_STATUS_SENT, absl::Seconds(20));
  ASSERT_EQ(sent.size(), 1u);
  v1::Log full = Log(sent[0].id());
  ASSERT_EQ(full.attempts_size(), 2);
  EXPECT_EQ(full.attempts(0).provider_status(), 429);
  const absl::Duration gap =
      absl::Seconds(full.attempts(1).started().seconds() - full.attempts(0).started().seconds()) +
      absl::Nanoseconds(full.attempts(1).started().nanos() - full.attempts(0).started().nanos());
  EXPECT_GE(gap, absl::Milliseconds(1950)) << "the second attempt came after " << gap;
  EXPECT_LT(gap, absl::Seconds(6));
}

// A message waiting to be retried when its company deactivates is cancelled, and stays so when
// the company comes back.
TEST_F(LongRetryMaxE2eTest, DeactivationCancelsARetryAndReactivationDoesNotSendIt) {
  Create(SmsOn("transaction.create", "Deposit {{ id }}"));
  providers_->Fault({{"provider", "twilio"}, {"status", 429}, {"count", 1}, {"retry_after", 4}});
  Fire("cancel-1", "transaction.create", Deposit("1"));
  ASSERT_EQ(WaitForLogs(1, v1::LOG_STATUS_RETRYING, absl::Seconds(20)).size(), 1u);
  ::notify::testing::HttpResult deactivated = stack_->Post(
      "deactivate/", nlohmann::json{{"token", ::notify::testing::kSimAcmeAdminToken}}.dump());
  ASSERT_EQ(deactivated.status, 200) << deactivated.body;
  secret_ = stack_->Activate();
  absl::SleepFor(absl::Seconds(6));  // Past the retry's time.
  std::vector<v1::Log> cancelled = WaitForLogs(1, v1::LOG_STATUS_CANCELLED, absl::Seconds(5));
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].last_error(),
            "cancelled: the company deactivated the extension before it was sent");
  EXPECT_EQ(providers_->Requests("twilio").size(), 1u) << "only the first attempt went out";
  EXPECT_TRUE(SentSms().empty());
}

// With both server defaults, email goes through SendGrid, not SMTP.
class SendGridAndSmtpE2eTest : public DeliveryE2eTest {
 protected:
  std::vector<std::string> PeerArgs() override {
    return {"--sendgrid-url=" + providers_->url(),
            std::string("--sendgrid-api-key=") + ::notify::testing::kSimSendGridKey};
  }
};

TEST_F(SendGridAndSmtpE2eTest, SendGridIsChosenBeforeSmtp) {
  Create(EmailOn("transaction.create", "Deposit"));
  Fire("sendgrid-1", "transaction.create", Deposit("1"));
  std::vector<v1::Log> sent = WaitForLogs(1, v1::LOG_STATUS_SENT);
  ASSERT_EQ(sent.size(), 1u);
  std::vector<nlohmann::json> requests = providers_->Requests("sendgrid");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["status"], 202);
  EXPECT_EQ(requests[0]["json"]["personalizations"][0]["to"][0]["email"], kThaboEmail);
  EXPECT_EQ(Log(sent[0].id()).attempts(0).provider_status(), 202);
  EXPECT_TRUE(smtp_->Messages().empty()) << "nothing went through SMTP";
}

}  // namespace
}  // namespace notify::delivery_e2e
