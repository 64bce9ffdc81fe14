// notification-gateway as a process, in front of a real notification-server.
#include <signal.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "notifications/v1/webhook_service.grpc.pb.h"
#include "tests/support/http_client.h"
#include "tests/support/server_options.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_database.h"

namespace notify {
namespace {

using ::notify::testing::HttpClient;
using ::notify::testing::HttpResult;
using ::notify::testing::Subprocess;
using ::notify::testing::TestDatabase;

constexpr absl::Duration kStartTimeout = absl::Seconds(30);

struct Running {
  std::unique_ptr<Subprocess> process;
  std::string address;
};

Running Start(const std::string& binary, Subprocess::Options options) {
  auto process = Subprocess::Start(binary, std::move(options));
  if (!process.ok()) {
    ADD_FAILURE() << process.status();
    return {};
  }
  std::optional<nlohmann::json> listening = (*process)->WaitForLog("listening", kStartTimeout);
  if (!listening.has_value()) {
    ADD_FAILURE() << binary << " did not start:\n" << (*process)->Output();
    return {std::move(*process), ""};
  }
  return {std::move(*process), listening->at("address").get<std::string>()};
}

Running StartGateway(const std::string& server_address, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--listen=127.0.0.1:0", "--server=" + server_address};
  args.insert(args.end(), extra.begin(), extra.end());
  return Start(NOTIFY_GATEWAY_BIN, {.args = args});
}

// An event of company "c" named `id`, with `data` (JSON text), as the platform sends one.
std::string Event(const std::string& id, const std::string& data = "{}") {
  return R"({"id": ")" + id + R"(", "event": "x", "company": "c", "data": )" + data + "}";
}

// POSTs `event` to the gateway's webhook route with `secret` as its Authorization.
HttpResult PostWebhook(HttpClient& client, const Running& gateway, const std::string& event,
                       const std::string& secret = "Secret s") {
  return client.Request("POST", "http://" + gateway.address + "/api/webhook/", event,
                        {{"Content-Type", "application/json"}, {"Authorization", secret}});
}

// A gRPC server in this process with `service` on a free local port, for a gateway to call.
struct Backend {
  explicit Backend(grpc::Service* service) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service);
    server = builder.BuildAndStart();
  }
  bool started() const { return server != nullptr && port != 0; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

class GatewayE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = Start(NOTIFY_SERVER_BIN, ::notify::testing::ServerOptions(db_.url()));
    ASSERT_FALSE(server_.address.empty());
    gateway_ = StartGateway(server_.address);
    ASSERT_FALSE(gateway_.address.empty());
  }

  std::string Url(const std::string& path) { return "http://" + gateway_.address + path; }

  TestDatabase db_;
  Running server_;
  Running gateway_;
};

TEST_F(GatewayE2eTest, HealthzAndReadyzAnswerOk) {
  HttpClient client;
  HttpResult healthz = client.Get(Url("/healthz"));
  EXPECT_EQ(healthz.status, 200) << healthz.error;
  EXPECT_EQ(healthz.body, R"({"status":"success"})");
  EXPECT_EQ(healthz.headers["content-type"], "application/json");

  HttpResult readyz = client.Get(Url("/readyz"));
  EXPECT_EQ(readyz.status, 200) << readyz.body;
  EXPECT_EQ(nlohmann::json::parse(readyz.body)["data"]["server"], "SERVING");
}

TEST_F(GatewayE2eTest, ReadyzTurnsUnavailableWhenTheServerStops) {
  HttpClient client;
  ASSERT_EQ(client.Get(Url("/readyz")).status, 200);
  server_.process->Signal(SIGTERM);
  ASSERT_EQ(server_.process->Wait(absl::Seconds(20)), 0);
  HttpResult readyz = client.Get(Url("/readyz"));
  EXPECT_EQ(readyz.status, 503);
  EXPECT_EQ(readyz.headers["retry-after"], "1");
  EXPECT_EQ(nlohmann::json::parse(readyz.body)["status"], "error");
  EXPECT_EQ(client.Get(Url("/healthz")).status, 200) << "the gateway itself is still up";
}

TEST_F(GatewayE2eTest, UnknownPathsAndMethodsGetEnvelopedErrors) {
  HttpClient client;
  HttpResult missing = client.Get(Url("/nothing/here"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing.body)["message"], "Not found.");
  HttpResult wrong_method = client.Request("POST", Url("/healthz"), "{}");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.headers["allow"], "GET, HEAD");
}

