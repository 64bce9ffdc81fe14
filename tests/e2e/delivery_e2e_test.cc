// Delivery end to end: the platform simulator fires webhooks at the real gateway and server, which
// send through real peers: an SMTP server (tools/smtp-sink on aiosmtpd) and HTTP peers shaped like
// Twilio, Google's token endpoint and FCM (tools/provider-sim).
#include <signal.h>

#include <map>
#include <set>

#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/delivery_fixture.h"

namespace notify::delivery_e2e {
namespace {

TEST_F(DeliveryE2eTest, AWebhookBecomesAMimeEmailWithBothParts) {
  v1::Notification n;
  n.set_type(v1::NOTIFICATION_TYPE_EMAIL);
  n.set_name("Deposit email");
  n.set_event("transaction.create");
  n.set_subject(
      "Deposit of {{ amount|money:currency.divisibility }} {{ currency.code }} \xe2\x9c\x93");
  n.set_text_message(
      "Hi {{ user.first_name|default:\"there\" }}, {{ amount|money:currency.divisibility }} "
      "arrived on {{ created|timestamp|date:\"D d M Y\" }}.");
  n.set_html_message(
      "<p>Hi <b>{{ user.first_name }}</b> & welcome to {{ context.company.name }}</p>"
      "<p>{{ note }}</p>");
  Create(n);

  nlohmann::json data = Deposit("1");
  data["note"] = "Tom & Jerry <3";
  Fire("mail-1", "transaction.create", data);
  ASSERT_TRUE(smtp_->WaitForMessages(1, absl::Seconds(20)));
  std::vector<SmtpSink::Mail> mail = smtp_->Messages();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].mail_from, "no-reply@acme.example");
  EXPECT_THAT(mail[0].rcpt_tos, ::testing::ElementsAre(kThaboEmail));
  const std::string& raw = mail[0].raw;
  EXPECT_THAT(raw, HasSubstr("To: " + std::string(kThaboEmail)));
  EXPECT_THAT(raw, HasSubstr("MIME-Version: 1.0"));
  EXPECT_THAT(raw, HasSubstr("multipart/alternative"));
  EXPECT_THAT(raw, HasSubstr("text/plain"));
  EXPECT_THAT(raw, HasSubstr("text/html"));
  EXPECT_THAT(raw, HasSubstr("=?UTF-8?")) << "the non-ASCII subject is encoded";
  const std::string decoded = DecodeQuotedPrintable(raw);
  const bool base64 = absl::StrContains(raw, "Content-Transfer-Encoding: base64");
  if (!base64) {
    EXPECT_THAT(decoded, HasSubstr("Hi Thabo, 100.00 arrived on Tue 29 Mar 2022."));
    EXPECT_THAT(decoded, HasSubstr("<p>Hi <b>Thabo</b> & welcome to Acme Wallet</p>"
                                   "<p>Tom &amp; Jerry &lt;3</p>"));
  }

  std::vector<v1::Log> logs = WaitForLogs(1, v1::LOG_STATUS_SENT);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].subject(), "Deposit of 100.00 EUR \xe2\x9c\x93");
  EXPECT_EQ(logs[0].text_message(), "Hi Thabo, 100.00 arrived on Tue 29 Mar 2022.");
  EXPECT_EQ(logs[0].html_message(),
            "<p>Hi <b>Thabo</b> & welcome to Acme Wallet</p><p>Tom &amp; Jerry &lt;3</p>")
      << "HTML bodies escape what templates print, not the template's own markup";
  EXPECT_EQ(logs[0].recipient(), kThaboEmail);
  EXPECT_EQ(logs[0].user_id(), kSimAcmeUserId);
  v1::Log full = Log(logs[0].id());
  ASSERT_EQ(full.attempts_size(), 1);
  EXPECT_TRUE(full.attempts(0).success());
  EXPECT_EQ(full.attempts(0).provider_status(), 250);

  // The platform retries the same event: nothing is sent twice.
  Fire("mail-1", "transaction.create", data);
  absl::SleepFor(absl::Seconds(2));
  EXPECT_EQ(smtp_->Messages().size(), 1u);
  EXPECT_EQ(Logs().size(), 1u);
}

