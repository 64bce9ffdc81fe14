// The senders against real local peers: an in-process HTTP server standing in for SendGrid,
// Twilio, Google's token endpoint and FCM, and an aiosmtpd SMTP server in a child process.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/common/http_client.h"
#include "server/common/http_server.h"
#include "server/delivery/sender_internal.h"
#include "server/delivery/senders.h"
#include "tests/support/subprocess.h"

namespace notify::delivery {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Json = nlohmann::json;

// What the peer received.
struct Recorded {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // Names in lower case.
  std::string body;
};

HttpResponse Reply(unsigned status, std::string body,
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

// A real HTTP server on 127.0.0.1 that records every request and answers through a script, or
// (Hold) never answers.
class Peer {
 public:
  using Script = std::function<HttpResponse(const Recorded&)>;

  Peer()
      : server_({.listen = "127.0.0.1:0", .threads = 2},
                [this](const HttpRequest& request, HttpResponder respond) {
                  Handle(request, std::move(respond));
                }) {
    const absl::Status started = server_.Start();
    EXPECT_TRUE(started.ok()) << started;
  }

  ~Peer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_.clear();  // The server waits for every responder to be gone.
    }
    server_.Shutdown(absl::Seconds(1));
  }

  std::string url() const { return "http://" + server_.address(); }

  void Answer(Script script) {
    std::lock_guard<std::mutex> lock(mu_);
    script_ = std::move(script);
  }
  void Answer(unsigned status, std::string body,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpResponse response = Reply(status, std::move(body), std::move(headers));
    Answer([response](const Recorded&) { return response; });
  }
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = true;
  }

  std::vector<Recorded> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  Recorded last() const {
    std::vector<Recorded> all = requests();
    EXPECT_FALSE(all.empty());
    return all.empty() ? Recorded() : all.back();
  }

 private:
  void Handle(const HttpRequest& request, HttpResponder respond) {
    Recorded recorded;
    recorded.method = std::string(request.method_string());
    recorded.target = std::string(request.target());
    for (const auto& field : request) {
      recorded.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
          std::string(field.value());
    }
    recorded.body = request.body();
    Script script;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(recorded);
      if (hold_) {
        held_.push_back(std::move(respond));
        return;
      }
      script = script_;
    }
    respond(script ? script(recorded) : Reply(200, "{}"));
  }

  mutable std::mutex mu_;
  std::vector<Recorded> requests_;
  Script script_;
  bool hold_ = false;
  std::vector<HttpResponder> held_;
  HttpServer server_;  // Last: stops before the state its handler uses goes away.
};

// A port on 127.0.0.1 that nothing listens on.
std::string ClosedAddress() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), length), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  close(fd);
  return absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
}

