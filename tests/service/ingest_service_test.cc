// WebhookService.ReceiveEvent and AdminService.ListEvents/GetEvent, served in process by the real
// App over a real PostgreSQL, with a fake platform behind it.
#include <pqxx/pqxx>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "notifications/v1/webhook_service.grpc.pb.h"
#include "server/app/app.h"
#include "server/store/pg/migrations.h"
#include "tests/fakes/fake_platform_client.h"
#include "tests/support/server_options.h"
#include "tests/support/test_database.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;
using ::notify::testing::FakePlatformClient;
using ::notify::testing::TestDatabase;

constexpr char kAcmeAdmin[] = "acme-admin-token";
constexpr char kGlobexAdmin[] = "globex-admin-token";

std::string ReasonOf(const grpc::Status& status, std::string* field = nullptr) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return "";
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      if (field != nullptr && info.metadata().count("field")) *field = info.metadata().at("field");
      return info.reason();
    }
  }
  return "";
}

nlohmann::json Event(const std::string& id, const std::string& event = "transaction.create",
                     const std::string& company = "acme") {
  return {{"id", id},
          {"event", event},
          {"company", company},
          {"data", {{"id", "tx-" + id}, {"amount", 10000}, {"status", "Complete"}}}};
}

class IngestServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { StartApp(0); }

  void StartApp(double rate_limit, int pool_size = 0) {
    auto platform = std::make_unique<FakePlatformClient>();
    platform_ = platform.get();
    platform_->AddCompany("acme", "Acme Wallet");
    platform_->AddCompany("globex", "Globex Pay");
    platform_->AddUser(kAcmeAdmin, "u-acme-admin", "acme", {"admin"});
    platform_->AddUser(kGlobexAdmin, "u-globex-admin", "globex", {"admin"});
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.database_url = db_.url();
    config.public_url = "https://notify.test/api/";
    config.secret_key_hex = ::notify::testing::kTestSecretKey;
    config.events = {"transaction.create"};
    config.webhook_rate_limit = rate_limit;
    config.deliver = false;  // The events stay as stored; delivery has its own tests.
    if (pool_size > 0) config.db_pool_size = pool_size;
    app_ = std::make_unique<App>(config, std::move(platform));
    ASSERT_TRUE(pg::ApplyMigrations(app_->pool(), pg::EmbeddedMigrations()).ok());
    ASSERT_TRUE(app_->Start().ok());
    auto channel = grpc::CreateChannel(app_->address(), grpc::InsecureChannelCredentials());
    admin_ = v1::AdminService::NewStub(channel);
    webhook_ = v1::WebhookService::NewStub(channel);
    Activate(kAcmeAdmin);
    secret_ = platform_->subscriptions("acme").at(0).secret;
  }

  void TearDown() override { app_->Shutdown(absl::ZeroDuration()); }

  void Activate(const std::string& token) {
    grpc::ClientContext context;
    v1::ActivateRequest request;
    request.set_token(token);
    v1::ActivateResponse response;
    ASSERT_TRUE(admin_->Activate(&context, request, &response).ok());
  }

  grpc::Status Receive(const std::string& payload, const std::string& authorization,
                       v1::ReceiveEventResponse* response = nullptr) {
    grpc::ClientContext context;
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    v1::ReceiveEventRequest request;
    request.set_payload(payload);
    v1::ReceiveEventResponse ignored;
    return webhook_->ReceiveEvent(&context, request, response != nullptr ? response : &ignored);
  }
  grpc::Status Receive(const nlohmann::json& event, v1::ReceiveEventResponse* response = nullptr) {
    return Receive(event.dump(), "Secret " + secret_, response);
  }

  int Count(const std::string& where = "true") {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    return tx.exec("SELECT count(*) FROM events WHERE " + where)[0][0].as<int>();
  }

  grpc::Status List(const std::string& token, v1::ListEventsRequest request,
                    v1::ListEventsResponse* response) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Token " + token);
    return admin_->ListEvents(&context, request, response);
  }

  TestDatabase db_;
  FakePlatformClient* platform_ = nullptr;
  std::unique_ptr<App> app_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::WebhookService::Stub> webhook_;
  std::string secret_;
};