TEST_F(DeliveryE2eTest, ATemplatedSenderIsRenderedAndOneThatIsNoAddressIsDead) {
  v1::Notification n;
  n.set_type(v1::NOTIFICATION_TYPE_EMAIL);
  n.set_name("From the company");
  n.set_event("transaction.create");
  n.set_subject("Deposit");
  n.set_text_message("Hi");
  n.set_from_email("{{ context.company.name|slugify }}@acme.example");
  Create(n);
  n.set_name("From nowhere");
  n.set_from_email("{{ sender }}");
  Create(n);

  Fire("from-1", "transaction.create", Deposit("1"));
  ASSERT_TRUE(smtp_->WaitForMessages(1, absl::Seconds(20)));
  std::vector<v1::Log> dead = WaitForLogs(1, v1::LOG_STATUS_DEAD);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].notification_name(), "From nowhere");
  EXPECT_THAT(dead[0].last_error(),
              HasSubstr("from_email: rendered to \"\", which is not an email address"));
  std::vector<SmtpSink::Mail> mail = smtp_->Messages();
  ASSERT_EQ(mail.size(), 1u) << "nothing goes out from no address";
  EXPECT_EQ(mail[0].mail_from, "acme-wallet@acme.example");
  EXPECT_THAT(mail[0].raw, HasSubstr("From: acme-wallet@acme.example"));
}

TEST_F(DeliveryE2eTest, AnSmsReachesTheTwilioPeerWithTheFormAndBasicAuth) {
  Sms("{{ user.first_name }}: +{{ amount|money:2 }} {{ currency.code }}");
  Fire("sms-1", "transaction.create", Deposit("1"));
  std::vector<v1::Log> logs = WaitForLogs(1, v1::LOG_STATUS_SENT);
  std::vector<nlohmann::json> sent = SentSms();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["path"],
            absl::StrCat("/2010-04-01/Accounts/", ::notify::testing::kSimTwilioAccountSid,
                         "/Messages.json"));
  EXPECT_EQ(sent[0]["method"], "POST");
  EXPECT_EQ(sent[0]["form"]["To"], kThaboMobile);
  EXPECT_EQ(sent[0]["form"]["From"], kFrom);
  EXPECT_EQ(sent[0]["form"]["Body"], "Thabo: +100.00 EUR");
  EXPECT_EQ(sent[0]["auth"]["scheme"], "basic");
  EXPECT_EQ(sent[0]["auth"]["user"], ::notify::testing::kSimTwilioAccountSid);
  EXPECT_EQ(sent[0]["auth"]["valid"], true);
  EXPECT_EQ(logs[0].recipient(), kThaboMobile);
  EXPECT_EQ(logs[0].attempt_count(), 1);
}

TEST_F(DeliveryE2eTest, APushReachesTheFcmPeerAfterATokenExchange) {
  SetPushEnabled(true);
  RegisterDevice("device-token-good", "Pixel");
  RegisterDevice("device-token-gone", "Old");
  providers_->Control("POST", "fcm/unregistered", {{"token", "device-token-gone"}});
  v1::Notification n;
  n.set_type(v1::NOTIFICATION_TYPE_PUSH);
  n.set_name("Deposit push");
  n.set_event("transaction.create");
  n.set_subject("Deposit");
  n.set_push_message("{{ amount|money:2 }} {{ currency.code }} arrived");
  Create(n);

  Fire("push-1", "transaction.create", Deposit("1"));
  WaitForLogs(1, v1::LOG_STATUS_SENT);
  std::vector<v1::Log> dead = WaitForLogs(1, v1::LOG_STATUS_DEAD);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].recipient(), "Old");
  EXPECT_THAT(dead[0].last_error(), HasSubstr("removed"));

  std::vector<nlohmann::json> tokens = providers_->Requests("token");
  ASSERT_EQ(tokens.size(), 1u) << "one exchange, cached for both devices";
  EXPECT_EQ(tokens[0]["status"], 200);
  std::vector<nlohmann::json> pushes = providers_->Requests("fcm");
  ASSERT_EQ(pushes.size(), 2u);
  std::set<std::string> statuses;
  for (const nlohmann::json& push : pushes) {
    EXPECT_EQ(push["path"],
              absl::StrCat("/v1/projects/", ::notify::testing::kSimFcmProjectId, "/messages:send"));
    EXPECT_EQ(push["auth"]["scheme"], "bearer");
    EXPECT_EQ(push["auth"]["valid"], true);
    const nlohmann::json& message = push["json"]["message"];
    EXPECT_EQ(message["notification"]["title"], "Deposit");
    EXPECT_EQ(message["notification"]["body"], "100.00 EUR arrived");
    statuses.insert(message["token"].get<std::string>() + "=" + push["status"].dump());
  }
  EXPECT_THAT(statuses,
              ::testing::UnorderedElementsAre("device-token-good=200", "device-token-gone=404"));
  // The unregistered token is gone from the user's devices.
  grpc::ClientContext context;
  context.AddMetadata("authorization", std::string("Token ") + kSimAcmeUserToken);
  v1::ListDevicesResponse devices;
  ASSERT_TRUE(user_->ListDevices(&context, v1::ListDevicesRequest(), &devices).ok());
  ASSERT_EQ(devices.devices_size(), 1);
  EXPECT_EQ(devices.devices(0).token(), "device-token-good");
}