std::string PercentDecode(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size()) {
      int byte = 0;
      EXPECT_TRUE(absl::SimpleHexAtoi(text.substr(i + 1, 2), &byte)) << text;
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// application/x-www-form-urlencoded, every field once.
std::map<std::string, std::string> ParseForm(absl::string_view body) {
  std::map<std::string, std::string> form;
  for (absl::string_view pair : absl::StrSplit(body, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    EXPECT_TRUE(form.emplace(PercentDecode(kv.first), PercentDecode(kv.second)).second) << body;
  }
  return form;
}

SenderOptions FastOptions() {
  SenderOptions options;
  options.connect_timeout = absl::Seconds(2);
  options.timeout = absl::Seconds(5);
  options.verify_tls = false;
  return options;
}

// ---------------------------------------------------------------------------------------------
// The HTTP client under every HTTP sender (and the platform client)

TEST(HttpClientTest, SendsTheCallAsWrittenAndKeepsTheBodyToItsCap) {
  Peer peer;
  peer.Answer(202, std::string(100, 'x'), {{"X-Request-Id", "r1"}});
  HttpCall call;
  call.method = "DELETE";
  call.url = peer.url() + "/things/1/?page=2";
  call.headers = {"Authorization: Token t0k", "Accept: application/json"};
  call.max_body = 10;
  const HttpReply reply = PerformHttp(call);
  EXPECT_EQ(reply.status, 202) << reply.error;
  EXPECT_EQ(reply.body, std::string(10, 'x'));
  EXPECT_EQ(reply.headers.at("x-request-id"), "r1");

  Recorded request = peer.last();
  EXPECT_EQ(request.method, "DELETE");
  EXPECT_EQ(request.target, "/things/1/?page=2");
  EXPECT_EQ(request.headers["authorization"], "Token t0k");
  EXPECT_EQ(request.headers["accept"], "application/json");
  EXPECT_THAT(request.headers["user-agent"], StartsWith("rehive-notifications/"));
  EXPECT_EQ(request.body, "");
}

TEST(HttpClientTest, APostSendsItsBody) {
  Peer peer;
  HttpCall call;
  call.url = peer.url() + "/in";
  call.headers = {"Content-Type: application/json"};
  call.body = std::string(4000, 'b');
  EXPECT_EQ(PerformHttp(call).status, 200);
  Recorded request = peer.last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.body, call.body);
  EXPECT_EQ(request.headers["content-length"], "4000");
}

TEST(HttpClientTest, SaysWhyNothingAnsweredAndWhetherTryingAgainMayHelp) {
  HttpCall refused;
  refused.url = "http://" + ClosedAddress() + "/";
  HttpReply reply = PerformHttp(refused);
  EXPECT_EQ(reply.status, 0);
  EXPECT_TRUE(reply.retryable);
  EXPECT_EQ(reply.error_class, "Couldn't connect to server");
  EXPECT_THAT(reply.error, HasSubstr("127.0.0.1"));

  Peer peer;
  peer.Hold();
  HttpCall slow;
  slow.url = peer.url() + "/";
  slow.timeout = absl::Milliseconds(200);
  reply = PerformHttp(slow);
  EXPECT_EQ(reply.status, 0);
  EXPECT_TRUE(reply.retryable);
  EXPECT_EQ(reply.error_class, "Timeout was reached");

  HttpCall other_scheme;
  other_scheme.url = "ftp://127.0.0.1/";
  reply = PerformHttp(other_scheme);
  EXPECT_EQ(reply.status, 0);
  EXPECT_FALSE(reply.retryable) << reply.error;
  EXPECT_FALSE(reply.error.empty());
}

// ---------------------------------------------------------------------------------------------
// Twilio

constexpr char kTwilioToken[] = "tw-auth-token-5ecret";

TwilioSettings Twilio(const std::string& url) {
  return {.url = url,
          .account_sid = "AC0123456789",
          .auth_token = kTwilioToken,
          .from = "+15550001111"};
}

SmsMessage Sms() {
  return {.to = "+15551234567", .body = "Héllo & welcome: 100% = ok?", .reference = "d1"};
}

TEST(TwilioTest, PostsTheFormWithBasicAuthAndReadsTheSid) {
  Peer peer;
  peer.Answer(201, R"({"sid": "SM0123", "status": "queued"})");
  const SendResult result = TwilioSmsSender(FastOptions()).Send(Twilio(peer.url()), Sms());
  EXPECT_EQ(result.outcome, SendOutcome::kSent) << result.detail;
  EXPECT_EQ(result.provider_status, 201);
  EXPECT_EQ(result.provider_id, "SM0123");

  ASSERT_EQ(peer.requests().size(), 1u);
  Recorded request = peer.last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/2010-04-01/Accounts/AC0123456789/Messages.json");
  EXPECT_EQ(request.headers["content-type"], "application/x-www-form-urlencoded");
  ASSERT_THAT(request.headers["authorization"], StartsWith("Basic "));
  std::string credentials;
  ASSERT_TRUE(absl::Base64Unescape(request.headers["authorization"].substr(6), &credentials));
  EXPECT_EQ(credentials, absl::StrCat("AC0123456789:", kTwilioToken));
  EXPECT_EQ(ParseForm(request.body),
            (std::map<std::string, std::string>{{"To", "+15551234567"},
                                                {"From", "+15550001111"},
                                                {"Body", "Héllo & welcome: 100% = ok?"}}));
}

TEST(TwilioTest, UsesTheMessagingServiceAndEscapesTheSid) {
  Peer peer;
  peer.Answer(201, R"({"sid": "SM1"})");
  TwilioSettings settings = Twilio(peer.url());
  settings.from = "MG0123";
  settings.account_sid = "AC/../x y?";
  EXPECT_EQ(TwilioSmsSender(FastOptions()).Send(settings, Sms()).outcome, SendOutcome::kSent);
  Recorded request = peer.last();
  EXPECT_EQ(request.target, "/2010-04-01/Accounts/AC%2F..%2Fx%20y%3F/Messages.json");
  const auto form = ParseForm(request.body);
  EXPECT_EQ(form.at("MessagingServiceSid"), "MG0123");
  EXPECT_EQ(form.count("From"), 0u);
}

TEST(TwilioTest, ClassifiesAnswers) {
  struct Case {
    unsigned status;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    SendOutcome outcome;
    std::optional<absl::Duration> retry_after;
    std::string detail;  // A part of it.
  };
  const std::vector<Case> cases = {
      {400,
       R"({"code": 21211, "message": "The 'To' number +1555 is not a valid phone number.", "status": 400})",
       {},
       SendOutcome::kPermanent,
       std::nullopt,
       "The 'To' number +1555 is not a valid phone number. (code 21211)"},
      {401,
       R"({"code": 20003, "message": "Authenticate"})",
       {},
       SendOutcome::kPermanent,
       std::nullopt,
       "HTTP 401: Authenticate (code 20003)"},
      {404, "not json", {}, SendOutcome::kPermanent, std::nullopt, "HTTP 404"},
      {408, "", {}, SendOutcome::kTemporary, std::nullopt, "HTTP 408"},
      {429,
       R"({"code": 20429, "message": "Too Many Requests"})",
       {{"Retry-After", "7"}},
       SendOutcome::kTemporary,
       absl::Seconds(7),
       "Too Many Requests"},
      {500, "", {}, SendOutcome::kTemporary, std::nullopt, "HTTP 500"},
      {503, "", {{"Retry-After", "2"}}, SendOutcome::kTemporary, absl::Seconds(2), "HTTP 503"},
      // A provider echoing the secret: the detail does not repeat it.
      {400,
       absl::StrCat(R"({"message": "token )", kTwilioToken, R"( is wrong"})"),
       {},
       SendOutcome::kPermanent,
       std::nullopt,
       "token [redacted] is wrong"},
  };
  Peer peer;
  const TwilioSmsSender sender(FastOptions());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.status);
    peer.Answer(c.status, c.body, c.headers);
    const SendResult result = sender.Send(Twilio(peer.url()), Sms());
    EXPECT_EQ(result.outcome, c.outcome);
    EXPECT_EQ(result.provider_status, static_cast<int>(c.status));
    EXPECT_EQ(result.retry_after, c.retry_after);
    EXPECT_THAT(result.detail, HasSubstr(c.detail));
    EXPECT_THAT(result.detail, StartsWith("Twilio answered HTTP"));
    EXPECT_THAT(result.detail, Not(HasSubstr(kTwilioToken)));
    EXPECT_TRUE(result.provider_id.empty());
  }
}

TEST(TwilioTest, LongProviderMessagesAreCut) {
  Peer peer;
  peer.Answer(400, Json{{"message", std::string(2000, 'x') + "é"}}.dump());
  const SendResult result = TwilioSmsSender(FastOptions()).Send(Twilio(peer.url()), Sms());
  EXPECT_EQ(result.outcome, SendOutcome::kPermanent);
  EXPECT_LE(result.detail.size(), 500u);
}

TEST(TwilioTest, APeerThatNeverAnswersIsATemporaryFailure) {
  Peer peer;
  peer.Hold();
  SenderOptions options = FastOptions();
  options.timeout = absl::Milliseconds(300);
  const absl::Time start = absl::Now();
  const SendResult result = TwilioSmsSender(options).Send(Twilio(peer.url()), Sms());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.provider_status, 0);
  EXPECT_THAT(result.detail, StartsWith("Twilio could not be reached"));
  EXPECT_EQ(peer.requests().size(), 1u);
}