TEST_F(GatewayE2eTest, KeepsConnectionsAlive) {
  HttpClient client;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(client.Get(Url(i % 2 ? "/healthz" : "/readyz")).status, 200);
  }
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(GatewayE2eTest, OversizedBodiesAreRefusedWith413) {
  HttpClient client;
  HttpResult big = client.Request("POST", Url("/healthz"), std::string(2 * 1024 * 1024, 'x'));
  EXPECT_EQ(big.status, 413) << big.error;
  EXPECT_EQ(nlohmann::json::parse(big.body)["status"], "error");
}

// --body-limit is the largest body read: one byte more is 413, the limit itself is not.
TEST_F(GatewayE2eTest, TheBodyLimitIsTheSetting) {
  Running small = StartGateway(server_.address, {"--body-limit=1024"});
  ASSERT_FALSE(small.address.empty());
  HttpClient client;
  HttpResult at_limit =
      client.Request("POST", "http://" + small.address + "/healthz", std::string(1024, 'x'));
  EXPECT_EQ(at_limit.status, 405) << "read, then refused for its method";
  HttpClient other;
  HttpResult over =
      other.Request("POST", "http://" + small.address + "/healthz", std::string(1025, 'x'));
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(nlohmann::json::parse(over.body)["message"],
            "The request body is larger than 1024 bytes.");
}

TEST_F(GatewayE2eTest, SigtermStopsTheGatewayCleanly) {
  gateway_.process->Signal(SIGTERM);
  EXPECT_EQ(gateway_.process->Wait(absl::Seconds(20)), 0) << gateway_.process->Output();
  EXPECT_TRUE(gateway_.process->WaitForLog("stopped", absl::ZeroDuration()).has_value());
}

// An idle keep-alive connection is closed after --idle-timeout: the next request needs a new one.
TEST_F(GatewayE2eTest, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
  Running quick = StartGateway(server_.address, {"--idle-timeout=1s"});
  ASSERT_FALSE(quick.address.empty());
  HttpClient client;
  ASSERT_EQ(client.Get("http://" + quick.address + "/healthz").status, 200);
  ASSERT_EQ(client.Get("http://" + quick.address + "/healthz").status, 200);
  EXPECT_EQ(client.connections_opened(), 1) << "kept alive while in use";
  absl::SleepFor(absl::Milliseconds(1600));
  ASSERT_EQ(client.Get("http://" + quick.address + "/healthz").status, 200);
  EXPECT_EQ(client.connections_opened(), 2) << "the idle connection was closed";
  // The default (60 s) keeps it over the same pause.
  HttpClient patient;
  ASSERT_EQ(patient.Get(Url("/healthz")).status, 200);
  absl::SleepFor(absl::Milliseconds(1600));
  ASSERT_EQ(patient.Get(Url("/healthz")).status, 200);
  EXPECT_EQ(patient.connections_opened(), 1);
}

// The platform's calls arrive under --api-prefix, and nowhere else.
TEST_F(GatewayE2eTest, ThePlatformsCallsAreServedUnderTheApiPrefix) {
  Running prefixed = StartGateway(server_.address, {"--api-prefix=/ext/notify/"});
  ASSERT_FALSE(prefixed.address.empty());
  HttpClient client;
  const std::string event = R"({"id": "1", "event": "user.create", "company": "acme", "data": {}})";
  const std::map<std::string, std::string> headers = {{"Content-Type", "application/json"},
                                                      {"Authorization", "Secret wrong"}};
  // 401: the route is there (the company is unknown); 404: it is not.
  EXPECT_EQ(
      client.Request("POST", "http://" + prefixed.address + "/ext/notify/webhook/", event, headers)
          .status,
      401);
  EXPECT_EQ(
      client.Request("POST", "http://" + prefixed.address + "/api/webhook/", event, headers).status,
      404);
  EXPECT_EQ(client
                .Request("POST", "http://" + prefixed.address + "/ext/notify/activate/",
                         R"({"token": ""})", {{"Content-Type", "application/json"}})
                .status,
            400);
  EXPECT_EQ(client.Request("POST", Url("/api/webhook/"), event, headers).status, 401)
      << "the default prefix is /api/";
}