TEST_F(DeliveryE2eTest, ACompanysOwnCredentialWinsOverTheServersDefault) {
  const std::string sid = "ACacme000000000000000000000000000";
  const std::string token = "acme-own-twilio-token";
  providers_->Control("POST", "twilio/accounts", {{"sid", sid}, {"token", token}});
  v1::Credential credential;
  credential.set_type(v1::CREDENTIAL_TYPE_TWILIO);
  credential.set_name("Acme's Twilio");
  credential.set_enabled(true);
  credential.mutable_twilio()->set_account_sid(sid);
  credential.mutable_twilio()->set_auth_token(token);
  credential.mutable_twilio()->set_from_number("+15559990000");
  ASSERT_FALSE(CreateCredential(credential).empty());
  Sms("Deposit {{ amount }}");
  Fire("own-1", "transaction.create", Deposit("1"));
  WaitForLogs(1, v1::LOG_STATUS_SENT);
  std::vector<nlohmann::json> sent = SentSms();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["path"], "/2010-04-01/Accounts/" + sid + "/Messages.json");
  EXPECT_EQ(sent[0]["auth"]["user"], sid);
  EXPECT_EQ(sent[0]["auth"]["valid"], true);
  EXPECT_EQ(sent[0]["form"]["From"], "+15559990000");
  EXPECT_THAT(stack_->server().Output(), Not(HasSubstr(token))) << "no secret in the logs";
}

// A company's SMTP server must be on the internet: one at a private address is never connected
// to (the server's own --smtp-url, the operator's, may be anywhere).
TEST_F(DeliveryE2eTest, ACompanysSmtpCredentialAtAPrivateAddressIsDeadWithoutAConnection) {
  CompanyRelayAndEmail();  // The relay is on 127.0.0.1.
  Fire("private-1", "transaction.create", Deposit("1"));
  std::vector<v1::Log> dead = WaitForLogs(1, v1::LOG_STATUS_DEAD);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_THAT(dead[0].last_error(), HasSubstr("the SMTP host is at 127.0.0.1, which is not a "
                                              "public address"));
  EXPECT_TRUE(smtp_->Messages().empty());
}

TEST_F(DeliveryE2eTest, TwoServerErrorsThenSuccessIsSentOnceAfterThreeAttempts) {
  Sms("Deposit {{ amount }}");
  providers_->Fault({{"provider", "twilio"}, {"status", 500}, {"count", 2}});
  Fire("retry-1", "transaction.create", Deposit("1"));
  std::vector<v1::Log> logs = WaitForLogs(1, v1::LOG_STATUS_SENT);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].attempt_count(), 3);
  v1::Log full = Log(logs[0].id());
  ASSERT_EQ(full.attempts_size(), 3);
  EXPECT_EQ(full.attempts(0).provider_status(), 500);
  EXPECT_FALSE(full.attempts(0).success());
  EXPECT_EQ(full.attempts(1).provider_status(), 500);
  EXPECT_EQ(full.attempts(2).provider_status(), 201);
  EXPECT_TRUE(full.attempts(2).success());
  EXPECT_EQ(providers_->Requests("twilio").size(), 3u);
  EXPECT_EQ(SentSms().size(), 1u);
}

TEST_F(DeliveryE2eTest, ABadRequestIsDeadAtOnceWithTheProvidersReason) {
  Sms("Deposit {{ amount }}");
  providers_->Fault({{"provider", "twilio"},
                     {"status", 400},
                     {"body", {{"code", 21211}, {"message", "The 'To' number is not valid."}}}});
  Fire("dead-1", "transaction.create", Deposit("1"));
  std::vector<v1::Log> logs = WaitForLogs(1, v1::LOG_STATUS_DEAD);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].attempt_count(), 1);
  EXPECT_THAT(logs[0].last_error(), HasSubstr("The 'To' number is not valid."));
  EXPECT_THAT(logs[0].last_error(), Not(HasSubstr(::notify::testing::kSimTwilioAuthToken)));
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(providers_->Requests("twilio").size(), 1u) << "no retry";
}

