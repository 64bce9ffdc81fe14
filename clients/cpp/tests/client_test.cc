// The C++ client against a running server (clients/cpp/test gives the target, tokens and secret).
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "notify_client/client.h"

namespace {

namespace v1 = notifications::v1;
using notify_client::Client;
using notify_client::DetailsOf;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    ADD_FAILURE() << name << " is not set: run clients/cpp/test";
    return "";
  }
  return value;
}

Client Admin() {
  return Client({.target = Env("NOTIFY_TARGET"), .token = Env("NOTIFY_ADMIN_TOKEN")});
}

v1::Notification Sms(const std::string& name) {
  v1::Notification n;
  n.set_type(v1::NOTIFICATION_TYPE_SMS);
  n.set_name(name);
  n.set_event("user.create");
  n.set_sms_message("Welcome, {{ first_name }}");
  return n;
}

TEST(CppClientTest, CreateGetListAcrossPagesUpdateDelete) {
  Client client = Admin();
  const std::string prefix = absl::StrCat("cpp-", absl::ToUnixNanos(absl::Now()), "-");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    v1::CreateNotificationRequest request;
    *request.mutable_notification() = Sms(prefix + std::to_string(i));
    auto created =
        client.Call(client.admin(), &v1::AdminService::Stub::CreateNotification, request);
    ASSERT_TRUE(created.ok()) << created.status();
    ids.push_back(created->notification().id());
  }
  v1::GetNotificationRequest get;
  get.set_id(ids[0]);
  auto got = client.Call(client.admin(), &v1::AdminService::Stub::GetNotification, get);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->notification().name(), prefix + "0");

  v1::ListNotificationsRequest list;
  list.set_page_size(2);
  list.set_name(prefix);
  auto all = client.AllNotifications(list);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 5u);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ((*all)[i].id(), ids[i]);

  v1::UpdateNotificationRequest update;
  update.mutable_notification()->set_id(ids[1]);
  update.mutable_notification()->set_description("updated from C++");
  update.mutable_update_mask()->add_paths("description");
  auto updated = client.Call(client.admin(), &v1::AdminService::Stub::UpdateNotification, update);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->notification().description(), "updated from C++");

  for (const std::string& id : ids) {
    v1::DeleteNotificationRequest del;
    del.set_id(id);
    ASSERT_TRUE(client.Call(client.admin(), &v1::AdminService::Stub::DeleteNotification, del).ok());
  }
  auto gone = client.Call(client.admin(), &v1::AdminService::Stub::GetNotification, get);
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(DetailsOf(gone.status()).reason, "NOTIFICATION_NOT_FOUND");
}

TEST(CppClientTest, ErrorsCarryTheirReasonAndField) {
  Client client = Admin();
  v1::CreateNotificationRequest request;
  *request.mutable_notification() = Sms("bad");
  request.mutable_notification()->set_event("not.an.event");
  auto invalid = client.Call(client.admin(), &v1::AdminService::Stub::CreateNotification, request);
  EXPECT_EQ(invalid.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DetailsOf(invalid.status()).field, "event");
  Client stranger({.target = Env("NOTIFY_TARGET"), .token = "not-a-token"});
  EXPECT_EQ(stranger.GetCompany().status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(CppClientTest, WebhookCallWithTheSecret) {
  Client client({.target = Env("NOTIFY_TARGET"), .secret = Env("NOTIFY_WEBHOOK_SECRET")});
  const std::string payload =
      absl::StrCat(R"({"id": "cpp-)", absl::ToUnixNanos(absl::Now()),
                   R"(", "event": "user.create", "company": "acme",)", R"( "data": {"id": "u1"}})");
  auto first = client.ReceiveEvent(payload);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->duplicate());
  auto second = client.ReceiveEvent(payload);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->duplicate());
}

}  // namespace