// A setting that does not parse stops the gateway at start-up with exit code 2, naming it.
TEST(GatewayAloneTest, ABadSettingExitsWithCodeTwoNamingIt) {
  for (const std::string& arg :
       {std::string("--call-timeout=soon"), std::string("--idle-timeout=0s"),
        std::string("--listen=nowhere"), std::string("--no-such-flag=1")}) {
    auto gateway = Subprocess::Start(NOTIFY_GATEWAY_BIN, {.args = {arg, "--server=127.0.0.1:1"}});
    ASSERT_TRUE(gateway.ok());
    EXPECT_EQ((*gateway)->Wait(absl::Seconds(10)), 2) << arg << ": " << (*gateway)->Output();
    const std::string name = arg.substr(2, arg.find('=') - 2);
    EXPECT_THAT((*gateway)->Output(), ::testing::HasSubstr(name)) << arg;
  }
}

TEST(GatewayAloneTest, ReadyzIsUnavailableWithoutAServer) {
  Running gateway = StartGateway("127.0.0.1:1");
  ASSERT_FALSE(gateway.address.empty());
  HttpClient client;
  EXPECT_EQ(client.Get("http://" + gateway.address + "/healthz").status, 200);
  EXPECT_EQ(client.Get("http://" + gateway.address + "/readyz").status, 503);
  gateway.process->Signal(SIGINT);
  EXPECT_EQ(gateway.process->Wait(absl::Seconds(20)), 0);
}

TEST(GatewayAloneTest, RefusesAnAddressInUse) {
  Running first = StartGateway("127.0.0.1:1");
  ASSERT_FALSE(first.address.empty());
  auto second = Subprocess::Start(NOTIFY_GATEWAY_BIN,
                                  {.args = {"--listen=" + first.address, "--server=127.0.0.1:1"}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->Wait(absl::Seconds(10)), 1);
  EXPECT_TRUE((*second)->WaitForLog("cannot start", absl::ZeroDuration()).has_value())
      << (*second)->Output();
}

// A health service that answers only when told to, so that a request can be held in flight.
class HeldHealthService final : public grpc::health::v1::Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest*,
                     grpc::health::v1::HealthCheckResponse* response) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++waiting_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return released_; });
    }
    response->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
  bool WaitForCall(absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                             [this] { return waiting_ > 0; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool released_ = false;
};

TEST(GatewayAloneTest, SigtermLetsARequestInFlightFinish) {
  HeldHealthService health;
  Backend backend(&health);
  ASSERT_TRUE(backend.started());
  Running gateway = StartGateway(backend.address(), {"--shutdown-timeout=20s"});
  ASSERT_FALSE(gateway.address.empty());

  HttpResult in_flight;
  std::thread request([&] {
    HttpClient client;
    in_flight = client.Get("http://" + gateway.address + "/readyz");
  });
  ASSERT_TRUE(health.WaitForCall(absl::Seconds(10)));
  gateway.process->Signal(SIGTERM);
  ASSERT_TRUE(gateway.process->WaitForLog("shutting down", absl::Seconds(10)));
  EXPECT_FALSE(gateway.process->Wait(absl::Milliseconds(300)).has_value())
      << "the gateway waits for the request in flight";
  health.Release();
  request.join();
  EXPECT_EQ(in_flight.status, 200) << in_flight.error;
  EXPECT_EQ(gateway.process->Wait(absl::Seconds(20)), 0) << gateway.process->Output();
  backend.server->Shutdown();
}

// A server from before ReceiveEvents: it has only ReceiveEvent, and says which secret it saw.
class SingleEventWebhooks final : public notifications::v1::WebhookService::Service {
 public:
  grpc::Status ReceiveEvent(grpc::ServerContext* context,
                            const notifications::v1::ReceiveEventRequest* request,
                            notifications::v1::ReceiveEventResponse* response) override {
    auto it = context->client_metadata().find("authorization");
    const std::string authorization = it == context->client_metadata().end()
                                          ? ""
                                          : std::string(it->second.data(), it->second.size());
    if (authorization != "Secret right") {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "wrong secret");
    }
    std::lock_guard<std::mutex> lock(mu_);
    payloads_.push_back(request->payload());
    response->set_id("id-" + std::to_string(payloads_.size()));
    return grpc::Status::OK;
  }
  size_t received() {
    std::lock_guard<std::mutex> lock(mu_);
    return payloads_.size();
  }

 private:
  std::mutex mu_;
  std::vector<std::string> payloads_;
};

