// The REST face through the real gateway and server, for what the C++ tests should catch without
// the Node SDK tests (tests/rest/): the platform's page numbers.
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/support/http_client.h"
#include "tests/support/test_database.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;
using ::notify::testing::HttpResult;
using ::notify::testing::Stack;

// Pages count from 1, as the platform's do: page 1 is the first item, page 3 the third, and `next`
// and `previous` say where the neighbours are.
TEST(RestE2eTest, PagesCountFromOne) {
  ::notify::testing::TestDatabase db;
  Stack stack(db.url());
  ASSERT_TRUE(stack.ready());
  ASSERT_FALSE(stack.Activate().empty());
  std::vector<std::string> ids;
  for (const char* name : {"First", "Second", "Third"}) {
    grpc::ClientContext context;
    Stack::AsAdmin(context);
    v1::CreateNotificationRequest request;
    request.mutable_notification()->set_type(v1::NOTIFICATION_TYPE_SMS);
    request.mutable_notification()->set_name(name);
    request.mutable_notification()->set_event("transaction.create");
    request.mutable_notification()->set_sms_message("Hi");
    v1::CreateNotificationResponse response;
    grpc::Status status = stack.admin().CreateNotification(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ids.push_back(response.notification().id());
  }
  auto page = [&](const std::string& query) {
    HttpResult result = stack.client().Request(
        "GET", stack.gateway_url() + "admin/notifications/?" + query, "",
        {{"Authorization", std::string("Token ") + ::notify::testing::kSimAcmeAdminToken}});
    EXPECT_EQ(result.status, 200) << result.body;
    return nlohmann::json::parse(result.body, nullptr, false)["data"];
  };
  nlohmann::json first = page("page_size=1&page=1");
  EXPECT_EQ(first["count"], 3);
  ASSERT_EQ(first["results"].size(), 1u);
  EXPECT_EQ(first["results"][0]["id"], ids[0]);
  EXPECT_TRUE(first["previous"].is_null());
  EXPECT_EQ(first["next"], stack.gateway_url() + "admin/notifications/?page_size=1&page=2");
  EXPECT_EQ(page("page_size=1")["results"][0]["id"], ids[0]) << "no page is page 1";
  nlohmann::json third = page("page_size=1&page=3");
  ASSERT_EQ(third["results"].size(), 1u);
  EXPECT_EQ(third["results"][0]["id"], ids[2]);
  EXPECT_TRUE(third["next"].is_null());
  EXPECT_EQ(third["previous"], stack.gateway_url() + "admin/notifications/?page_size=1&page=2");
}

}  // namespace
}  // namespace notify
