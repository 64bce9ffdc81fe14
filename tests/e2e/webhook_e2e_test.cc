// The webhook path end to end: the platform simulator fires events at the real gateway in front of
// the real server, and every status code the platform can get is checked.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/support/http_client.h"
#include "tests/support/platform_sim.h"
#include "tests/support/private_postgres.h"
#include "tests/support/server_options.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_database.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;
using ::notify::testing::HttpClient;
using ::notify::testing::HttpResult;
using ::notify::testing::PlatformSim;
using ::notify::testing::PollUntil;
using ::notify::testing::Stack;
using ::notify::testing::Subprocess;
using ::testing::HasSubstr;

nlohmann::json Event(const std::string& id, const std::string& name = "transaction.create") {
  return {{"id", id},
          {"event", name},
          {"company", "acme"},
          {"data", {{"id", "tx-" + id}, {"amount", 10000}}}};
}

TEST(WebhookE2eTest, EveryStatusCodeThePlatformCanGet) {
  ::notify::testing::TestDatabase db;
  Stack stack(db.url());
  ASSERT_TRUE(stack.ready());
  const std::string secret = stack.Activate();
  ASSERT_FALSE(secret.empty());
  const std::string good = "Secret " + secret;

  HttpResult stored = stack.Webhook(Event("1"), good);
  EXPECT_EQ(stored.status, 200) << stored.body;
  EXPECT_EQ(nlohmann::json::parse(stored.body)["data"]["duplicate"], false);
  HttpResult duplicate = stack.Webhook(Event("1"), good);
  EXPECT_EQ(duplicate.status, 200);
  EXPECT_EQ(nlohmann::json::parse(duplicate.body)["data"]["duplicate"], true);
  HttpResult unknown = stack.Webhook(Event("2", "spaceship.launch"), good);
  EXPECT_EQ(unknown.status, 200);
  EXPECT_EQ(nlohmann::json::parse(unknown.body)["data"]["ignored"], true);

  for (const std::string& authorization :
       {std::string(""), std::string("Secret wrong"), "Token " + secret}) {
    HttpResult refused = stack.Webhook(Event("3"), authorization);
    EXPECT_EQ(refused.status, 401) << authorization << " " << refused.body;
    EXPECT_EQ(nlohmann::json::parse(refused.body)["status"], "error");
  }
  nlohmann::json other_company = Event("3");
  other_company["company"] = "globex";
  EXPECT_EQ(stack.Webhook(other_company, good).status, 401);

  EXPECT_EQ(stack
                .Post("webhook/", "{not json",
                      {{"Content-Type", "application/json"}, {"Authorization", good}})
                .status,
            400);
  nlohmann::json no_data = Event("4");
  no_data.erase("data");
  HttpResult missing = stack.Webhook(no_data, good);
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(nlohmann::json::parse(missing.body)["data"]["data"].is_array()) << missing.body;

  EXPECT_EQ(stack
                .Post("webhook/", Event("5").dump(),
                      {{"Content-Type", "text/plain"}, {"Authorization", good}})
                .status,
            415);
  EXPECT_EQ(
      stack
          .Post("webhook/", Event("5").dump(),
                {{"Content-Type", "application/json; charset=utf-8"}, {"Authorization", good}})
          .status,
      200)
      << "a charset parameter is fine";
  HttpClient fresh;  // The 413 closes its connection.
  HttpResult big =
      fresh.Request("POST", stack.gateway_url() + "webhook/", std::string(2 * 1024 * 1024, ' '),
                    {{"Content-Type", "application/json"}, {"Authorization", good}});
  EXPECT_EQ(big.status, 413);

  pqxx::connection conn(db.url());
  pqxx::nontransaction tx(conn);
  EXPECT_EQ(tx.exec("SELECT count(*) FROM events")[0][0].as<int>(), 3) << "1, 2 and 5 only";

  // Metrics on both sides.
  HttpResult gateway_metrics =
      stack.client().Get(stack.gateway_url().substr(0, stack.gateway_url().size() - 4) + "metrics");
  EXPECT_THAT(gateway_metrics.body,
              HasSubstr(R"(notify_gateway_requests_total{route="webhook",status="401"} 4)"));
  EXPECT_THAT(gateway_metrics.body, HasSubstr("notify_gateway_request_seconds_bucket"));
  HttpResult server_metrics = stack.client().Get(stack.metrics_url());
  EXPECT_THAT(server_metrics.body, HasSubstr(R"(notify_webhook_events_total{outcome="stored"} 2)"));
  EXPECT_THAT(server_metrics.body,
              HasSubstr(R"(notify_webhook_events_total{outcome="duplicate"} 1)"));
  EXPECT_THAT(server_metrics.body,
              HasSubstr(R"(notify_webhook_rejections_total{reason="WEBHOOK_SECRET_INVALID"} 4)"));
  EXPECT_THAT(server_metrics.body, HasSubstr("notify_webhook_ingest_seconds_count"));
}