TEST(TwilioTest, ConnectionRefusedIsATemporaryFailure) {
  const SendResult result =
      TwilioSmsSender(FastOptions()).Send(Twilio("http://" + ClosedAddress()), Sms());
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.provider_status, 0);
  EXPECT_THAT(result.detail, StartsWith("Twilio could not be reached"));
  EXPECT_THAT(result.detail, Not(HasSubstr(kTwilioToken)));
}

TEST(TwilioTest, MissingSettingsArePermanentWithoutACall) {
  Peer peer;
  TwilioSettings settings = Twilio(peer.url());
  settings.auth_token.clear();
  EXPECT_EQ(TwilioSmsSender(FastOptions()).Send(settings, Sms()).outcome, SendOutcome::kPermanent);
  EXPECT_TRUE(peer.requests().empty());
}

// ---------------------------------------------------------------------------------------------
// SendGrid

constexpr char kSendGridKey[] = "SG.key-5ecret";

EmailMessage Email() {
  return {.from = "Acme Payments <noreply@acme.example>",
          .to = "jane@example.com",
          .subject = "Café ✓ €10",
          .text = "Hello Jane",
          .html = "<p>Hello Jane</p>",
          .reference = "0190a1b2-c3d4"};
}

TEST(SendGridTest, PostsTheV3JsonWithTheBearerKey) {
  Peer peer;
  peer.Answer(202, "", {{"X-Message-Id", "sg-msg-42"}});
  const SendResult result = SendGridMailer(FastOptions())
                                .Send({.url = peer.url() + "/", .api_key = kSendGridKey}, Email());
  EXPECT_EQ(result.outcome, SendOutcome::kSent) << result.detail;
  EXPECT_EQ(result.provider_status, 202);
  EXPECT_EQ(result.provider_id, "sg-msg-42");

  Recorded request = peer.last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/v3/mail/send");
  EXPECT_EQ(request.headers["authorization"], absl::StrCat("Bearer ", kSendGridKey));
  EXPECT_EQ(request.headers["content-type"], "application/json");
  const Json expected = {
      {"personalizations", {{{"to", {{{"email", "jane@example.com"}}}}}}},
      {"from", {{"email", "noreply@acme.example"}, {"name", "Acme Payments"}}},
      {"subject", "Café ✓ €10"},
      {"content",
       {{{"type", "text/plain"}, {"value", "Hello Jane"}},
        {{"type", "text/html"}, {"value", "<p>Hello Jane</p>"}}}},
      {"custom_args", {{"reference", "0190a1b2-c3d4"}}},
  };
  EXPECT_EQ(Json::parse(request.body), expected) << request.body;
}

TEST(SendGridTest, SendsOnlyTheNonEmptyParts) {
  Peer peer;
  peer.Answer(200, "");
  EmailMessage email = Email();
  email.from = "noreply@acme.example";
  email.text.clear();
  EXPECT_EQ(SendGridMailer(FastOptions()).Send({peer.url(), kSendGridKey}, email).outcome,
            SendOutcome::kSent);
  const Json body = Json::parse(peer.last().body);
  EXPECT_EQ(body["from"], (Json{{"email", "noreply@acme.example"}}));
  EXPECT_EQ(body["content"], (Json{{{"type", "text/html"}, {"value", "<p>Hello Jane</p>"}}}));
}

TEST(SendGridTest, ClassifiesAnswersAndQuotesTheErrors) {
  Peer peer;
  const SendGridMailer sender(FastOptions());
  peer.Answer(
      400,
      R"({"errors": [{"message": "The from address does not match a verified Sender Identity.", "field": "from", "help": null}]})");
  SendResult result = sender.Send({peer.url(), kSendGridKey}, Email());
  EXPECT_EQ(result.outcome, SendOutcome::kPermanent);
  EXPECT_EQ(result.provider_status, 400);
  EXPECT_EQ(result.detail,
            "SendGrid answered HTTP 400: from: The from address does not match a verified Sender "
            "Identity.");

  peer.Answer(401, absl::StrCat(R"({"errors": [{"message": "bad key )", kSendGridKey, R"("}]})"));
  result = sender.Send({peer.url(), kSendGridKey}, Email());
  EXPECT_EQ(result.outcome, SendOutcome::kPermanent);
  EXPECT_THAT(result.detail, Not(HasSubstr(kSendGridKey)));

  peer.Answer(429, "", {{"Retry-After", "30"}});
  result = sender.Send({peer.url(), kSendGridKey}, Email());
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.retry_after, absl::Seconds(30));

  peer.Answer(503, "");
  result = sender.Send({peer.url(), kSendGridKey}, Email());
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.provider_status, 503);
  EXPECT_EQ(result.retry_after, std::nullopt);

  // Retry-After as an HTTP-date.
  const std::string date = absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT",
                                            absl::Now() + absl::Seconds(20), absl::UTCTimeZone());
  peer.Answer(503, "", {{"Retry-After", date}});
  result = sender.Send({peer.url(), kSendGridKey}, Email());
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  ASSERT_TRUE(result.retry_after.has_value()) << date;
  EXPECT_GE(*result.retry_after, absl::Seconds(15));
  EXPECT_LE(*result.retry_after, absl::Seconds(21));
}

TEST(SendGridTest, TimeoutAndRefusedConnectionAreTemporary) {
  Peer peer;
  peer.Hold();
  SenderOptions options = FastOptions();
  options.timeout = absl::Milliseconds(300);
  SendResult result = SendGridMailer(options).Send({peer.url(), kSendGridKey}, Email());
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.provider_status, 0);
  result = SendGridMailer(options).Send({"http://" + ClosedAddress(), kSendGridKey}, Email());
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.provider_status, 0);
  EXPECT_THAT(result.detail, Not(HasSubstr(kSendGridKey)));
}