// The gateway sends webhooks in ReceiveEvents batches; an older server answers UNIMPLEMENTED, and
// every webhook still gets its own answer, through ReceiveEvent, with its own secret.
TEST(GatewayAloneTest, AServerWithoutBatchesGetsOneCallPerWebhook) {
  SingleEventWebhooks webhooks;
  Backend backend(&webhooks);
  ASSERT_TRUE(backend.started());
  Running gateway = StartGateway(backend.address());
  ASSERT_FALSE(gateway.address.empty());

  std::vector<std::thread> threads;
  std::mutex mu;
  std::map<int, int> statuses;  // HTTP status -> count
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client;
      const std::string secret = i % 3 == 0 ? "Secret wrong" : "Secret right";
      HttpResult result = PostWebhook(client, gateway, Event(std::to_string(i)), secret);
      std::lock_guard<std::mutex> lock(mu);
      ++statuses[result.status];
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(statuses[200], 8);
  EXPECT_EQ(statuses[401], 4);
  EXPECT_EQ(webhooks.received(), 8u);
  // On this path the secret travels as gRPC metadata, which must be printable ASCII: anything else
  // is refused by the gateway itself, which stays up.
  HttpClient client;
  for (const std::string secret : {"Secret caf\xc3\xa9", "Secret a\tb", "Secret \xff"}) {
    HttpResult odd = PostWebhook(client, gateway, Event("odd"), secret);
    EXPECT_EQ(odd.status, 401) << odd.body;
    EXPECT_EQ(nlohmann::json::parse(odd.body, nullptr, false)["message"],
              "The webhook secret is missing or wrong, or the company is not active.");
  }
  EXPECT_EQ(webhooks.received(), 8u);
  gateway.process->Signal(SIGTERM);
  EXPECT_EQ(gateway.process->Wait(absl::Seconds(20)), 0);
  backend.server->Shutdown();
}

// A webhook service that holds its first two calls until released and records each call's size.
class HeldBatchWebhooks final : public notifications::v1::WebhookService::Service {
 public:
  grpc::Status ReceiveEvents(grpc::ServerContext*,
                             const notifications::v1::ReceiveEventsRequest* request,
                             notifications::v1::ReceiveEventsResponse* response) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      sizes_.push_back(request->events_size());
      changed_.notify_all();
      if (sizes_.size() <= 2) changed_.wait(lock, [this] { return released_; });
    }
    for (const auto& event : request->events()) {
      const nlohmann::json payload = nlohmann::json::parse(event.payload());
      response->add_results()->mutable_stored()->set_id("stored-" +
                                                        payload["id"].get<std::string>());
    }
    return grpc::Status::OK;
  }
  bool WaitForCalls(size_t n, absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                             [&] { return sizes_.size() >= n; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    changed_.notify_all();
  }
  std::vector<int> sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return sizes_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<int> sizes_;
  bool released_ = false;
};

