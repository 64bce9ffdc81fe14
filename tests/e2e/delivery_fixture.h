// What the delivery end-to-end tests share: the whole stack (platform simulator, server, gateway)
// with the server pointed at real peers (an SMTP server, tools/provider-sim for Twilio, SendGrid,
// Google OAuth2 and FCM), and helpers to create notifications, fire events and read what the peers
// received.
#ifndef NOTIFY_TESTS_E2E_DELIVERY_FIXTURE_H_
#define NOTIFY_TESTS_E2E_DELIVERY_FIXTURE_H_

#include <signal.h>
#include <stdlib.h>

#include <ctype.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "notifications/v1/user_service.grpc.pb.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/support/private_postgres.h"
#include "tests/support/provider_sim.h"
#include "tests/support/test_database.h"

namespace notify::delivery_e2e {

namespace v1 = notifications::v1;
using ::notify::testing::kSimAcmeUserId;
using ::notify::testing::kSimAcmeUserToken;
using ::notify::testing::PollUntil;
using ::notify::testing::ProviderSim;
using ::notify::testing::SmtpSink;
using ::notify::testing::Stack;
using ::testing::HasSubstr;
using ::testing::Not;

inline constexpr char kThaboEmail[] = "thabo.nkosi@mail.example";
inline constexpr char kThaboMobile[] = "+447700900456";
inline constexpr char kFrom[] = "+15550001111";

inline std::string TempDir() {
  char pattern[] = "/tmp/notify-delivery-XXXXXX";
  const char* dir = mkdtemp(pattern);
  return dir == nullptr ? "/tmp" : dir;
}

// The event data of a deposit to Thabo, as the platform sends it.
inline nlohmann::json Deposit(const std::string& id, int amount = 10000) {
  return {{"id", "tx-" + id},
          {"tx_type", "credit"},
          {"status", "Complete"},
          {"amount", amount},
          {"currency", {{"code", "EUR"}, {"divisibility", 2}, {"symbol", "\xe2\x82\xac"}}},
          {"created", 1648593702580},
          {"user",
           {{"id", kSimAcmeUserId},
            {"email", kThaboEmail},
            {"mobile", kThaboMobile},
            {"first_name", "Thabo"}}}};
}

// Decodes quoted-printable text (soft line breaks and =XX escapes; anything else stays).
inline std::string DecodeQuotedPrintable(absl::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=' && in.substr(i + 1, 2) == "\r\n") {
      i += 2;
    } else if (in[i] == '=' && i + 2 < in.size() && isxdigit(in[i + 1]) && isxdigit(in[i + 2])) {
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// Everything a delivery test needs: the stack with the server pointed at the peers.
class DeliveryE2eTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(std::vector<std::string> extra) {
    dir_ = TempDir();
    fcm_ = ::notify::testing::CreateFcmAccount(dir_ + "/fcm");
    ASSERT_TRUE(fcm_.has_value());
    providers_ = ProviderSim::Start({fcm_->SimArg()});
    ASSERT_NE(providers_, nullptr);
    smtp_ = SmtpSink::Start(dir_ + "/mail");
    ASSERT_NE(smtp_, nullptr);
    std::vector<std::string> args = {
        "--smtp-url=" + smtp_->url(),
        "--email-from=Acme Wallet <no-reply@acme.example>",
        "--twilio-url=" + providers_->url(),
        "--twilio-account-sid=" + std::string(::notify::testing::kSimTwilioAccountSid),
        "--twilio-auth-token=" + std::string(::notify::testing::kSimTwilioAuthToken),
        std::string("--twilio-from=") + kFrom,
        "--fcm-url=" + providers_->url(),
        "--fcm-token-url=" + providers_->url() + "/token",
        "--fcm-credentials-file=" + fcm_->service_account_path,
        "--retry-base=200ms",
        "--retry-max=1s",
        "--poll-interval=100ms",
        "--send-timeout=3s",
        "--lease=4s",
    };
    args.insert(args.end(), extra.begin(), extra.end());
    for (std::string& arg : PeerArgs()) args.push_back(std::move(arg));
    stack_ = std::make_unique<Stack>(database_url(), args);
    ASSERT_TRUE(stack_->ready());
    secret_ = stack_->Activate();
    ASSERT_FALSE(secret_.empty());
    user_ = v1::UserService::NewStub(
        grpc::CreateChannel(stack_->server_address(), grpc::InsecureChannelCredentials()));
  }

  virtual std::string database_url() { return db_.url(); }

  // More server arguments, made once the peers run (so they can name the peers' addresses).
  virtual std::vector<std::string> PeerArgs() { return {}; }

  void TearDown() override {
    if (HasFailure() && stack_ != nullptr && stack_->ready()) {
      std::cerr << "--- server output ---\n" << stack_->server().Output() << "\n";
    }
    stack_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Creates `n`, enabled unless told otherwise.
  v1::Notification Create(v1::Notification n, bool enabled = true) {
    n.set_enabled(enabled);
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::CreateNotificationRequest request;
    *request.mutable_notification() = n;
    v1::CreateNotificationResponse response;
    grpc::Status status = stack_->admin().CreateNotification(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.notification();
  }

  v1::Notification Sms(const std::string& text, const std::string& event = "transaction.create") {
    v1::Notification n;
    n.set_type(v1::NOTIFICATION_TYPE_SMS);
    n.set_name("Deposit SMS");
    n.set_event(event);
    n.set_sms_message(text);
    return Create(n);
  }

  // Turns the company's push on or off.
  void SetPushEnabled(bool enabled) {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::UpdateCompanyRequest request;
    request.mutable_company()->set_push_enabled(enabled);
    request.mutable_update_mask()->add_paths("push_enabled");
    v1::UpdateCompanyResponse response;
    grpc::Status status = stack_->admin().UpdateCompany(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // Registers an Android device of Thabo's; its id.
  std::string RegisterDevice(const std::string& token, const std::string& name) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", std::string("Token ") + kSimAcmeUserToken);
    v1::RegisterDeviceRequest request;
    request.mutable_device()->set_platform(v1::DEVICE_PLATFORM_ANDROID);
    request.mutable_device()->set_token(token);
    request.mutable_device()->set_name(name);
    v1::RegisterDeviceResponse response;
    grpc::Status status = user_->RegisterDevice(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.device().id();
  }

  // Creates `credential` for acme; its id.
  std::string CreateCredential(const v1::Credential& credential) {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::CreateCredentialRequest request;
    *request.mutable_credential() = credential;
    v1::CreateCredentialResponse response;
    grpc::Status status = stack_->admin().CreateCredential(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.credential().id();
  }

  // An SMTP credential of acme's own pointing at the test's SMTP sink (on 127.0.0.1), and an email
  // notification on transaction.create.
  void CompanyRelayAndEmail() {
    v1::Credential credential;
    credential.set_type(v1::CREDENTIAL_TYPE_SMTP);
    credential.set_name("Acme's relay");
    credential.set_enabled(true);
    credential.mutable_smtp()->set_url(smtp_->url());
    ASSERT_FALSE(CreateCredential(credential).empty());
    v1::Notification n;
    n.set_type(v1::NOTIFICATION_TYPE_EMAIL);
    n.set_name("Deposit email");
    n.set_event("transaction.create");
    n.set_subject("Deposit");
    n.set_text_message("Hi");
    Create(n);
  }

  // The server's metrics page.
  std::string Metrics() {
    ::notify::testing::HttpResult metrics = stack_->client().Get(stack_->metrics_url());
    EXPECT_EQ(metrics.status, 200) << metrics.error;
    return metrics.body;
  }

  // Fires an event through the simulator (the platform's real webhook call, with its retries).
  void Fire(const std::string& id, const std::string& event, const nlohmann::json& data) {
    nlohmann::json answer = stack_->sim().Control(
        "POST", "fire", {{"company", "acme"}, {"event", event}, {"data", data}, {"id", id}});
    ASSERT_FALSE(answer.is_null());
  }

  std::vector<v1::Log> Logs(v1::LogStatus status = v1::LOG_STATUS_UNSPECIFIED) {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::ListLogsRequest request;
    request.set_page_size(250);
    request.set_status(status);
    v1::ListLogsResponse response;
    grpc::Status s = stack_->admin().ListLogs(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {response.logs().begin(), response.logs().end()};
  }

  v1::Log Log(const std::string& id) {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::GetLogRequest request;
    request.set_id(id);
    v1::GetLogResponse response;
    grpc::Status s = stack_->admin().GetLog(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.log();
  }

  // Waits until `n` logs are in `status`; returns them.
  std::vector<v1::Log> WaitForLogs(size_t n, v1::LogStatus status,
                                   absl::Duration timeout = absl::Seconds(20)) {
    std::vector<v1::Log> logs;
    PollUntil([&] { return (logs = Logs(status)).size() >= n; }, timeout);
    EXPECT_EQ(logs.size(), n) << "logs in status " << v1::LogStatus_Name(status);
    return logs;
  }

  // The SMS requests that reached the Twilio peer and were answered 201.
  std::vector<nlohmann::json> SentSms() {
    std::vector<nlohmann::json> sent;
    for (nlohmann::json& r : providers_->Requests("twilio")) {
      if (r["status"] == 201) sent.push_back(std::move(r));
    }
    return sent;
  }

  // Posts `n` deposit webhooks (ids PREFIX-0...), each with a different body for the SMS.
  void PostDeposits(const std::string& prefix, int n) {
    for (int i = 0; i < n; ++i) {
      nlohmann::json event = {{"id", absl::StrCat(prefix, "-", i)},
                              {"event", "transaction.create"},
                              {"company", "acme"},
                              {"data", Deposit(absl::StrCat(i))}};
      ASSERT_EQ(stack_->Webhook(event, "Secret " + secret_).status, 200);
    }
  }

  // How many times each SMS body reached Twilio.
  std::map<std::string, int> SmsBodyCounts() {
    std::map<std::string, int> counts;
    for (const nlohmann::json& r : SentSms()) ++counts[r["form"]["Body"].get<std::string>()];
    return counts;
  }

  // Sends beyond the first of each body.
  int DuplicateSms() {
    int duplicates = 0;
    for (const auto& [body, count] : SmsBodyCounts()) duplicates += count - 1;
    return duplicates;
  }

  bool WaitForDistinctSms(size_t n, absl::Duration timeout) {
    return PollUntil([&] { return SmsBodyCounts().size() >= n; }, timeout);
  }

  int EventsPending() {
    pqxx::connection conn(database_url());
    pqxx::nontransaction tx(conn);
    return tx.exec("SELECT count(*) FROM events WHERE status = 'pending'")[0][0].as<int>();
  }

  ::notify::testing::TestDatabase db_;
  std::string dir_;
  std::optional<::notify::testing::FcmAccount> fcm_;
  std::unique_ptr<ProviderSim> providers_;
  std::unique_ptr<SmtpSink> smtp_;
  std::unique_ptr<Stack> stack_;
  std::unique_ptr<v1::UserService::Stub> user_;
  std::string secret_;
};

}  // namespace notify::delivery_e2e

#endif  // NOTIFY_TESTS_E2E_DELIVERY_FIXTURE_H_