// Webhooks arriving together go to the server together; each still gets its own status code, and
// only the good ones are stored, each once.
TEST(WebhookE2eTest, ConcurrentWebhooksEachGetTheirOwnAnswer) {
  ::notify::testing::TestDatabase db;
  Stack stack(db.url());
  ASSERT_TRUE(stack.ready());
  const std::string secret = stack.Activate();
  ASSERT_FALSE(secret.empty());
  std::vector<std::thread> threads;
  std::mutex mu;
  std::map<std::string, int> answers;  // "kind status" -> count
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client;
      for (int i = 0; i < 10; ++i) {
        const int kind = (t * 10 + i) % 4;  // 0, 1 good; 2 wrong secret; 3 no data
        nlohmann::json event = Event(absl::StrCat("k", t, "-", i));
        if (kind == 3) event.erase("data");
        const std::string authorization = kind == 2 ? "Secret wrong" : "Secret " + secret;
        HttpResult result = client.Request(
            "POST", stack.gateway_url() + "webhook/", event.dump(),
            {{"Content-Type", "application/json"}, {"Authorization", authorization}});
        std::lock_guard<std::mutex> lock(mu);
        ++answers[absl::StrCat(kind < 2    ? "good"
                               : kind == 2 ? "secret"
                                           : "data",
                               " ", result.status)];
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(answers["good 200"], 60);
  EXPECT_EQ(answers["secret 401"], 30);
  EXPECT_EQ(answers["data 400"], 30);
  pqxx::connection conn(db.url());
  pqxx::nontransaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM events")[0].as<int>(), 60);
  EXPECT_EQ(tx.exec1("SELECT count(DISTINCT event_id) FROM events")[0].as<int>(), 60);
}

TEST(WebhookE2eTest, ASecretThatIsNotPrintableAsciiIs401AndHarmsNothing) {
  ::notify::testing::TestDatabase db;
  Stack stack(db.url());
  ASSERT_TRUE(stack.ready());
  stack.Activate();
  for (const std::string& authorization :
       {std::string("Secret caf\xc3\xa9"), std::string("Secret a\tb")}) {
    HttpResult answer = stack.Webhook(Event("x"), authorization);
    EXPECT_EQ(answer.status, 401) << answer.error;
  }
  EXPECT_EQ(stack.client().Get(stack.gateway_url() + "../healthz").status, 200)
      << "the gateway is still up";
}

TEST(WebhookE2eTest, OverTheRateLimitIs429WithRetryAfter) {
  ::notify::testing::TestDatabase db;
  Stack stack(db.url(), {"--webhook-rate-limit=1"});
  ASSERT_TRUE(stack.ready());
  const std::string good = "Secret " + stack.Activate();
  EXPECT_EQ(stack.Webhook(Event("r1"), good).status, 200);
  HttpResult limited = stack.Webhook(Event("r2"), good);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.headers["retry-after"].empty());
}

TEST(WebhookE2eTest, AServerThatIsGoneIs503WithRetryAfter) {
  ::notify::testing::TestDatabase db;
  Stack stack(db.url());
  ASSERT_TRUE(stack.ready());
  const std::string good = "Secret " + stack.Activate();
  stack.server().Signal(SIGKILL);
  stack.server().Wait(absl::Seconds(10));
  const absl::Time start = absl::Now();
  HttpResult answer = stack.Webhook(Event("gone"), good);
  EXPECT_EQ(answer.status, 503) << answer.body;
  EXPECT_FALSE(answer.headers["retry-after"].empty());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << "never later than the platform waits";
}

TEST(WebhookE2eTest, SimulatorEventsShowUpInListEvents) {
  ::notify::testing::TestDatabase db;
  Stack stack(db.url());
  ASSERT_TRUE(stack.ready());
  stack.Activate();
  nlohmann::json fired =
      stack.sim().Control("POST", "fire",
                          {{"company", "acme"},
                           {"event", "user.create"},
                           {"id", "sim-1"},
                           {"data", {{"id", testing::kSimAcmeUserId}, {"email", "a@b.test"}}}});
  ASSERT_TRUE(fired.is_object());
  ASSERT_EQ(fired["data"]["deliveries"].size(), 1u) << fired;
  EXPECT_EQ(fired["data"]["deliveries"][0]["delivered"], true) << fired;
  EXPECT_EQ(fired["data"]["deliveries"][0]["attempts"][0]["status"], 200) << fired;
  EXPECT_THAT(stack.ListedEventIds(), ::testing::ElementsAre("sim-1"));
}

TEST(WebhookE2eTest, ADatabaseOutageIs503AndTheRetriedEventsGoInOnce) {
  ::notify::testing::PrivatePostgres postgres;
  Stack stack(postgres.url());
  ASSERT_TRUE(stack.ready());
  const std::string good = "Secret " + stack.Activate();
  ASSERT_EQ(stack.Webhook(Event("before"), good).status, 200);

  ASSERT_TRUE(postgres.Stop());
  HttpResult down = stack.Webhook(Event("during"), good);
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_FALSE(down.headers["retry-after"].empty());
  std::vector<std::string> fired_ids;
  for (const char* id : {"sim-a", "sim-b"}) {
    nlohmann::json fired =
        stack.sim().Control("POST", "fire",
                            {{"company", "acme"},
                             {"event", "transaction.create"},
                             {"id", id},
                             {"data", {{"amount", 1}}},
                             {"retry_delays_ms", {300, 500, 1000, 1000, 2000, 2000, 4000}}});
    ASSERT_TRUE(fired.is_object());
    EXPECT_EQ(fired["data"]["deliveries"][0]["delivered"], false) << fired;
    EXPECT_EQ(fired["data"]["deliveries"][0]["attempts"][0]["status"], 503) << fired;
  }

  ASSERT_TRUE(postgres.Start());
  // The platform retries; each event goes in once.
  EXPECT_TRUE(PollUntil(
      [&] {
        for (const char* id : {"sim-a", "sim-b"}) {
          nlohmann::json state = stack.sim().Control("GET", std::string("fired/") + id);
          if (!state.is_object() || state["data"]["deliveries"][0]["delivered"] != true) {
            return false;
          }
        }
        return true;
      },
      absl::Seconds(30)));
  EXPECT_EQ(stack.Webhook(Event("during"), good).status, 200) << "the platform's own retry";
  std::vector<std::string> ids = stack.ListedEventIds();
  std::sort(ids.begin(), ids.end());
  EXPECT_THAT(ids, ::testing::ElementsAre("before", "during", "sim-a", "sim-b"));
}

}  // namespace
}  // namespace notify