TEST(SendGridTest, InvalidAddressesArePermanentWithoutACall) {
  Peer peer;
  for (const char* to : {"not an address", "a@b.io\r\nBcc: c@d.io", "a@b.io, c@d.io"}) {
    EmailMessage email = Email();
    email.to = to;
    EXPECT_EQ(SendGridMailer(FastOptions()).Send({peer.url(), kSendGridKey}, email).outcome,
              SendOutcome::kPermanent);
  }
  EXPECT_TRUE(peer.requests().empty());
}

// ---------------------------------------------------------------------------------------------
// FCM

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string PrivateKeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

bool VerifyRs256(EVP_PKEY* key, absl::string_view input, absl::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

constexpr char kClientEmail[] = "push@my-project.iam.gserviceaccount.com";

// Google, in process: a token endpoint at /token that checks the JWT like Google does (signature
// by the account's public key, claims), and messages:send that checks the access token.
class FcmTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = EVP_RSA_gen(2048);
    other_key_ = EVP_RSA_gen(2048);
    ASSERT_NE(key_, nullptr);
    ASSERT_NE(other_key_, nullptr);
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(key_);
    EVP_PKEY_free(other_key_);
  }

  void SetUp() override {
    peer_.Answer([this](const Recorded& request) { return Serve(request); });
  }

  HttpResponse Serve(const Recorded& request) {
    if (request.target == "/token") return Exchange(request);
    if (request.target != "/v1/projects/my-project/messages:send") return Reply(404, "{}");
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (request.headers.at("authorization") != "Bearer " + issued_) {
        return Reply(401, R"({"error": {"code": 401, "status": "UNAUTHENTICATED"}})");
      }
      if (send_script_) return send_script_(request);
    }
    return Reply(200, R"({"name": "projects/my-project/messages/1"})");
  }

  HttpResponse Exchange(const Recorded& request) {
    const HttpResponse refused =
        Reply(400, R"({"error": "invalid_grant", "error_description": "Invalid JWT Signature."})");
    const auto form = ParseForm(request.body);
    EXPECT_EQ(request.headers.at("content-type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(form.at("grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
    const std::vector<std::string> parts = absl::StrSplit(form.at("assertion"), '.');
    EXPECT_EQ(parts.size(), 3u);
    if (parts.size() != 3) return refused;
    std::string header, claims, signature;
    EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[0], &header));
    EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[1], &claims));
    EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[2], &signature));
    for (const std::string& part : parts) EXPECT_THAT(part, Not(HasSubstr("=")));  // No padding.
    std::lock_guard<std::mutex> lock(mu_);
    ++exchanges_;
    if (!VerifyRs256(key_, absl::StrCat(parts[0], ".", parts[1]), signature)) return refused;
    EXPECT_EQ(Json::parse(header), (Json{{"alg", "RS256"}, {"typ", "JWT"}}));
    const Json c = Json::parse(claims);
    EXPECT_EQ(c["iss"], kClientEmail);
    EXPECT_EQ(c["scope"], "https://www.googleapis.com/auth/firebase.messaging");
    EXPECT_EQ(c["aud"], expected_audience_);
    EXPECT_EQ(c["exp"].get<int64_t>() - c["iat"].get<int64_t>(), 3600);
    EXPECT_LE(std::abs(c["iat"].get<int64_t>() - absl::ToUnixSeconds(absl::Now())), 5);
    issued_ = absl::StrCat("ya29.access-", exchanges_);
    return Reply(
        200, Json{{"access_token", issued_}, {"expires_in", expires_in_}, {"token_type", "Bearer"}}
                 .dump());
  }

  std::string Account(EVP_PKEY* key) const {
    return Json{{"type", "service_account"},    {"project_id", "my-project"},
                {"private_key_id", "k1"},       {"private_key", PrivateKeyPem(key)},
                {"client_email", kClientEmail}, {"token_uri", peer_.url() + "/token"}}
        .dump();
  }

  FcmSettings Settings() const {
    return {.url = peer_.url(),
            .token_url = peer_.url() + "/token",
            .service_account_json = Account(key_)};
  }

  int exchanges() {
    std::lock_guard<std::mutex> lock(mu_);
    return exchanges_;
  }

  void AnswerSends(Peer::Script script) {
    std::lock_guard<std::mutex> lock(mu_);
    send_script_ = std::move(script);
  }

  static PushMessage Push() {
    return {.device_token = "device-token-1",
            .title = "Transfer done",
            .body = "You received €10",
            .data = {{"kind", "transfer"}, {"id", "42"}},
            .reference = "d1"};
  }

  static EVP_PKEY* key_;
  static EVP_PKEY* other_key_;
  std::mutex mu_;
  int exchanges_ = 0;
  std::string issued_ = "none yet";
  std::string expected_audience_;
  int expires_in_ = 3599;
  Peer::Script send_script_;
  Peer peer_;  // Last: stops before the members its handler uses go away.
};

EVP_PKEY* FcmTest::key_ = nullptr;
EVP_PKEY* FcmTest::other_key_ = nullptr;

TEST_F(FcmTest, ExchangesOnceAndSends) {
  expected_audience_ = peer_.url() + "/token";
  const FcmPushSender sender(FastOptions());
  for (int i = 0; i < 2; ++i) {
    const SendResult result = sender.Send(Settings(), Push());
    EXPECT_EQ(result.outcome, SendOutcome::kSent) << result.detail;
    EXPECT_EQ(result.provider_status, 200);
    EXPECT_EQ(result.provider_id, "projects/my-project/messages/1");
  }
  EXPECT_EQ(exchanges(), 1);
  Recorded request = peer_.last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.headers["authorization"], "Bearer ya29.access-1");
  EXPECT_EQ(Json::parse(request.body),
            (Json{{"message",
                   {{"token", "device-token-1"},
                    {"notification", {{"title", "Transfer done"}, {"body", "You received €10"}}},
                    {"data", {{"kind", "transfer"}, {"id", "42"}}}}}}));
}