// While two calls are under way, the webhooks that arrive meanwhile wait in the gateway and then
// travel together in one ReceiveEvents call, each answered with its own result.
TEST(GatewayAloneTest, WebhooksThatArriveTogetherShareOneReceiveEventsCall) {
  HeldBatchWebhooks webhooks;
  Backend backend(&webhooks);
  ASSERT_TRUE(backend.started());
  Running gateway = StartGateway(backend.address(), {"--call-timeout=10s"});
  ASSERT_FALSE(gateway.address.empty());

  std::mutex mu;
  std::map<std::string, std::string> answers;  // event id -> the stored id answered
  auto post = [&](int i) {
    HttpClient client;
    const std::string id = "e" + std::to_string(i);
    HttpResult result = PostWebhook(client, gateway, Event(id));
    std::lock_guard<std::mutex> lock(mu);
    answers[id] = result.status == 200
                      ? nlohmann::json::parse(result.body)["data"]["id"].get<std::string>()
                      : std::to_string(result.status);
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back(post, i);
  ASSERT_TRUE(webhooks.WaitForCalls(2, absl::Seconds(10))) << "two calls under way";
  for (int i = 2; i < 8; ++i) threads.emplace_back(post, i);
  // Time for the six to reach the gateway; nothing reaches the server meanwhile.
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(webhooks.sizes().size(), 2u) << "no third call while two are under way";
  webhooks.Release();
  for (auto& t : threads) t.join();
  EXPECT_THAT(webhooks.sizes(), ::testing::ElementsAre(1, 1, 6));
  ASSERT_EQ(answers.size(), 8u);
  for (const auto& [id, stored] : answers) EXPECT_EQ(stored, "stored-" + id);
  gateway.process->Signal(SIGTERM);
  EXPECT_EQ(gateway.process->Wait(absl::Seconds(20)), 0);
  backend.server->Shutdown();
}

// Large webhooks go in calls under the server's 4 MiB message limit (this backend keeps gRPC's
// default, 4 MiB): six of 900 KB that arrive together take two calls of three, and none fails
// because of the others.
TEST(GatewayAloneTest, LargeWebhooksAreBatchedByBytesUnderTheServersLimit) {
  HeldBatchWebhooks webhooks;
  Backend backend(&webhooks);
  ASSERT_TRUE(backend.started());
  Running gateway = StartGateway(backend.address(), {"--call-timeout=10s"});
  ASSERT_FALSE(gateway.address.empty());
  const std::string padding(900 * 1000, 'p');
  std::mutex mu;
  std::vector<int> statuses;
  auto post = [&](int i) {
    HttpClient client;
    HttpResult result = PostWebhook(
        client, gateway, Event("big" + std::to_string(i), R"({"p": ")" + padding + R"("})"));
    std::lock_guard<std::mutex> lock(mu);
    statuses.push_back(static_cast<int>(result.status));
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back(post, i);
  ASSERT_TRUE(webhooks.WaitForCalls(2, absl::Seconds(10)));
  for (int i = 2; i < 8; ++i) threads.emplace_back(post, i);
  absl::SleepFor(absl::Milliseconds(800));
  webhooks.Release();
  for (auto& t : threads) t.join();
  EXPECT_THAT(webhooks.sizes(), ::testing::ElementsAre(1, 1, 3, 3));
  EXPECT_THAT(statuses, ::testing::Each(200));
  gateway.process->Signal(SIGTERM);
  EXPECT_EQ(gateway.process->Wait(absl::Seconds(20)), 0);
  backend.server->Shutdown();
}

// Past --webhook-queue waiting webhooks, more are answered 503 with Retry-After at once.
TEST(GatewayAloneTest, AFullWebhookQueueAnswers503AtOnce) {
  HeldBatchWebhooks webhooks;
  Backend backend(&webhooks);
  ASSERT_TRUE(backend.started());
  Running gateway = StartGateway(backend.address(), {"--call-timeout=10s", "--webhook-queue=3"});
  ASSERT_FALSE(gateway.address.empty());
  std::mutex mu;
  std::vector<HttpResult> results;
  auto post = [&](int i) {
    HttpClient client;
    HttpResult result = PostWebhook(client, gateway, Event("q" + std::to_string(i)));
    std::lock_guard<std::mutex> lock(mu);
    results.push_back(result);
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back(post, i);
  ASSERT_TRUE(webhooks.WaitForCalls(2, absl::Seconds(10)));
  for (int i = 2; i < 8; ++i) threads.emplace_back(post, i);
  // The three that do not fit are answered without waiting for the held calls.
  ASSERT_TRUE(::notify::testing::PollUntil(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return results.size() >= 3;
      },
      absl::Seconds(10)));
  {
    std::lock_guard<std::mutex> lock(mu);
    for (const HttpResult& r : results) {
      EXPECT_EQ(r.status, 503u) << r.body;
      EXPECT_THAT(r.body, ::testing::HasSubstr("Too many webhooks are waiting"));
      EXPECT_EQ(r.headers.count("retry-after"), 1u);
    }
  }
  webhooks.Release();
  for (auto& t : threads) t.join();
  int ok = 0;
  for (const HttpResult& r : results) ok += r.status == 200 ? 1 : 0;
  EXPECT_EQ(ok, 5) << "the two held and the three queued";
  gateway.process->Signal(SIGTERM);
  EXPECT_EQ(gateway.process->Wait(absl::Seconds(20)), 0);
  backend.server->Shutdown();
}

// An admin service whose Activate and GetCompany never answer (until the call is given up).
class HangingAdmin final : public notifications::v1::AdminService::Service {
 public:
  grpc::Status Activate(grpc::ServerContext* context, const notifications::v1::ActivateRequest*,
                        notifications::v1::ActivateResponse*) override {
    return Hang(context);
  }
  grpc::Status GetCompany(grpc::ServerContext* context, const notifications::v1::GetCompanyRequest*,
                          notifications::v1::GetCompanyResponse*) override {
    return Hang(context);
  }

 private:
  static grpc::Status Hang(grpc::ServerContext* context) {
    while (!context->IsCancelled()) absl::SleepFor(absl::Milliseconds(10));
    return grpc::Status(grpc::StatusCode::CANCELLED, "gone");
  }
};

// Activate, deactivate and rotate get --lifecycle-timeout; every other call --call-timeout.
TEST(GatewayAloneTest, LifecycleCallsHaveTheirOwnTimeout) {
  HangingAdmin admin;
  Backend backend(&admin);
  ASSERT_TRUE(backend.started());
  Running gateway =
      StartGateway(backend.address(), {"--call-timeout=1s", "--lifecycle-timeout=3s"});
  ASSERT_FALSE(gateway.address.empty());
  HttpClient client;
  auto timed = [&](const std::string& method, const std::string& path, const std::string& body) {
    const absl::Time start = absl::Now();
    HttpResult result =
        client.Request(method, "http://" + gateway.address + path, body,
                       {{"Content-Type", "application/json"}, {"Authorization", "Token t"}});
    return std::make_pair(result.status, absl::Now() - start);
  };
  auto [activate_status, activate_took] = timed("POST", "/api/activate/", R"({"token": "t"})");
  EXPECT_EQ(activate_status, 504);
  EXPECT_GE(activate_took, absl::Milliseconds(2900));
  EXPECT_LT(activate_took, absl::Milliseconds(4500));
  auto [company_status, company_took] = timed("GET", "/api/admin/company/", "");
  EXPECT_EQ(company_status, 504);
  EXPECT_GE(company_took, absl::Milliseconds(900));
  EXPECT_LT(company_took, absl::Milliseconds(2500));
  gateway.process->Signal(SIGTERM);
  EXPECT_EQ(gateway.process->Wait(absl::Seconds(20)), 0);
  backend.server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
}

// A server that never answers webhooks (until the call is given up).
class HangingWebhooks final : public notifications::v1::WebhookService::Service {
 public:
  grpc::Status ReceiveEvents(grpc::ServerContext* context,
                             const notifications::v1::ReceiveEventsRequest*,
                             notifications::v1::ReceiveEventsResponse*) override {
    while (!context->IsCancelled()) absl::SleepFor(absl::Milliseconds(10));
    return grpc::Status(grpc::StatusCode::CANCELLED, "gone");
  }
};

// Webhooks that queue behind calls to a server that hangs are still answered by the call timeout
// after their own arrival (503), not after the calls ahead of them have used up theirs.
TEST(GatewayAloneTest, QueuedWebhooksAreAnsweredWithinTheCallTimeout) {
  HangingWebhooks webhooks;
  Backend backend(&webhooks);
  ASSERT_TRUE(backend.started());
  Running gateway = StartGateway(backend.address(), {"--call-timeout=2s"});
  ASSERT_FALSE(gateway.address.empty());

  std::vector<std::thread> threads;
  std::mutex mu;
  std::vector<std::pair<int, absl::Duration>> answers;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      // Staggered, so that most arrive while the first calls are under way and must queue.
      absl::SleepFor(absl::Milliseconds(100 * i));
      HttpClient client;
      const absl::Time start = absl::Now();
      HttpResult result = PostWebhook(client, gateway, Event("1"));
      std::lock_guard<std::mutex> lock(mu);
      answers.emplace_back(result.status, absl::Now() - start);
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(answers.size(), 8u);
  for (const auto& [status, took] : answers) {
    EXPECT_EQ(status, 503);
    // Two calls ahead of it could hold a queued webhook for up to 2 s more without the deadline.
    EXPECT_LT(took, absl::Milliseconds(3500)) << "answered after " << took;
  }
  gateway.process->Signal(SIGTERM);
  EXPECT_EQ(gateway.process->Wait(absl::Seconds(20)), 0);
  backend.server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
}

}  // namespace
}  // namespace notify