TEST_F(IngestServiceTest, StoresTheEventWithItsDataAsWritten) {
  const std::string payload =
      R"({"id": "1001", "event": "transaction.create", "company": "acme", "data": )"
      R"({"amount": 10000, "fee": 0.5, "big": 12345678901234567890, "user": {"id": "u1"}}})";
  v1::ReceiveEventResponse response;
  ASSERT_TRUE(Receive(payload, "Secret " + secret_, &response).ok());
  EXPECT_FALSE(response.id().empty());
  EXPECT_FALSE(response.duplicate());
  EXPECT_FALSE(response.ignored());
  pqxx::connection conn(db_.url());
  pqxx::nontransaction tx(conn);
  pqxx::row row = tx.exec1(
      "SELECT id::text, event_id, name, status, jsonb_typeof(data->'amount'), data->>'amount',"
      " data->>'big', data->>'fee' FROM events");
  EXPECT_EQ(row[0].as<std::string>(), response.id());
  EXPECT_EQ(row[1].as<std::string>(), "1001");
  EXPECT_EQ(row[2].as<std::string>(), "transaction.create");
  EXPECT_EQ(row[3].as<std::string>(), "pending");
  EXPECT_EQ(row[4].as<std::string>(), "number");
  EXPECT_EQ(row[5].as<std::string>(), "10000") << "an integer stays an integer";
  EXPECT_EQ(row[6].as<std::string>(), "12345678901234567890") << "no precision lost";
  EXPECT_EQ(row[7].as<std::string>(), "0.5");
}

TEST_F(IngestServiceTest, ADuplicateIsASuccessThatStoresNothing) {
  v1::ReceiveEventResponse first, second;
  ASSERT_TRUE(Receive(Event("1"), &first).ok());
  nlohmann::json retry = Event("1");
  retry["data"]["status"] = "Changed";  // A retry carries the same id; what is stored stays.
  ASSERT_TRUE(Receive(retry, &second).ok());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(second.id(), first.id());
  EXPECT_EQ(Count(), 1);
  EXPECT_EQ(Count("data->>'status' = 'Complete'"), 1);
}

TEST_F(IngestServiceTest, TwentyConcurrentCopiesStoreExactlyOneRow) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, originals{0};
  std::mutex mu;
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&] {
      v1::ReceiveEventResponse response;
      if (Receive(Event("same"), &response).ok()) {
        ++ok;
        if (!response.duplicate()) ++originals;
        std::lock_guard<std::mutex> lock(mu);
        ids.insert(response.id());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 20);
  EXPECT_EQ(originals, 1);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(Count(), 1);
}