TEST_F(FcmTest, RefreshesATokenAMinuteBeforeItExpires) {
  expected_audience_ = peer_.url() + "/token";
  expires_in_ = 60;  // Already within the margin: not worth caching.
  const FcmPushSender sender(FastOptions());
  EXPECT_EQ(sender.Send(Settings(), Push()).outcome, SendOutcome::kSent);
  EXPECT_EQ(sender.Send(Settings(), Push()).outcome, SendOutcome::kSent);
  EXPECT_EQ(exchanges(), 2);
}

TEST_F(FcmTest, LeavesOutAnEmptyTitleAndData) {
  expected_audience_ = peer_.url() + "/token";
  PushMessage push = Push();
  push.title.clear();
  push.data.clear();
  EXPECT_EQ(FcmPushSender(FastOptions()).Send(Settings(), push).outcome, SendOutcome::kSent);
  EXPECT_EQ(
      Json::parse(peer_.last().body),
      (Json{{"message",
             {{"token", "device-token-1"}, {"notification", {{"body", "You received €10"}}}}}}));
}

TEST_F(FcmTest, TheAccountsTokenUriIsNeverCalled) {
  // The account's token_uri points at another peer (an internal host, say); the setting at ours.
  Peer internal;
  internal.Answer(200, R"({"access_token":"internal","expires_in":3600})");
  FcmSettings settings = Settings();
  Json account = Json::parse(settings.service_account_json);
  account["token_uri"] = internal.url() + "/token";
  settings.service_account_json = account.dump();
  expected_audience_ = settings.token_url;
  EXPECT_EQ(FcmPushSender(FastOptions()).Send(settings, Push()).outcome, SendOutcome::kSent);
  EXPECT_EQ(exchanges(), 1);
  EXPECT_TRUE(internal.requests().empty());
  settings.token_url.clear();
  const SendResult unconfigured = FcmPushSender(FastOptions()).Send(settings, Push());
  EXPECT_EQ(unconfigured.outcome, SendOutcome::kPermanent);
  EXPECT_EQ(unconfigured.detail, "FCM is not configured: no token URL");
  EXPECT_TRUE(internal.requests().empty());
}

TEST_F(FcmTest, ConcurrentSendsShareOneExchange) {
  expected_audience_ = peer_.url() + "/token";
  const FcmPushSender sender(FastOptions());
  const FcmSettings settings = Settings();
  std::atomic<int> sent{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      if (sender.Send(settings, Push()).outcome == SendOutcome::kSent) ++sent;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(sent.load(), 6);
  EXPECT_EQ(exchanges(), 1);
}

TEST_F(FcmTest, UnregisteredTokens) {
  expected_audience_ = peer_.url() + "/token";
  const FcmPushSender sender(FastOptions());
  AnswerSends([](const Recorded&) {
    return Reply(404, R"({"error": {"code": 404, "message": "Requested entity was not found.",
        "status": "NOT_FOUND", "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
        "errorCode": "UNREGISTERED"}]}})");
  });
  SendResult result = sender.Send(Settings(), Push());
  EXPECT_EQ(result.outcome, SendOutcome::kUnregistered);
  EXPECT_EQ(result.provider_status, 404);
  EXPECT_THAT(result.detail, HasSubstr("Requested entity was not found."));
  EXPECT_THAT(result.detail, HasSubstr("UNREGISTERED"));
  EXPECT_THAT(result.detail, Not(HasSubstr("ya29")));

  AnswerSends([](const Recorded&) {
    return Reply(
        400,
        R"({"error": {"code": 400, "message": "The registration token is not a valid FCM registration token",
        "status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
        "errorCode": "INVALID_ARGUMENT"}]}})");
  });
  EXPECT_EQ(sender.Send(Settings(), Push()).outcome, SendOutcome::kUnregistered);

  // Another invalid argument is the message's fault, not the token's.
  AnswerSends([](const Recorded&) {
    return Reply(400,
                 R"({"error": {"code": 400, "message": "Invalid value at 'message.data[0].value'",
        "status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
        "errorCode": "INVALID_ARGUMENT"}]}})");
  });
  result = sender.Send(Settings(), Push());
  EXPECT_EQ(result.outcome, SendOutcome::kPermanent);
  EXPECT_EQ(result.detail,
            "FCM answered HTTP 400: INVALID_ARGUMENT: Invalid value at 'message.data[0].value'");
  EXPECT_EQ(exchanges(), 1);
}

TEST_F(FcmTest, A401DropsTheTokenAndTheNextSendExchangesAgain) {
  expected_audience_ = peer_.url() + "/token";
  const FcmPushSender sender(FastOptions());
  EXPECT_EQ(sender.Send(Settings(), Push()).outcome, SendOutcome::kSent);
  {
    std::lock_guard<std::mutex> lock(mu_);
    issued_ = "revoked";  // The peer no longer accepts the cached token.
  }
  const SendResult result = sender.Send(Settings(), Push());
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.provider_status, 401);
  EXPECT_THAT(result.detail, Not(HasSubstr("ya29")));
  EXPECT_EQ(exchanges(), 1);
  EXPECT_EQ(sender.Send(Settings(), Push()).outcome, SendOutcome::kSent);
  EXPECT_EQ(exchanges(), 2);
  EXPECT_EQ(peer_.last().headers["authorization"], "Bearer ya29.access-2");
}

TEST_F(FcmTest, RetryAfterOnSend) {
  expected_audience_ = peer_.url() + "/token";
  AnswerSends([](const Recorded&) {
    return Reply(
        429,
        R"({"error": {"code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED"}})",
        {{"Retry-After", "12"}});
  });
  const SendResult result = FcmPushSender(FastOptions()).Send(Settings(), Push());
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.retry_after, absl::Seconds(12));
  EXPECT_THAT(result.detail, HasSubstr("RESOURCE_EXHAUSTED: Quota exceeded."));
}