TEST_F(DeliveryE2eTest, AUserWhoOptedOutGetsNothing) {
  v1::Notification n;
  n.set_type(v1::NOTIFICATION_TYPE_SMS);
  n.set_name("Marketing");
  n.set_event("transaction.create");
  n.set_sms_message("Deposit {{ amount }}");
  n.set_preference_enabled(true);
  v1::Notification created = Create(n);
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", std::string("Token ") + kSimAcmeUserToken);
    v1::UpdateNotificationPreferenceRequest request;
    request.set_id(created.id());
    request.set_enabled(false);
    v1::UpdateNotificationPreferenceResponse response;
    grpc::Status status = user_->UpdateNotificationPreference(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  Fire("optout-1", "transaction.create", Deposit("1"));
  std::vector<v1::Log> logs = WaitForLogs(1, v1::LOG_STATUS_SKIPPED);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_THAT(logs[0].last_error(), HasSubstr("turned this notification off"));
  // A later message of another notification goes; the opted-out one never did.
  Sms("Receipt {{ id }}");
  Fire("optout-2", "transaction.create", Deposit("2"));
  ASSERT_TRUE(WaitForDistinctSms(1, absl::Seconds(20)));
  absl::SleepFor(absl::Milliseconds(300));
  std::vector<nlohmann::json> sent = SentSms();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["form"]["Body"], "Receipt tx-2");
}

TEST_F(DeliveryE2eTest, InAppMessagesLandInTheUsersInbox) {
  v1::Notification n;
  n.set_type(v1::NOTIFICATION_TYPE_SYSTEM);
  n.set_name("Inbox");
  n.set_event("transaction.create");
  n.set_subject("Deposit");
  n.set_text_message("{{ amount|money:2 }} {{ currency.code }} arrived");
  Create(n);
  Fire("inapp-1", "transaction.create", Deposit("1"));
  WaitForLogs(1, v1::LOG_STATUS_SENT);
  grpc::ClientContext context;
  context.AddMetadata("authorization", std::string("Token ") + kSimAcmeUserToken);
  v1::ListUserLogsResponse inbox;
  ASSERT_TRUE(user_->ListLogs(&context, v1::ListUserLogsRequest(), &inbox).ok());
  ASSERT_EQ(inbox.logs_size(), 1);
  EXPECT_EQ(inbox.logs(0).text_message(), "100.00 EUR arrived");
  EXPECT_FALSE(inbox.logs(0).received());
}

TEST_F(DeliveryE2eTest, ExpressionsDecideAndTheirFailuresAreShownOnTheEvent) {
  Sms("big {{ amount }}");
  v1::Notification big = Sms("only big {{ amount }}");
  {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::UpdateNotificationRequest request;
    request.mutable_notification()->set_id(big.id());
    request.mutable_notification()->set_expression("{{ amount }} >= 100000");
    request.mutable_update_mask()->add_paths("expression");
    v1::UpdateNotificationResponse response;
    ASSERT_TRUE(stack_->admin().UpdateNotification(&context, request, &response).ok());
  }
  v1::Notification broken = Sms("broken {{ amount }}");
  {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::UpdateNotificationRequest request;
    request.mutable_notification()->set_id(broken.id());
    // Django cannot evaluate a filter whose argument names no variable.
    request.mutable_notification()->set_expression("{{ amount|add:missing }} > 5");
    request.mutable_update_mask()->add_paths("expression");
    v1::UpdateNotificationResponse response;
    grpc::Status status = stack_->admin().UpdateNotification(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  Fire("expr-1", "transaction.create", Deposit("1", 500));
  WaitForLogs(1, v1::LOG_STATUS_SENT);
  absl::SleepFor(absl::Milliseconds(500));
  std::vector<nlohmann::json> sent = SentSms();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["form"]["Body"], "big 500");

  grpc::ClientContext context;
  Stack::AsAdmin(context);
  v1::ListEventsResponse events;
  ASSERT_TRUE(stack_->admin().ListEvents(&context, v1::ListEventsRequest(), &events).ok());
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).status(), v1::EVENT_STATUS_PROCESSED);
  EXPECT_THAT(events.events(0).error(), HasSubstr("expression"));
  EXPECT_THAT(events.events(0).error(), HasSubstr(broken.id()));
}