// Concurrent single calls share database writes (group commit); each still gets its own answer.
TEST_F(IngestServiceTest, ManyConcurrentEventsEachGetTheirOwnRow) {
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> ids;
  std::atomic<int> failed{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        v1::ReceiveEventResponse response;
        if (!Receive(Event(absl::StrCat("c", t, "-", i)), &response).ok() || response.duplicate()) {
          ++failed;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        ids.insert(response.id());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(ids.size(), 160u);
  EXPECT_EQ(Count(), 160);
  EXPECT_EQ(Count("event_id = 'c7-3' AND data->>'id' = 'tx-c7-3'"), 1);
}

// ReceiveEvents answers each event as ReceiveEvent would, in order, and stores only the good ones.
TEST_F(IngestServiceTest, ReceiveEventsAnswersEachEventOnItsOwn) {
  ASSERT_TRUE(Receive(Event("before")).ok());
  v1::ReceiveEventsRequest request;
  auto add = [&](const std::string& payload, const std::string& authorization) {
    auto* event = request.add_events();
    event->set_payload(payload);
    event->set_authorization(authorization);
  };
  const std::string good = "Secret " + secret_;
  add(Event("b1").dump(), good);                      // 0: stored
  add(Event("before").dump(), good);                  // 1: duplicate of an earlier call
  add(Event("b2", "spaceship.launch").dump(), good);  // 2: ignored
  add(Event("b3").dump(), "Secret wrong");            // 3: wrong secret
  add("{not json", good);                             // 4: malformed
  add(Event("b1").dump(), good);                      // 5: a copy of 0 in the same batch
  nlohmann::json no_data = Event("b4");
  no_data.erase("data");
  add(no_data.dump(), good);      // 6: names the field
  add(Event("b5").dump(), good);  // 7: stored
  grpc::ClientContext context;
  v1::ReceiveEventsResponse response;
  ASSERT_TRUE(webhook_->ReceiveEvents(&context, request, &response).ok());
  ASSERT_EQ(response.results_size(), 8);
  auto error_of = [&](int i) {
    google::rpc::Status error;
    EXPECT_FALSE(response.results(i).has_stored()) << i;
    EXPECT_TRUE(error.ParseFromString(response.results(i).error())) << i;
    return grpc::Status(static_cast<grpc::StatusCode>(error.code()), error.message(),
                        response.results(i).error());
  };
  ASSERT_TRUE(response.results(0).has_stored());
  EXPECT_FALSE(response.results(0).stored().duplicate());
  ASSERT_TRUE(response.results(1).has_stored());
  EXPECT_TRUE(response.results(1).stored().duplicate());
  ASSERT_TRUE(response.results(2).has_stored());
  EXPECT_TRUE(response.results(2).stored().ignored());
  grpc::Status wrong = error_of(3);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(wrong), "WEBHOOK_SECRET_INVALID");
  grpc::Status malformed = error_of(4);
  EXPECT_EQ(malformed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(malformed), "WEBHOOK_PAYLOAD_INVALID");
  ASSERT_TRUE(response.results(5).has_stored());
  EXPECT_TRUE(response.results(5).stored().duplicate());
  EXPECT_EQ(response.results(5).stored().id(), response.results(0).stored().id());
  std::string field;
  grpc::Status no_data_status = error_of(6);
  EXPECT_EQ(ReasonOf(no_data_status, &field), "WEBHOOK_PAYLOAD_INVALID");
  EXPECT_EQ(field, "data");
  ASSERT_TRUE(response.results(7).has_stored());
  EXPECT_FALSE(response.results(7).stored().duplicate());
  EXPECT_EQ(Count(), 4);  // before, b1, b2 (ignored), b5
  EXPECT_EQ(Count("event_id IN ('b3', 'b4')"), 0);
}

// Data nested deeper than anything a template reads is refused on its own, before it reaches the
// database (whose JSON parser would fail the whole batch's insert).
TEST_F(IngestServiceTest, DeeplyNestedDataIsRefusedAloneAndTheRestOfTheBatchIsStored) {
  auto nested = [&](const std::string& id, int depth) {
    return R"({"id": ")" + id + R"(", "event": "transaction.create", "company": "acme", )" +
           R"("data": {"x": )" + std::string(static_cast<size_t>(depth), '[') + "1" +
           std::string(static_cast<size_t>(depth), ']') + "}}";
  };
  v1::ReceiveEventsRequest request;
  const std::string good = "Secret " + secret_;
  for (const std::string& payload :
       {Event("n1").dump(), nested("deep", 100000), nested("fine", 60), Event("n2").dump()}) {
    auto* event = request.add_events();
    event->set_payload(payload);
    event->set_authorization(good);
  }
  grpc::ClientContext context;
  v1::ReceiveEventsResponse response;
  ASSERT_TRUE(webhook_->ReceiveEvents(&context, request, &response).ok());
  ASSERT_EQ(response.results_size(), 4);
  EXPECT_TRUE(response.results(0).has_stored());
  ASSERT_FALSE(response.results(1).has_stored());
  google::rpc::Status error;
  ASSERT_TRUE(error.ParseFromString(response.results(1).error()));
  EXPECT_EQ(error.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(error.message(), "The event is nested more than 64 levels deep.");
  EXPECT_TRUE(response.results(2).has_stored()) << "60 levels are fine";
  EXPECT_TRUE(response.results(3).has_stored());
  EXPECT_EQ(Count("event_id IN ('n1', 'fine', 'n2')"), 3);
  EXPECT_EQ(Count("event_id = 'deep'"), 0);
}

TEST_F(IngestServiceTest, ReceiveEventsRefusesMoreThanFiveHundredEvents) {
  v1::ReceiveEventsRequest request;
  for (int i = 0; i < 501; ++i) {
    auto* event = request.add_events();
    event->set_payload(Event(absl::StrCat("many", i)).dump());
    event->set_authorization("Secret " + secret_);
  }
  grpc::ClientContext context;
  v1::ReceiveEventsResponse response;
  grpc::Status status = webhook_->ReceiveEvents(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("At most 500 events"));
  EXPECT_EQ(Count(), 0);
}

TEST_F(IngestServiceTest, ReceiveEventsTakesFiveHundredEvents) {
  v1::ReceiveEventsRequest request;
  for (int i = 0; i < 500; ++i) {
    auto* event = request.add_events();
    event->set_payload(Event(absl::StrCat("five-hundred-", i)).dump());
    event->set_authorization("Secret " + secret_);
  }
  grpc::ClientContext context;
  v1::ReceiveEventsResponse response;
  grpc::Status status = webhook_->ReceiveEvents(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.results_size(), 500);
  EXPECT_EQ(Count(), 500);
}

// The queues' statements run thousands of times a second: their pool plans them once (generic
// plans); the API's pool keeps planning each query for the filters it is given.
TEST_F(IngestServiceTest, TheQueuesPoolUsesGenericPlansAndTheApisDoesNot) {
  auto mode = [](pg::PgPool& pool) {
    std::string value;
    EXPECT_TRUE(pool.Run("show",
                         [&](pqxx::connection& conn) {
                           pqxx::nontransaction tx(conn);
                           value = tx.exec1("SHOW plan_cache_mode")[0].as<std::string>();
                           return absl::OkStatus();
                         })
                    .ok());
    return value;
  };
  EXPECT_EQ(mode(app_->queue_pool()), "force_generic_plan");
  EXPECT_EQ(mode(app_->pool()), "auto");
}

class OneConnectionIngestTest : public IngestServiceTest {
 protected:
  void SetUp() override { StartApp(0, /*pool_size=*/1); }
};

// A generic plan is made once per connection, often while the queues are nearly empty and reading a
// small table whole looks cheaper than its index. However large the table grows afterwards, the
// queue statements keep finding their rows through an index.
TEST_F(OneConnectionIngestTest, QueuePlansMadeOnEmptyTablesKeepUsingTheirIndexes) {
  auto run = [](pg::PgPool& pool, const std::string& sql) {
    std::string out;
    EXPECT_TRUE(pool.Run("planning",
                         [&](pqxx::connection& conn) {
                           pqxx::nontransaction tx(conn);
                           for (const auto& row : tx.exec(sql)) {
                             absl::StrAppend(&out, row[0].c_str(), "\n");
                           }
                           return absl::OkStatus();
                         })
                    .ok())
        << sql;
    return out;
  };
  // Planned with no delivery at all (the queues' pool has one connection here).
  ASSERT_TRUE(app_->queue_pool()
                  .Run("planning",
                       [](pqxx::connection& conn) {
                         pqxx::nontransaction tx(conn);
                         tx.exec_prepared("record_attempts", "[]", "{}");
                         tx.exec_prepared("claim_deliveries", "sms", 5, 60.0);
                         tx.exec_prepared("claim_events", 5, 60.0);
                         return absl::OkStatus();
                       })
                  .ok());
  run(app_->pool(),
      "INSERT INTO deliveries (company_id, dedupe_key, type, recipient, status, sent)"
      " SELECT 'acme', 'k' || g, 'sms', '+15550000000', 'sent', now()"
      " FROM generate_series(1, 5000) g");
  const std::string record = run(app_->queue_pool(), "EXPLAIN EXECUTE record_attempts('[]', '{}')");
  EXPECT_THAT(record, ::testing::HasSubstr("deliveries_pkey"));
  EXPECT_THAT(record, ::testing::Not(::testing::HasSubstr("Seq Scan")));
  const std::string claim =
      run(app_->queue_pool(), "EXPLAIN EXECUTE claim_deliveries('sms', 5, 60)");
  EXPECT_THAT(claim, ::testing::HasSubstr("deliveries_due"));
  EXPECT_THAT(claim, ::testing::Not(::testing::HasSubstr("Seq Scan")));
  run(app_->pool(),
      "WITH stored AS (INSERT INTO events (company_id, event_id, name, data)"
      "  SELECT 'acme', 'plan' || g, 'n', '{}' FROM generate_series(1, 5000) g"
      "  RETURNING id, received)"
      " INSERT INTO event_queue (id, due) SELECT id, received FROM stored");
  // The events' claim reads the queue by its due index, updates the rows it locked where they are
  // and reads their events by id.
  const std::string events = run(app_->queue_pool(), "EXPLAIN EXECUTE claim_events(5, 60)");
  EXPECT_THAT(events, ::testing::HasSubstr("event_queue_due"));
  EXPECT_THAT(events, ::testing::HasSubstr("Tid Scan"));
  EXPECT_THAT(events, ::testing::HasSubstr("events_id_key"));
  EXPECT_THAT(events, ::testing::Not(::testing::HasSubstr("Seq Scan")));
}

TEST_F(IngestServiceTest, AnUnknownEventNameIsStoredAndIgnored) {
  v1::ReceiveEventResponse response;
  ASSERT_TRUE(Receive(Event("2", "spaceship.launch"), &response).ok());
  EXPECT_TRUE(response.ignored());
  EXPECT_EQ(Count("status = 'ignored' AND name = 'spaceship.launch'"), 1);
}

TEST_F(IngestServiceTest, ANumericIdIsKeptAsItsDigits) {
  nlohmann::json event = Event("x");
  event["id"] = 1001;
  ASSERT_TRUE(Receive(event).ok());
  EXPECT_EQ(Count("event_id = '1001'"), 1);
}

TEST_F(IngestServiceTest, WrongMissingOrMalformedSecretsStoreNothing) {
  const std::string payload = Event("3").dump();
  for (const std::string& authorization :
       {std::string(""), std::string("Secret wrong"), std::string("Secret"), "Token " + secret_,
        "Bearer " + secret_, secret_, "Secret " + secret_ + "x"}) {
    grpc::Status status = Receive(payload, authorization);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << authorization;
    EXPECT_EQ(ReasonOf(status), "WEBHOOK_SECRET_INVALID");
    EXPECT_EQ(status.error_message().find(secret_), std::string::npos);
  }
  EXPECT_EQ(Receive(Event("3", "user.create", "globex")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED)
      << "another company's name with acme's secret";
  EXPECT_EQ(Receive(Event("3", "user.create", "nobody")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Count(), 0);
}

TEST_F(IngestServiceTest, ADeactivatedCompanyIsRefusedAtOnce) {
  ASSERT_TRUE(Receive(Event("4")).ok());
  grpc::ClientContext context;
  v1::DeactivateRequest request;
  request.set_token(kAcmeAdmin);
  v1::DeactivateResponse response;
  ASSERT_TRUE(admin_->Deactivate(&context, request, &response).ok());
  EXPECT_EQ(Receive(Event("5")).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Count(), 1);
}

TEST_F(IngestServiceTest, MalformedPayloadsNameTheFieldAndStoreNothing) {
  struct Case {
    std::string payload;
    std::string field;
  };
  nlohmann::json no_id = Event("6");
  no_id.erase("id");
  nlohmann::json empty_event = Event("6");
  empty_event["event"] = "";
  nlohmann::json no_company = Event("6");
  no_company.erase("company");
  nlohmann::json list_data = Event("6");
  list_data["data"] = nlohmann::json::array();
  const std::vector<Case> cases = {
      {"{not json", ""},
      {"[1, 2]", ""},
      {no_id.dump(), "id"},
      {empty_event.dump(), "event"},
      {no_company.dump(), "company"},
      {list_data.dump(), "data"},
  };
  for (const Case& c : cases) {
    std::string field;
    grpc::Status status = Receive(c.payload, "Secret " + secret_);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.payload;
    EXPECT_EQ(ReasonOf(status, &field), "WEBHOOK_PAYLOAD_INVALID") << c.payload;
    EXPECT_EQ(field, c.field) << c.payload;
  }
  EXPECT_EQ(Count(), 0);
}

TEST_F(IngestServiceTest, ListsEventsNewestFirstAcrossPages) {
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(Receive(Event("e" + std::to_string(i))).ok());
  ASSERT_TRUE(Receive(Event("odd", "spaceship.launch")).ok());
  std::vector<std::string> seen;
  v1::ListEventsRequest request;
  request.set_page_size(3);
  for (int page = 0; page < 10; ++page) {
    v1::ListEventsResponse response;
    ASSERT_TRUE(List(kAcmeAdmin, request, &response).ok());
    for (const auto& event : response.events()) seen.push_back(event.event_id());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(seen, ::testing::ElementsAre("odd", "e6", "e5", "e4", "e3", "e2", "e1", "e0"));

  v1::ListEventsRequest ignored;
  ignored.set_status(v1::EVENT_STATUS_IGNORED);
  v1::ListEventsResponse only;
  ASSERT_TRUE(List(kAcmeAdmin, ignored, &only).ok());
  ASSERT_EQ(only.events_size(), 1);
  EXPECT_EQ(only.events(0).event(), "spaceship.launch");
  EXPECT_EQ(only.events(0).status(), v1::EVENT_STATUS_IGNORED);

  v1::ListEventsRequest by_name;
  by_name.set_event("transaction.create");
  v1::ListEventsResponse named;
  ASSERT_TRUE(List(kAcmeAdmin, by_name, &named).ok());
  EXPECT_EQ(named.events_size(), 7);
  EXPECT_EQ(named.events(0).data().fields().at("amount").number_value(), 10000);
}

TEST_F(IngestServiceTest, PageSizesAndTokensAreChecked) {
  v1::ListEventsRequest negative;
  negative.set_page_size(-1);
  v1::ListEventsResponse response;
  EXPECT_EQ(List(kAcmeAdmin, negative, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Receive(Event("p" + std::to_string(i))).ok());
  v1::ListEventsRequest first;
  first.set_page_size(1);
  ASSERT_TRUE(List(kAcmeAdmin, first, &response).ok());
  ASSERT_FALSE(response.next_page_token().empty());

  v1::ListEventsRequest forged;
  forged.set_page_token("bm90LWEtdG9rZW4");
  std::string field;
  grpc::Status status = List(kAcmeAdmin, forged, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(status, &field), "INVALID_PAGE_TOKEN");

  v1::ListEventsRequest other_filter;
  other_filter.set_page_token(response.next_page_token());
  other_filter.set_event("user.create");
  EXPECT_EQ(List(kAcmeAdmin, other_filter, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "a token only resumes the request that made it";

  v1::ListEventsRequest big;
  big.set_page_size(100000);
  ASSERT_TRUE(List(kAcmeAdmin, big, &response).ok());
  EXPECT_EQ(response.events_size(), 3);
  EXPECT_TRUE(response.next_page_token().empty());
}

TEST_F(IngestServiceTest, AnotherCompanySeesNoneOfTheseEvents) {
  v1::ReceiveEventResponse stored;
  ASSERT_TRUE(Receive(Event("mine"), &stored).ok());
  Activate(kGlobexAdmin);
  v1::ListEventsResponse response;
  ASSERT_TRUE(List(kGlobexAdmin, {}, &response).ok());
  EXPECT_EQ(response.events_size(), 0);
  grpc::ClientContext context;
  context.AddMetadata("authorization", std::string("Token ") + kGlobexAdmin);
  v1::GetEventRequest request;
  request.set_id(stored.id());
  v1::GetEventResponse event;
  grpc::Status status = admin_->GetEvent(&context, request, &event);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(status), "EVENT_NOT_FOUND");
}

TEST_F(IngestServiceTest, GetEventReturnsTheStoredEvent) {
  v1::ReceiveEventResponse stored;
  ASSERT_TRUE(Receive(Event("g1"), &stored).ok());
  grpc::ClientContext context;
  context.AddMetadata("authorization", std::string("Token ") + kAcmeAdmin);
  v1::GetEventRequest request;
  request.set_id(stored.id());
  v1::GetEventResponse response;
  ASSERT_TRUE(admin_->GetEvent(&context, request, &response).ok());
  EXPECT_EQ(response.event().id(), stored.id());
  EXPECT_EQ(response.event().event_id(), "g1");
  EXPECT_EQ(response.event().status(), v1::EVENT_STATUS_PENDING);
  EXPECT_EQ(response.event().data().fields().at("status").string_value(), "Complete");
  EXPECT_GT(response.event().received().seconds(), 0);

  grpc::ClientContext bad;
  bad.AddMetadata("authorization", std::string("Token ") + kAcmeAdmin);
  request.set_id("not-a-uuid");
  EXPECT_EQ(admin_->GetEvent(&bad, request, &response).error_code(), grpc::StatusCode::NOT_FOUND);
}

class RateLimitedIngestTest : public IngestServiceTest {
 protected:
  void SetUp() override { StartApp(2); }
};

TEST_F(RateLimitedIngestTest, EventsOverTheLimitGetResourceExhaustedWithADelay) {
  EXPECT_TRUE(Receive(Event("r1")).ok());
  EXPECT_TRUE(Receive(Event("r2")).ok());
  grpc::Status limited = Receive(Event("r3"));
  EXPECT_EQ(limited.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ReasonOf(limited), "RATE_LIMITED");
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(limited.error_details()));
  bool has_retry = false;
  for (const auto& any : details.details()) {
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&retry)) has_retry = retry.retry_delay().seconds() >= 1;
  }
  EXPECT_TRUE(has_retry);
  EXPECT_EQ(Count(), 2);
}

// A stranger with a wrong secret cannot use up a company's limit: the secret is checked first.
TEST_F(RateLimitedIngestTest, WrongSecretsDoNotUseUpTheLimit) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Receive(Event(absl::StrCat("w", i)).dump(), "Secret wrong").error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_TRUE(Receive(Event("g1")).ok());
  EXPECT_TRUE(Receive(Event("g2")).ok());
  EXPECT_EQ(Count(), 2);
}

// Each company has a limit of its own: acme over its limit leaves globex's untouched.
TEST_F(RateLimitedIngestTest, EachCompanyHasItsOwnLimit) {
  Activate(kGlobexAdmin);
  const std::string globex_secret = platform_->subscriptions("globex").at(0).secret;
  EXPECT_TRUE(Receive(Event("a1")).ok());
  EXPECT_TRUE(Receive(Event("a2")).ok());
  EXPECT_EQ(Receive(Event("a3")).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  for (const char* id : {"g1", "g2"}) {
    grpc::Status status =
        Receive(Event(id, "transaction.create", "globex").dump(), "Secret " + globex_secret);
    EXPECT_TRUE(status.ok()) << id << ": " << status.error_message();
  }
  EXPECT_EQ(Count("company_id = 'globex'"), 2);
  EXPECT_EQ(Count("company_id = 'acme'"), 2);
}

}  // namespace
}  // namespace notify