TEST_F(FcmTest, ARefusedServiceAccountIsPermanent) {
  expected_audience_ = peer_.url() + "/token";
  FcmSettings settings = Settings();
  settings.service_account_json = Account(other_key_);  // Not the key Google knows.
  const SendResult result = FcmPushSender(FastOptions()).Send(settings, Push());
  EXPECT_EQ(result.outcome, SendOutcome::kPermanent);
  EXPECT_EQ(result.provider_status, 400);
  EXPECT_EQ(result.detail,
            "the token endpoint refused the FCM service account (HTTP 400: invalid_grant: Invalid "
            "JWT Signature.)");
  EXPECT_EQ(exchanges(), 1);
  EXPECT_EQ(peer_.requests().size(), 1u);  // No send without a token.
}

TEST_F(FcmTest, TokenEndpointOutagesAreTemporary) {
  const FcmPushSender sender(FastOptions());
  Peer google;
  google.Answer(503, "", {{"Retry-After", "3"}});
  FcmSettings settings = Settings();
  settings.token_url = google.url() + "/token";
  SendResult result = sender.Send(settings, Push());
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.provider_status, 503);
  EXPECT_EQ(result.retry_after, absl::Seconds(3));

  settings.token_url = "http://" + ClosedAddress() + "/token";
  result = sender.Send(settings, Push());
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.provider_status, 0);
}

TEST_F(FcmTest, BrokenServiceAccountsArePermanentWithoutACall) {
  const FcmPushSender sender(FastOptions());
  const Json account = Json::parse(Settings().service_account_json);
  // Cut short: the DER inside no longer parses.
  const std::string broken_pem =
      PrivateKeyPem(key_).substr(0, 300) + "\n-----END PRIVATE KEY-----\n";
  struct Case {
    std::string json;
    std::string detail;
  };
  Json without_email = account;
  without_email.erase("client_email");
  Json without_project = account;
  without_project.erase("project_id");
  Json bad_key = account;
  bad_key["private_key"] = broken_pem;
  Json not_a_key = account;
  not_a_key["private_key"] = "secret-but-not-a-key";
  for (const Case& c : std::vector<Case>{
           {"{not json", "the FCM service account is not a JSON object"},
           {without_email.dump(), "the FCM service account lacks client_email"},
           {without_project.dump(), "no FCM project: the service account lacks project_id"},
           {bad_key.dump(),
            "the FCM service account's private_key is not an RSA private key in PEM form"},
           {not_a_key.dump(),
            "the FCM service account's private_key is not an RSA private key in PEM form"},
       }) {
    FcmSettings settings = Settings();
    settings.service_account_json = c.json;
    const SendResult result = sender.Send(settings, Push());
    EXPECT_EQ(result.outcome, SendOutcome::kPermanent);
    EXPECT_EQ(result.detail, c.detail);
  }
  EXPECT_TRUE(peer_.requests().empty());
}

// ---------------------------------------------------------------------------------------------
// SMTP, against aiosmtpd (Debian's, for /usr/bin/python3): stores each message with the
// envelope and Python's own decoding of it; refuses recipients starting with "reject" (550) and
// "busy" (451); AUTH PLAIN/LOGIN as mailer / s3cret-pass. With "starttls" after its folder it
// offers STARTTLS with a self-signed certificate (python3-cryptography) and requires it before
// anything else, AUTH included.
constexpr char kSmtpSink[] = R"PY(
import asyncio, datetime, email, email.policy, json, os, ssl, sys
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

OUT = sys.argv[1]
STARTTLS = len(sys.argv) > 2 and sys.argv[2] == 'starttls'

def tls_context():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = os.path.join(OUT, 'cert.pem'), os.path.join(OUT, 'key.pem')
    with open(cert_path, 'wb') as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, 'wb') as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context

def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b'mailer'
          and auth_data.password == b's3cret-pass')
    return AuthResult(success=ok, handled=False)

class Sink:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith('reject'):
            return '550 5.1.1 <%s>: mailbox unavailable' % address
        if address.startswith('busy'):
            return '451 4.3.0 try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        n = len([f for f in os.listdir(OUT) if f.endswith('.json')])
        raw = envelope.original_content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        parts = list(msg.iter_parts()) if msg.is_multipart() else [msg]
        summary = {
            'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos,
            'authenticated': bool(session.authenticated),
            'tls': session.ssl is not None,
            'subject': str(msg['subject']), 'from': str(msg['from']), 'to': str(msg['to']),
            'content_type': msg.get_content_type(),
            'parts': [{'type': p.get_content_type(), 'charset': p.get_content_charset(),
                       'encoding': p['Content-Transfer-Encoding'], 'body': p.get_content()}
                      for p in parts],
            'defects': [repr(d) for p in msg.walk() for d in p.defects],
        }
        with open(os.path.join(OUT, '%d.eml' % n), 'wb') as f:
            f.write(raw)
        with open(os.path.join(OUT, 'tmp'), 'w') as f:
            json.dump(summary, f)
        os.rename(os.path.join(OUT, 'tmp'), os.path.join(OUT, '%d.json' % n))
        return '250 2.0.0 Ok: queued as Q%d' % n

async def main():
    options = dict(authenticator=authenticate, auth_require_tls=STARTTLS)
    if STARTTLS:
        options.update(tls_context=tls_context(), require_starttls=True)
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(Sink(), **options), '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({'msg': 'listening', 'address': '127.0.0.1:%d' % port}), flush=True)
    await server.serve_forever()

asyncio.run(main())
)PY";