TEST_F(DeliveryE2eTest, TriggerResendReplayAndPreviewGoThroughTheSameMachinery) {
  v1::Notification n = Sms("Hello {{ user.first_name }}, code {{ code }}");
  // Preview: rendered parts, without sending.
  {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::PreviewNotificationRequest request;
    request.set_id(n.id());
    (*request.mutable_data()->mutable_fields())["code"].set_string_value("1234");
    (*(*request.mutable_data()->mutable_fields())["user"]
          .mutable_struct_value()
          ->mutable_fields())["first_name"]
        .set_string_value("Ann");
    v1::PreviewNotificationResponse response;
    grpc::Status status = stack_->admin().PreviewNotification(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.sms_message(), "Hello Ann, code 1234");
    EXPECT_TRUE(response.fires());
  }
  // Trigger: to a user by id, looked up on the platform.
  std::string trigger_event;
  {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::TriggerNotificationRequest request;
    request.set_id(n.id());
    request.add_user_ids(kSimAcmeUserId);
    (*request.mutable_data()->mutable_fields())["code"].set_string_value("42");
    v1::TriggerNotificationResponse response;
    grpc::Status status = stack_->admin().TriggerNotification(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.logs_size(), 1);
    EXPECT_EQ(response.logs(0).recipient(), kThaboMobile);
    EXPECT_FALSE(response.event_id().empty());
    trigger_event = response.event_id();
  }
  WaitForLogs(1, v1::LOG_STATUS_SENT);
  ASSERT_EQ(SentSms().size(), 1u);
  EXPECT_EQ(SentSms()[0]["form"]["Body"], "Hello Thabo, code 42");
  const std::string first = Logs(v1::LOG_STATUS_SENT)[0].id();

  // Resend to another number.
  {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::ResendLogRequest request;
    request.set_id(first);
    request.set_recipient("+15557654321");
    v1::ResendLogResponse response;
    grpc::Status status = stack_->admin().ResendLog(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.log().resend_of(), first);
  }
  WaitForLogs(2, v1::LOG_STATUS_SENT);
  ASSERT_EQ(SentSms().size(), 2u);
  EXPECT_EQ(SentSms()[1]["form"]["To"], "+15557654321");
  EXPECT_EQ(SentSms()[1]["form"]["Body"], "Hello Thabo, code 42");

  // Replay: an event processed before a second notification existed; only the new one fires.
  Fire("replay-1", "transaction.create", Deposit("1"));
  WaitForLogs(3, v1::LOG_STATUS_SENT);
  v1::Notification later = Sms("Later {{ amount }}");
  std::string event_id;
  {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::ListEventsRequest request;
    request.set_event("transaction.create");
    v1::ListEventsResponse response;
    ASSERT_TRUE(stack_->admin().ListEvents(&context, request, &response).ok());
    for (const v1::Event& e : response.events()) {
      if (e.event_id() == "replay-1") event_id = e.id();
    }
  }
  ASSERT_FALSE(event_id.empty());
  {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::ReplayEventRequest request;
    request.set_id(event_id);
    v1::ReplayEventResponse response;
    grpc::Status status = stack_->admin().ReplayEvent(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  WaitForLogs(4, v1::LOG_STATUS_SENT);
  {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::ReplayEventRequest request;
    request.set_id(trigger_event);
    v1::ReplayEventResponse response;
    grpc::Status status = stack_->admin().ReplayEvent(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << "a trigger is not replayed to the event's audience";
  }
  absl::SleepFor(absl::Milliseconds(500));
  std::multiset<std::string> bodies;
  for (const nlohmann::json& r : SentSms()) bodies.insert(r["form"]["Body"].get<std::string>());
  EXPECT_EQ(bodies.count("Later 10000"), 1u);
  EXPECT_EQ(bodies.count("Hello Thabo, code "), 1u) << "the first notification is not sent twice";
}

TEST_F(DeliveryE2eTest, OverTheDailyQuotaMessagesAreDeferredWithTheReason) {
  {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::UpdateCompanyRequest request;
    request.mutable_company()->set_sms_daily_quota(1);
    request.mutable_update_mask()->add_paths("sms_daily_quota");
    v1::UpdateCompanyResponse response;
    ASSERT_TRUE(stack_->admin().UpdateCompany(&context, request, &response).ok());
  }
  Sms("Deposit {{ amount }}");
  Fire("quota-1", "transaction.create", Deposit("1", 1));
  WaitForLogs(1, v1::LOG_STATUS_SENT);
  Fire("quota-2", "transaction.create", Deposit("2", 2));
  std::vector<v1::Log> deferred = WaitForLogs(1, v1::LOG_STATUS_DEFERRED);
  ASSERT_EQ(deferred.size(), 1u);
  EXPECT_THAT(deferred[0].last_error(), HasSubstr("daily sms quota (1)"));
  EXPECT_TRUE(deferred[0].has_next_attempt()) << "when it goes: the next UTC day";
  EXPECT_EQ(deferred[0].attempt_count(), 0);
  EXPECT_EQ(SentSms().size(), 1u);
}

TEST_F(DeliveryE2eTest, AHangingProviderSlowsOnlyItsOwnChannel) {
  Sms("Deposit {{ amount }}");
  v1::Notification email;
  email.set_type(v1::NOTIFICATION_TYPE_EMAIL);
  email.set_name("Deposit email");
  email.set_event("transaction.create");
  email.set_subject("Deposit");
  email.set_text_message("{{ amount }}");
  Create(email);
  providers_->Fault({{"provider", "twilio"}, {"status", 0}, {"delay_ms", 2500}});
  Fire("hang-1", "transaction.create", Deposit("1"));
  ASSERT_TRUE(smtp_->WaitForMessages(1, absl::Seconds(20)));
  // The SMS's request may reach the peer just after the email (its own sender thread); it is still
  // unanswered once the email is in.
  std::vector<nlohmann::json> twilio;
  ASSERT_TRUE(PollUntil(
      [&] {
        twilio = providers_->Requests("twilio");
        return !twilio.empty();
      },
      absl::Seconds(2)));
  ASSERT_EQ(twilio.size(), 1u);
  EXPECT_EQ(twilio[0]["status"], 0) << "the SMS is still waiting for Twilio when the email is in";
  WaitForLogs(2, v1::LOG_STATUS_SENT);
  EXPECT_EQ(SentSms().size(), 1u);
}

// An event's messages for a slow provider do not hold back its others: the in-app message is in
// the inbox while the SMS still waits for Twilio, and the event is processed once both are written.
TEST_F(DeliveryE2eTest, AnInAppMessageDoesNotWaitForASlowProvider) {
  Sms("Deposit {{ amount }}");
  v1::Notification n;
  n.set_type(v1::NOTIFICATION_TYPE_SYSTEM);
  n.set_name("Inbox");
  n.set_event("transaction.create");
  n.set_subject("Deposit");
  n.set_text_message("{{ amount }} arrived");
  Create(n);
  providers_->Fault({{"provider", "twilio"}, {"status", 0}, {"delay_ms", 2500}});
  Fire("slow-1", "transaction.create", Deposit("1"));
  v1::ListUserLogsResponse inbox;
  ASSERT_TRUE(PollUntil(
      [&] {
        grpc::ClientContext context;
        context.AddMetadata("authorization", std::string("Token ") + kSimAcmeUserToken);
        inbox.Clear();
        return user_->ListLogs(&context, v1::ListUserLogsRequest(), &inbox).ok() &&
               inbox.logs_size() == 1;
      },
      absl::Seconds(20)));
  EXPECT_EQ(inbox.logs(0).text_message(), "10000 arrived");
  std::vector<nlohmann::json> twilio = providers_->Requests("twilio");
  ASSERT_EQ(twilio.size(), 1u);
  EXPECT_EQ(twilio[0]["status"], 0) << "the SMS is still waiting for Twilio";
  EXPECT_EQ(EventsPending(), 1) << "the event waits for its SMS";
  WaitForLogs(2, v1::LOG_STATUS_SENT);
  ASSERT_TRUE(PollUntil([&] { return EventsPending() == 0; }, absl::Seconds(10)));
  EXPECT_EQ(SentSms().size(), 1u);
}

TEST_F(DeliveryE2eTest, ATriggerToAGroupReachesEachOfItsUsers) {
  v1::Notification n = Sms("Hi {{ user.first_name }}");
  grpc::ClientContext context;
  Stack::AsAdmin(context);
  v1::TriggerNotificationRequest request;
  request.set_id(n.id());
  request.add_groups("user");
  request.add_user_ids(kSimAcmeUserId);  // Also in the group: sent once.
  v1::TriggerNotificationResponse response;
  grpc::Status status = stack_->admin().TriggerNotification(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.logs_size(), 2);
  WaitForLogs(2, v1::LOG_STATUS_SENT);
  std::set<std::string> sent;
  for (const nlohmann::json& r : SentSms()) {
    sent.insert(r["form"]["To"].get<std::string>() + " " + r["form"]["Body"].get<std::string>());
  }
  EXPECT_THAT(sent,
              ::testing::UnorderedElementsAre("+447700900456 Hi Thabo", "+12025550171 Hi Maria"));

  grpc::ClientContext bad_context;
  Stack::AsAdmin(bad_context);
  v1::TriggerNotificationRequest nobody;
  nobody.set_id(n.id());
  status = stack_->admin().TriggerNotification(&bad_context, nobody, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("user_ids"));
}

TEST_F(DeliveryE2eTest, AServerKilledMidBatchSendsEverythingAndNothingTwiceButTheOneInFlight) {
  Sms("Deposit number {{ id }}");
  // A slow provider, so that the kill lands while messages are in flight.
  providers_->Fault({{"provider", "twilio"}, {"status", 0}, {"delay_ms", 150}, {"count", 1000}});
  constexpr int kEvents = 30;
  PostDeposits("kill", kEvents);
  ASSERT_TRUE(PollUntil([&] { return SentSms().size() >= 3; }, absl::Seconds(20)));
  stack_->server().Signal(SIGKILL);
  stack_->server().Wait(absl::Seconds(10));
  const size_t before = providers_->Requests("twilio").size();
  ASSERT_LT(SentSms().size(), static_cast<size_t>(kEvents)) << "killed mid-batch";
  ASSERT_TRUE(stack_->RestartServer());
  ASSERT_TRUE(WaitForDistinctSms(kEvents, absl::Seconds(60)));
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(SmsBodyCounts().size(), static_cast<size_t>(kEvents)) << "every delivery sent";
  // At most the messages the killed senders had in flight (two sender threads).
  EXPECT_LE(DuplicateSms(), 2) << "sent twice beyond those in flight";
  EXPECT_GE(before, 3u);
  EXPECT_EQ(WaitForLogs(kEvents, v1::LOG_STATUS_SENT, absl::Seconds(30)).size(),
            static_cast<size_t>(kEvents));
  EXPECT_EQ(EventsPending(), 0);
}

// A server told to stop finishes what its senders hold and writes pending what its event workers
// had handed them and no sender started: nothing stays leased to the stopped process, and the next
// one sends it all at once.
TEST_F(DeliveryE2eTest, AServerThatStopsGivesBackWhatItDidNotSend) {
  Sms("Deposit number {{ id }}");
  providers_->Fault({{"provider", "twilio"}, {"status", 0}, {"delay_ms", 100}, {"count", 1000}});
  constexpr int kEvents = 30;
  PostDeposits("stop", kEvents);
  ASSERT_TRUE(PollUntil([&] { return SentSms().size() >= 3; }, absl::Seconds(20)));
  stack_->server().Signal(SIGTERM);
  ASSERT_EQ(stack_->server().Wait(absl::Seconds(30)), 0) << stack_->server().Output();
  {
    pqxx::connection conn(database_url());
    pqxx::nontransaction tx(conn);
    const int waiting =
        tx.exec1("SELECT count(*) FROM deliveries WHERE status = 'pending'")[0].as<int>();
    const int leased = tx.exec1(
                             "SELECT count(*) FROM deliveries WHERE status = 'pending'"
                             " AND lease_until > now()")[0]
                           .as<int>();
    EXPECT_GT(waiting, 0) << "stopped mid-drain";
    EXPECT_EQ(leased, 0) << "nothing unsent stays leased";
  }
  ASSERT_TRUE(stack_->RestartServer());
  ASSERT_TRUE(WaitForDistinctSms(kEvents, absl::Seconds(30)));
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(DuplicateSms(), 0) << "a clean stop sends nothing twice";
}

// An operator who lets companies use private hosts (a private deployment).
class PrivateProviderHostsE2eTest : public DeliveryE2eTest {
 protected:
  void SetUp() override { Start({"--allow-private-provider-hosts"}); }
};

TEST_F(PrivateProviderHostsE2eTest, ACompanysSmtpCredentialMayThenBeAPrivateRelay) {
  CompanyRelayAndEmail();
  Fire("private-2", "transaction.create", Deposit("1"));
  ASSERT_EQ(WaitForLogs(1, v1::LOG_STATUS_SENT).size(), 1u);
  EXPECT_EQ(smtp_->Messages().size(), 1u);
}

// One SMS sender, no other channel sent here.
class OneSmsSenderE2eTest : public DeliveryE2eTest {
 protected:
  void SetUp() override { Start({"--sms-senders=1", "--email-senders=0", "--push-senders=0"}); }
};

// A provider so slow that one sender cannot send a batch within the events' lease (4 s): the
// event workers take back what no sender started in time (half of the lease less the send
// timeout) and write it pending, to be claimed with leases of its own, rather than holding it past
// the events' lease, when the events would be processed again and their messages sent twice.
TEST_F(OneSmsSenderE2eTest, AProviderTooSlowForTheLeaseSendsNothingTwice) {
  Sms("Deposit number {{ id }}");
  providers_->Fault({{"provider", "twilio"}, {"status", 0}, {"delay_ms", 500}, {"count", 1000}});
  constexpr int kEvents = 15;
  PostDeposits("slow", kEvents);
  ASSERT_TRUE(WaitForDistinctSms(kEvents, absl::Seconds(40)));
  EXPECT_EQ(WaitForLogs(kEvents, v1::LOG_STATUS_SENT, absl::Seconds(20)).size(),
            static_cast<size_t>(kEvents));
  EXPECT_EQ(EventsPending(), 0);
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(DuplicateSms(), 0);
}

// One event worker, one SMS sender with room for three messages in memory, no other channel sent
// here.
class SmallSendQueueE2eTest : public DeliveryE2eTest {
 protected:
  void SetUp() override {
    Start({"--send-queue=3", "--event-workers=1", "--event-batch=20", "--sms-senders=1",
           "--email-senders=0", "--push-senders=0"});
  }

  int Deliveries() {
    pqxx::connection conn(database_url());
    pqxx::nontransaction tx(conn);
    return tx.exec1("SELECT count(*) FROM deliveries")[0].as<int>();
  }
};

// A process makes messages no faster than its senders send them: its event worker takes no more
// events until the senders are done with its batch (what does not fit the queue is written pending
// and claimed), so events wait in theirs rather than as messages in the database, and once the
// senders catch up everything goes, once.
TEST_F(SmallSendQueueE2eTest, EventsWaitForTheSenders) {
  Sms("Deposit number {{ id }}");
  providers_->Fault({{"provider", "twilio"}, {"status", 0}, {"delay_ms", 100}, {"count", 1000}});
  constexpr int kEvents = 60;
  PostDeposits("queue", kEvents);
  ASSERT_TRUE(PollUntil([&] { return !SentSms().empty(); }, absl::Seconds(20)));
  // Taken so far: at most a batch (20), and another once the sender was done with it.
  EXPECT_GT(EventsPending(), 20) << "the events wait for the senders";
  EXPECT_LT(Deliveries(), 40) << "and are not all turned into waiting messages";
  ASSERT_TRUE(WaitForDistinctSms(kEvents, absl::Seconds(40)));
  EXPECT_EQ(EventsPending(), 0);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(DuplicateSms(), 0);
}

// A retry waits in the database while new messages reach the sender in memory, one after another:
// it is still sent when it comes due, not once the stream of new messages ends.
TEST_F(SmallSendQueueE2eTest, ARetryIsNotHeldBackByAStreamOfNewMessages) {
  Sms("Deposit number {{ id }}");
  providers_->Fault({{"provider", "twilio"}, {"status", 500}, {"count", 1}});
  providers_->Fault({{"provider", "twilio"}, {"status", 0}, {"delay_ms", 100}, {"count", 1000}});
  constexpr int kEvents = 60;
  PostDeposits("stream", kEvents);
  ASSERT_TRUE(WaitForDistinctSms(kEvents, absl::Seconds(40)));
  std::string failed;
  for (const nlohmann::json& r : providers_->Requests("twilio")) {
    if (r["status"] == 500) failed = r["form"]["Body"].get<std::string>();
  }
  ASSERT_FALSE(failed.empty());
  const std::vector<nlohmann::json> sent = SentSms();
  int position = -1;
  for (size_t i = 0; i < sent.size(); ++i) {
    if (sent[i]["form"]["Body"] == failed) position = static_cast<int>(i);
  }
  // Due 200 ms (+-20%) after it failed, looked for within a poll interval (100 ms), while the
  // stream takes 100 ms a message: about the fifth sent, not the last.
  EXPECT_GE(position, 0);
  EXPECT_LT(position, kEvents / 2) << "the retry waited for the stream to end";
}

// The same stack over a PostgreSQL of its own, which the test stops and starts.
class DeliveryRestartE2eTest : public DeliveryE2eTest {
 protected:
  std::string database_url() override { return postgres_.url(); }
  ::notify::testing::PrivatePostgres postgres_;
};

TEST_F(DeliveryRestartE2eTest, ADatabaseThatRestartsLosesNothing) {
  Sms("Deposit number {{ id }}");
  // Two senders at 300 ms a message: 30 messages take 4.5 s, so the outage lands mid-drain.
  providers_->Fault({{"provider", "twilio"}, {"status", 0}, {"delay_ms", 300}, {"count", 1000}});
  constexpr int kEvents = 30;
  PostDeposits("restart", kEvents);
  ASSERT_TRUE(PollUntil([&] { return !SentSms().empty(); }, absl::Seconds(20)));
  const size_t logged = stack_->server().Output().size();
  ASSERT_TRUE(postgres_.Stop());
  // The workers find the database gone and keep trying.
  ASSERT_TRUE(PollUntil(
      [&] {
        const std::string since = stack_->server().Output().substr(logged);
        return absl::StrContains(since, "database connection lost") ||
               absl::StrContains(since, "database unavailable");
      },
      absl::Seconds(20)))
      << "the server saw the outage";
  absl::SleepFor(absl::Seconds(1));
  const size_t sent_in_outage = SmsBodyCounts().size();
  ASSERT_TRUE(postgres_.Start());
  EXPECT_LT(sent_in_outage, static_cast<size_t>(kEvents)) << "the outage interrupted the work";
  ASSERT_TRUE(WaitForDistinctSms(kEvents, absl::Seconds(60)));
  std::vector<v1::Log> sent = WaitForLogs(kEvents, v1::LOG_STATUS_SENT, absl::Seconds(30));
  EXPECT_EQ(sent.size(), static_cast<size_t>(kEvents));
  EXPECT_LE(DuplicateSms(), 2) << "only what was in flight when the database went away";
  EXPECT_EQ(EventsPending(), 0);
}

}  // namespace
}  // namespace notify::delivery_e2e