// One sink per suite: in clear (SmtpTest) or requiring STARTTLS (SmtpStartTlsTest).
template <bool kStartTls>
class SmtpSinkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "smtp-sink-" + std::to_string(getpid()) +
                           (kStartTls ? "-tls" : ""));
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    std::vector<std::string> args = {"-c", kSmtpSink, *dir_};
    if (kStartTls) args.push_back("starttls");
    auto process = testing::Subprocess::Start("/usr/bin/python3", {.args = args});
    ASSERT_TRUE(process.ok()) << process.status();
    sink_ = process->release();
    std::optional<Json> listening = sink_->WaitForLog("listening", absl::Seconds(20));
    ASSERT_TRUE(listening.has_value()) << "the SMTP sink did not start:\n" << sink_->Output();
    url_ = new std::string("smtp://" + listening->at("address").get<std::string>());
  }
  static void TearDownTestSuite() {
    delete sink_;  // Kills it.
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete url_;
  }

  void SetUp() override { ASSERT_NE(url_, nullptr) << "no SMTP sink"; }

  static int Received() {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(*dir_)) {
      n += entry.path().extension() == ".json" ? 1 : 0;
    }
    return n;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
  }

  static SmtpSettings Settings() { return {.url = *url_}; }

  static Json Summary(int n) { return Json::parse(ReadFile(absl::StrCat(*dir_, "/", n, ".json"))); }

  static inline testing::Subprocess* sink_ = nullptr;
  static inline std::string* dir_ = nullptr;
  static inline std::string* url_ = nullptr;
};
using SmtpTest = SmtpSinkTest<false>;
using SmtpStartTlsTest = SmtpSinkTest<true>;

TEST_F(SmtpStartTlsTest, CredentialsGoOverStartTls) {
  SmtpSettings settings = Settings();
  settings.username = "mailer";
  settings.password = "s3cret-pass";
  const int before = Received();
  const SendResult result = SmtpMailer(FastOptions()).Send(settings, Email());
  ASSERT_EQ(result.outcome, SendOutcome::kSent) << result.detail;
  EXPECT_EQ(Summary(before)["tls"], true);
  EXPECT_EQ(Summary(before)["authenticated"], true);
}

TEST_F(SmtpStartTlsTest, WithoutCredentialsStartTlsIsStillUsedWhenOffered) {
  const int before = Received();
  const SendResult result = SmtpMailer(FastOptions()).Send(Settings(), Email());
  ASSERT_EQ(result.outcome, SendOutcome::kSent) << result.detail;
  EXPECT_EQ(Summary(before)["tls"], true);
  EXPECT_EQ(Summary(before)["authenticated"], false);
}

TEST_F(SmtpTest, ACompanysServerAtAPrivateAddressIsNeverConnectedTo) {
  SmtpSettings settings = Settings();  // The sink, on 127.0.0.1.
  settings.public_hosts_only = true;
  const int before = Received();
  const SendResult result = SmtpMailer(FastOptions()).Send(settings, Email());
  EXPECT_EQ(result.outcome, SendOutcome::kPermanent);
  EXPECT_EQ(result.detail,
            "the SMTP host is at 127.0.0.1, which is not a public address; a company's SMTP "
            "server must be reachable on the internet");
  EXPECT_EQ(Received(), before);
  settings.url = "smtp://localhost:" + settings.url.substr(settings.url.rfind(':') + 1);
  EXPECT_EQ(SmtpMailer(FastOptions()).Send(settings, Email()).outcome, SendOutcome::kPermanent)
      << "a name is checked by the address it resolves to";
  EXPECT_EQ(Received(), before);
}

TEST(PublicAddressTest, OnlyThePublicInternet) {
  for (const char* ip : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111",
                         "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
    EXPECT_TRUE(::notify::delivery::internal::IsPublicAddress(ip)) << ip;
  }
  for (const char* ip : {"127.0.0.1",
                         "127.1.2.3",
                         "10.0.0.1",
                         "172.16.0.1",
                         "172.31.255.255",
                         "192.168.1.1",
                         "169.254.169.254",
                         "100.64.0.1",
                         "0.0.0.0",
                         "224.0.0.1",
                         "255.255.255.255",
                         "192.0.2.1",
                         "198.18.0.1",
                         "::",
                         "::1",
                         "::ffff:127.0.0.1",
                         "::ffff:169.254.169.254",
                         "64:ff9b::a00:1",
                         "fc00::1",
                         "fd12:3456::1",
                         "fe80::1",
                         "ff02::1",
                         "2001:db8::1",
                         "::127.0.0.1",
                         "not an address",
                         ""}) {
    EXPECT_FALSE(::notify::delivery::internal::IsPublicAddress(ip)) << ip;
  }
}

TEST(SmtpUrlTest, TheThreeFormsAndNothingElse) {
  using Tls = SmtpTransport::Tls;
  EXPECT_EQ(ParseSmtpUrl("smtp://mail:587")->url, "smtp://mail:587");
  EXPECT_EQ(ParseSmtpUrl("smtp://mail:587")->tls, Tls::kStartTls);
  EXPECT_EQ(ParseSmtpUrl(" SMTPS://mail:465 ")->tls, Tls::kImplicit);
  EXPECT_EQ(ParseSmtpUrl("smtp+plaintext://relay:25")->url, "smtp://relay:25");
  EXPECT_EQ(ParseSmtpUrl("smtp+plaintext://relay:25")->tls, Tls::kNone);
  for (const char* bad :
       {"", "smtp://", "mail:25", "http://mail", "smtp://bob:pw@mail:25", "smtp+tls://mail:25"}) {
    EXPECT_FALSE(ParseSmtpUrl(bad).has_value()) << bad;
  }
}

TEST_F(SmtpTest, DeliversAMultipartMessage) {
  EmailMessage email = Email();
  email.to = "Jane Doe <jane@example.com>";
  email.text = "Hello Jane,\n.\n..a line of dots = ok.\n" + std::string(120, 'z') + " €";
  email.html = "<p>Hello <b>Jane</b> — €10</p>";
  const int before = Received();
  const SendResult result = SmtpMailer(FastOptions()).Send(Settings(), email);
  ASSERT_EQ(result.outcome, SendOutcome::kSent) << result.detail;
  EXPECT_EQ(result.provider_status, 250);
  EXPECT_EQ(result.provider_id, absl::StrCat("Q", before));
  ASSERT_EQ(Received(), before + 1);

  const std::string base = absl::StrCat(*dir_, "/", before);
  const Json got = Json::parse(ReadFile(base + ".json"));
  EXPECT_EQ(got["mail_from"], "noreply@acme.example");
  EXPECT_EQ(got["rcpt_tos"], (Json{"jane@example.com"}));
  EXPECT_EQ(got["authenticated"], false);
  EXPECT_EQ(got["subject"], "Café ✓ €10");
  EXPECT_EQ(got["from"], "Acme Payments <noreply@acme.example>");
  EXPECT_EQ(got["to"], "Jane Doe <jane@example.com>");
  EXPECT_EQ(got["content_type"], "multipart/alternative");
  EXPECT_EQ(got["defects"], Json::array());
  ASSERT_EQ(got["parts"].size(), 2u);
  EXPECT_EQ(got["parts"][0]["type"], "text/plain");
  EXPECT_EQ(got["parts"][0]["charset"], "utf-8");
  EXPECT_EQ(got["parts"][0]["encoding"], "quoted-printable");
  EXPECT_EQ(got["parts"][0]["body"], absl::StrReplaceAll(email.text, {{"\n", "\r\n"}}));
  EXPECT_EQ(got["parts"][1]["type"], "text/html");
  EXPECT_EQ(got["parts"][1]["body"], email.html);

  const std::string raw = ReadFile(base + ".eml");
  EXPECT_THAT(raw, HasSubstr("Subject: =?UTF-8?B?"));
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n') {
      ASSERT_EQ(raw[i - 1], '\r') << "bare LF at " << i;
    }
  }
  for (absl::string_view line : absl::StrSplit(raw, "\r\n")) EXPECT_LE(line.size(), 78u) << line;
}

TEST_F(SmtpTest, CredentialsAreNeverSentToAServerWithoutTls) {
  SmtpSettings settings = Settings();
  settings.username = "mailer";
  settings.password = "s3cret-pass";
  const int before = Received();
  const SendResult refused = SmtpMailer(FastOptions()).Send(settings, Email());
  EXPECT_EQ(refused.outcome, SendOutcome::kPermanent) << "it will not start offering STARTTLS";
  EXPECT_EQ(refused.detail,
            "SMTP server does not offer STARTTLS, and credentials are only sent over TLS (use "
            "smtps://, or smtp+plaintext:// for a relay without TLS)");
  EXPECT_EQ(Received(), before);
}

TEST_F(SmtpTest, AuthenticatesInClearOnlyWhenTheUrlSaysSo) {
  SmtpSettings settings = Settings();
  settings.url = "smtp+plaintext://" + settings.url.substr(std::string("smtp://").size());
  settings.username = "mailer";
  settings.password = "s3cret-pass";
  const int before = Received();
  const SendResult result = SmtpMailer(FastOptions()).Send(settings, Email());
  ASSERT_EQ(result.outcome, SendOutcome::kSent) << result.detail;
  EXPECT_EQ(Json::parse(ReadFile(absl::StrCat(*dir_, "/", before, ".json")))["authenticated"],
            true);

  settings.password = "wrong-pass";
  const SendResult refused = SmtpMailer(FastOptions()).Send(settings, Email());
  EXPECT_EQ(refused.outcome, SendOutcome::kPermanent);
  EXPECT_EQ(refused.provider_status, 535);
  EXPECT_THAT(refused.detail, HasSubstr("535"));
  EXPECT_THAT(refused.detail, Not(HasSubstr("wrong-pass")));
  EXPECT_EQ(Received(), before + 1);
}

TEST_F(SmtpTest, RefusedRecipientsAreClassified) {
  EmailMessage email = Email();
  email.to = "reject-me@example.com";
  SendResult result = SmtpMailer(FastOptions()).Send(Settings(), email);
  EXPECT_EQ(result.outcome, SendOutcome::kPermanent);
  EXPECT_EQ(result.provider_status, 550);
  EXPECT_EQ(result.detail,
            "SMTP server answered 550 5.1.1 <reject-me@example.com>: mailbox unavailable");

  email.to = "busy@example.com";
  result = SmtpMailer(FastOptions()).Send(Settings(), email);
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.provider_status, 451);
  EXPECT_EQ(result.detail, "SMTP server answered 451 4.3.0 try again later");
}

TEST_F(SmtpTest, ClosedPortAndSilentPeerAreTemporary) {
  SmtpSettings settings = Settings();
  settings.url = "smtp://" + ClosedAddress();
  SendResult result = SmtpMailer(FastOptions()).Send(settings, Email());
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.provider_status, 0);
  EXPECT_THAT(result.detail, StartsWith("SMTP server could not be used"));

  // An HTTP peer that never answers: no SMTP greeting ever comes.
  Peer silent;
  silent.Hold();
  settings.url = "smtp://" + silent.url().substr(7);
  SenderOptions options = FastOptions();
  options.timeout = absl::Milliseconds(300);
  result = SmtpMailer(options).Send(settings, Email());
  EXPECT_EQ(result.outcome, SendOutcome::kTemporary);
  EXPECT_EQ(result.provider_status, 0);
}

TEST_F(SmtpTest, InvalidAddressesArePermanentBeforeConnecting) {
  SmtpSettings settings = Settings();
  settings.url = "smtp://" + ClosedAddress();  // Would be temporary if it tried to connect.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"noreply@acme.example", "jane@example.com\r\nRCPT TO:<x@y.io>"},
           {"noreply@acme.example", "two@example.com, three@example.com"},
           {"noreply@acme.example", "jane doe@example.com"},
           {"noreply@acme.example", "jane@@example.com"},
           {"noreply@acme.example\r\nDATA", "jane@example.com"},
           {"", "jane@example.com"},
       }) {
    EmailMessage email = Email();
    email.from = from;
    email.to = to;
    const SendResult result = SmtpMailer(FastOptions()).Send(settings, email);
    EXPECT_EQ(result.outcome, SendOutcome::kPermanent) << from << " -> " << to;
    EXPECT_EQ(result.provider_status, 0);
  }
  settings.url = "http://example.com";
  EXPECT_EQ(SmtpMailer(FastOptions()).Send(settings, Email()).outcome, SendOutcome::kPermanent);
}

}  // namespace
}  // namespace notify::delivery
