// Notifications through AdminService and UserService: validation, pagination, update masks, not
// found, concurrent updates, preferences and tenant isolation, on a real PostgreSQL.
#include <mutex>
#include <set>
#include <thread>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "notifications/v1/user_service.grpc.pb.h"
#include "server/app/app.h"
#include "server/store/pg/migrations.h"
#include "tests/fakes/fake_platform_client.h"
#include "tests/service/service_fixture.h"
#include "tests/support/server_options.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;
using ::testing::HasSubstr;

using ::notify::testing::DetailsOf;
using ::notify::testing::kAdmin;
using ::notify::testing::kGlobexAdmin;
using ::notify::testing::kGlobexUser;
using ::notify::testing::kOtherUser;
using ::notify::testing::kUser;

v1::Notification Email(const std::string& name, const std::string& event = "transaction.create") {
  v1::Notification n;
  n.set_type(v1::NOTIFICATION_TYPE_EMAIL);
  n.set_name(name);
  n.set_event(event);
  n.set_subject("You received {{ amount }}");
  n.set_text_message("Hi {{ user.first_name|default:\"there\" }}");
  n.set_enabled(true);
  return n;
}

class NotificationsServiceTest : public ::notify::testing::ServiceTest {
 protected:
  grpc::Status Create(const v1::Notification& n, v1::Notification* out = nullptr,
                      const std::string& token = kAdmin, const std::string& request_id = "") {
    v1::CreateNotificationRequest request;
    *request.mutable_notification() = n;
    request.set_request_id(request_id);
    v1::CreateNotificationResponse response;
    grpc::Status status = admin_->CreateNotification(As(token).get(), request, &response);
    if (out != nullptr) *out = response.notification();
    return status;
  }

  v1::Notification MustCreate(const v1::Notification& n) {
    v1::Notification out;
    grpc::Status status = Create(n, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  grpc::Status Update(const v1::Notification& n, std::vector<std::string> paths,
                      v1::Notification* out = nullptr, const std::string& token = kAdmin) {
    v1::UpdateNotificationRequest request;
    *request.mutable_notification() = n;
    for (const auto& p : paths) request.mutable_update_mask()->add_paths(p);
    v1::UpdateNotificationResponse response;
    grpc::Status status = admin_->UpdateNotification(As(token).get(), request, &response);
    if (out != nullptr) *out = response.notification();
    return status;
  }
};

TEST_F(NotificationsServiceTest, CreateThenGet) {
  v1::Notification created = MustCreate(Email("Deposit"));
  EXPECT_EQ(created.id().size(), 36u);
  EXPECT_TRUE(created.has_created());
  EXPECT_EQ(created.subject(), "You received {{ amount }}");
  v1::GetNotificationRequest request;
  request.set_id(created.id());
  v1::GetNotificationResponse response;
  ASSERT_TRUE(admin_->GetNotification(As(kAdmin).get(), request, &response).ok());
  EXPECT_EQ(response.notification().SerializeAsString(), created.SerializeAsString());
}

TEST_F(NotificationsServiceTest, ValidationNamesTheField) {
  struct Case {
    std::function<void(v1::Notification&)> change;
    std::string field;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {[](v1::Notification& n) { n.set_type(v1::NOTIFICATION_TYPE_UNSPECIFIED); }, "type",
       "INVALID_FIELD"},
      {[](v1::Notification& n) { n.set_name(" "); }, "name", "INVALID_FIELD"},
      {[](v1::Notification& n) { n.set_event("transaction.explode"); }, "event", "INVALID_FIELD"},
      {[](v1::Notification& n) { n.clear_subject(); }, "subject", "INVALID_FIELD"},
      {[](v1::Notification& n) { n.clear_text_message(); }, "text_message", "INVALID_FIELD"},
      {[](v1::Notification& n) { n.set_type(v1::NOTIFICATION_TYPE_SMS); }, "sms_message",
       "INVALID_FIELD"},
      {[](v1::Notification& n) { n.set_type(v1::NOTIFICATION_TYPE_PUSH); }, "push_message",
       "INVALID_FIELD"},
      {[](v1::Notification& n) { n.set_to_email("not-an-address"); }, "to_email", "INVALID_FIELD"},
      {[](v1::Notification& n) { n.set_to_mobile("0821234567"); }, "to_mobile", "INVALID_FIELD"},
      {[](v1::Notification& n) { n.set_to_user("bob"); }, "to_user", "INVALID_FIELD"},
      {[](v1::Notification& n) { n.set_subject("Hi {{ user.name|nosuchfilter }}"); }, "subject",
       "TEMPLATE_INVALID"},
      {[](v1::Notification& n) { n.set_text_message("{% if x %}never closed"); }, "text_message",
       "TEMPLATE_INVALID"},
      {[](v1::Notification& n) { n.set_expression("'{{ status' == 'x'"); }, "expression",
       "EXPRESSION_INVALID"},
  };
  for (const Case& c : cases) {
    v1::Notification n = Email("Bad");
    c.change(n);
    grpc::Status status = Create(n);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(DetailsOf(status).field, c.field) << status.error_message();
    EXPECT_EQ(DetailsOf(status).reason, c.reason) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(c.field + ":"));
  }
  v1::Notification bad_template = Email("Bad");
  bad_template.set_html_message("<p>\n  {% for x in items %}\n  {% endif %}</p>");
  grpc::Status status = Create(bad_template);
  EXPECT_THAT(status.error_message(),
              HasSubstr("line 3, column 6: unexpected 'endif', expected 'endfor'"));

  v1::ListNotificationsResponse listed;
  ASSERT_TRUE(admin_->ListNotifications(As(kAdmin).get(), {}, &listed).ok());
  EXPECT_EQ(listed.notifications_size(), 0) << "nothing invalid was stored";
}

TEST_F(NotificationsServiceTest, TemplatesInFixedRecipientsAreAllowed) {
  v1::Notification n = Email("Ops copy");
  n.set_to_email("{{ user.email }}");
  n.set_to_mobile("{{ user.mobile }}");
  EXPECT_TRUE(Create(n).ok());
}

TEST_F(NotificationsServiceTest, ARetriedCreateWithTheSameRequestIdCreatesOnce) {
  v1::Notification first, second;
  ASSERT_TRUE(Create(Email("Once"), &first, kAdmin, "req-1").ok());
  ASSERT_TRUE(Create(Email("Once"), &second, kAdmin, "req-1").ok());
  EXPECT_EQ(first.id(), second.id());
  v1::ListNotificationsResponse listed;
  ASSERT_TRUE(admin_->ListNotifications(As(kAdmin).get(), {}, &listed).ok());
  EXPECT_EQ(listed.total_size(), 1);
}

TEST_F(NotificationsServiceTest, ConcurrentRetriesWithOneRequestIdCreateOnce) {
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> ids;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      v1::Notification created;
      if (Create(Email("Racy"), &created, kAdmin, "req-race").ok()) {
        ++ok;
        std::lock_guard<std::mutex> lock(mu);
        ids.insert(created.id());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(ids.size(), 1u);
}

TEST_F(NotificationsServiceTest, PaginationEdges) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(MustCreate(Email("N" + std::to_string(i))).id());
  auto list = [&](int page_size, const std::string& token, v1::ListNotificationsResponse* out) {
    v1::ListNotificationsRequest request;
    request.set_page_size(page_size);
    request.set_page_token(token);
    return admin_->ListNotifications(As(kAdmin).get(), request, out);
  };
  v1::ListNotificationsResponse response;
  ASSERT_TRUE(list(0, "", &response).ok());
  EXPECT_EQ(response.notifications_size(), 15) << "0 means the default";
  EXPECT_EQ(response.total_size(), 20);
  EXPECT_EQ(response.notifications(0).id(), ids[0]) << "stable order by id: creation order";

  std::vector<std::string> walked;
  std::string token;
  do {
    v1::ListNotificationsResponse page;
    ASSERT_TRUE(list(1, token, &page).ok());
    ASSERT_EQ(page.notifications_size(), 1);
    walked.push_back(page.notifications(0).id());
    ASSERT_LE(walked.size(), ids.size()) << "the walk goes past the end";
    token = page.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(walked, ids) << "page size 1 walks every one once, in order, and ends";

  v1::ListNotificationsResponse all;
  ASSERT_TRUE(list(251, "", &all).ok());
  EXPECT_EQ(all.notifications_size(), 20);
  EXPECT_TRUE(all.next_page_token().empty());

  v1::ListNotificationsResponse ignored;
  EXPECT_EQ(list(-1, "", &ignored).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status forged = list(5, "Zm9yZ2Vk", &ignored);
  EXPECT_EQ(forged.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(forged).reason, "INVALID_PAGE_TOKEN");
}

TEST_F(NotificationsServiceTest, PageSizesAboveTheMaximumAreCapped) {
  for (int i = 0; i < 251; ++i) MustCreate(Email("Capped " + std::to_string(i)));
  v1::ListNotificationsRequest request;
  request.set_page_size(1000);
  v1::ListNotificationsResponse response;
  ASSERT_TRUE(admin_->ListNotifications(As(kAdmin).get(), request, &response).ok());
  EXPECT_EQ(response.notifications_size(), 250);
  EXPECT_EQ(response.total_size(), 251);
  ASSERT_FALSE(response.next_page_token().empty());
  request.set_page_token(response.next_page_token());
  v1::ListNotificationsResponse rest;
  ASSERT_TRUE(admin_->ListNotifications(As(kAdmin).get(), request, &rest).ok());
  EXPECT_EQ(rest.notifications_size(), 1);
  EXPECT_TRUE(rest.next_page_token().empty());
}

// A page token resumes only the list and the company that made it.
TEST_F(NotificationsServiceTest, PageTokensAreRefusedByAnotherCompanyAndAnotherList) {
  for (int i = 0; i < 3; ++i) MustCreate(Email("T" + std::to_string(i)));
  v1::ListNotificationsRequest first;
  first.set_page_size(1);
  v1::ListNotificationsResponse page;
  ASSERT_TRUE(admin_->ListNotifications(As(kAdmin).get(), first, &page).ok());
  const std::string token = page.next_page_token();
  ASSERT_FALSE(token.empty());

  v1::ListNotificationsRequest resumed;
  resumed.set_page_size(1);
  resumed.set_page_token(token);
  v1::ListNotificationsResponse next;
  ASSERT_TRUE(admin_->ListNotifications(As(kAdmin).get(), resumed, &next).ok())
      << "the token resumes its own list";
  ASSERT_EQ(next.notifications_size(), 1);

  grpc::Status globex = admin_->ListNotifications(As(kGlobexAdmin).get(), resumed, &next);
  EXPECT_EQ(globex.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(globex).reason, "INVALID_PAGE_TOKEN");

  v1::ListLayoutsRequest layouts;
  layouts.set_page_size(1);
  layouts.set_page_token(token);
  v1::ListLayoutsResponse layouts_page;
  grpc::Status other_list = admin_->ListLayouts(As(kAdmin).get(), layouts, &layouts_page);
  EXPECT_EQ(other_list.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(other_list).reason, "INVALID_PAGE_TOKEN");

  v1::ListUserNotificationsRequest user_list;
  user_list.set_page_size(1);
  user_list.set_page_token(token);
  v1::ListUserNotificationsResponse user_page;
  grpc::Status user_status = user_->ListNotifications(As(kUser).get(), user_list, &user_page);
  EXPECT_EQ(user_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(user_status).reason, "INVALID_PAGE_TOKEN");
}

TEST_F(NotificationsServiceTest, ListFilters) {
  MustCreate(Email("Deposit received"));
  MustCreate(Email("Welcome", "user.create"));
  v1::Notification sms = Email("Deposit SMS");
  sms.set_type(v1::NOTIFICATION_TYPE_SMS);
  sms.set_sms_message("You got {{ amount }}");
  sms.set_enabled(false);
  MustCreate(sms);
  auto names = [&](std::function<void(v1::ListNotificationsRequest&)> set) {
    v1::ListNotificationsRequest request;
    set(request);
    v1::ListNotificationsResponse response;
    EXPECT_TRUE(admin_->ListNotifications(As(kAdmin).get(), request, &response).ok());
    std::vector<std::string> out;
    for (const auto& n : response.notifications()) out.push_back(n.name());
    return out;
  };
  EXPECT_THAT(names([](auto& r) { r.set_event("user.create"); }),
              ::testing::ElementsAre("Welcome"));
  EXPECT_THAT(names([](auto& r) { r.set_type(v1::NOTIFICATION_TYPE_SMS); }),
              ::testing::ElementsAre("Deposit SMS"));
  EXPECT_THAT(names([](auto& r) { r.set_name("deposit"); }),
              ::testing::ElementsAre("Deposit received", "Deposit SMS"));
  EXPECT_THAT(names([](auto& r) { r.set_enabled(false); }), ::testing::ElementsAre("Deposit SMS"));
}

TEST_F(NotificationsServiceTest, UpdateHonoursTheMask) {
  v1::Notification created = MustCreate(Email("Original"));
  v1::Notification change;
  change.set_id(created.id());
  change.set_name("Renamed");
  change.set_subject("Ignored because it is not in the mask");
  v1::Notification updated;
  ASSERT_TRUE(Update(change, {"name"}, &updated).ok());
  EXPECT_EQ(updated.name(), "Renamed");
  EXPECT_EQ(updated.subject(), created.subject());

  // An empty mask means every populated field.
  v1::Notification populated;
  populated.set_id(created.id());
  populated.set_description("Now described");
  ASSERT_TRUE(Update(populated, {}, &updated).ok());
  EXPECT_EQ(updated.description(), "Now described");
  EXPECT_EQ(updated.name(), "Renamed");

  // Clearing a field needs it in the mask.
  v1::Notification disable;
  disable.set_id(created.id());
  ASSERT_TRUE(Update(disable, {"enabled"}, &updated).ok());
  EXPECT_FALSE(updated.enabled());

  EXPECT_EQ(DetailsOf(Update(change, {"colour"})).reason, "INVALID_UPDATE_MASK");
  EXPECT_EQ(DetailsOf(Update(change, {"created"})).reason, "INVALID_UPDATE_MASK");
  v1::Notification invalid;
  invalid.set_id(created.id());
  grpc::Status status = Update(invalid, {"subject"});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << "an email needs a subject";
  EXPECT_EQ(DetailsOf(status).field, "subject");
}

TEST_F(NotificationsServiceTest, ConcurrentUpdatesOfDifferentFieldsBothLand) {
  v1::Notification created = MustCreate(Email("Busy"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i) {
    threads.emplace_back([&, i] {
      v1::Notification change;
      change.set_id(created.id());
      if (i % 2 == 0) {
        change.set_description("d" + std::to_string(i));
        EXPECT_TRUE(Update(change, {"description"}).ok());
      } else {
        change.set_from_email("ops" + std::to_string(i) + "@acme.example");
        EXPECT_TRUE(Update(change, {"from_email"}).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  v1::GetNotificationRequest request;
  request.set_id(created.id());
  v1::GetNotificationResponse response;
  ASSERT_TRUE(admin_->GetNotification(As(kAdmin).get(), request, &response).ok());
  EXPECT_THAT(response.notification().description(), HasSubstr("d"));
  EXPECT_THAT(response.notification().from_email(), HasSubstr("@acme.example"));
}

TEST_F(NotificationsServiceTest, NotFoundIsNotFoundWhetherOrNotTheIdExistsElsewhere) {
  v1::Notification theirs;
  ASSERT_TRUE(Create(Email("Globex's"), &theirs, kGlobexAdmin).ok());
  for (const std::string& id : {theirs.id(), std::string("not-a-uuid"),
                                std::string("00000000-0000-4000-8000-000000000000")}) {
    v1::GetNotificationRequest get;
    get.set_id(id);
    v1::GetNotificationResponse got;
    grpc::Status status = admin_->GetNotification(As(kAdmin).get(), get, &got);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << id;
    EXPECT_EQ(DetailsOf(status).reason, "NOTIFICATION_NOT_FOUND");
    v1::Notification change;
    change.set_id(id);
    change.set_name("Hijacked");
    EXPECT_EQ(Update(change, {"name"}).error_code(), grpc::StatusCode::NOT_FOUND);
    v1::DeleteNotificationRequest del;
    del.set_id(id);
    v1::DeleteNotificationResponse deleted;
    EXPECT_EQ(admin_->DeleteNotification(As(kAdmin).get(), del, &deleted).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  v1::ListNotificationsResponse mine;
  ASSERT_TRUE(admin_->ListNotifications(As(kAdmin).get(), {}, &mine).ok());
  EXPECT_EQ(mine.notifications_size(), 0) << "acme sees none of globex's";
  v1::GetNotificationRequest get;
  get.set_id(theirs.id());
  v1::GetNotificationResponse still;
  ASSERT_TRUE(admin_->GetNotification(As(kGlobexAdmin).get(), get, &still).ok());
  EXPECT_EQ(still.notification().name(), "Globex's") << "unchanged";
}

TEST_F(NotificationsServiceTest, DeleteRemovesIt) {
  v1::Notification created = MustCreate(Email("Gone soon"));
  v1::DeleteNotificationRequest request;
  request.set_id(created.id());
  v1::DeleteNotificationResponse response;
  ASSERT_TRUE(admin_->DeleteNotification(As(kAdmin).get(), request, &response).ok());
  EXPECT_EQ(admin_->DeleteNotification(As(kAdmin).get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(NotificationsServiceTest, UsersSeeEnabledNotificationsWithTheirOwnPreferences) {
  v1::Notification optional = Email("Marketing");
  optional.set_preference_enabled(true);
  optional = MustCreate(optional);
  v1::Notification mandatory = MustCreate(Email("Password reset", "user.password.reset"));
  v1::Notification disabled = Email("Old");
  disabled.set_enabled(false);
  MustCreate(disabled);

  v1::ListUserNotificationsResponse listed;
  ASSERT_TRUE(user_->ListNotifications(As(kUser).get(), {}, &listed).ok());
  ASSERT_EQ(listed.notifications_size(), 2);
  for (const auto& n : listed.notifications()) EXPECT_TRUE(n.enabled()) << "default: receive";

  v1::UpdateNotificationPreferenceRequest opt_out;
  opt_out.set_id(optional.id());
  opt_out.set_enabled(false);
  v1::UpdateNotificationPreferenceResponse updated;
  ASSERT_TRUE(user_->UpdateNotificationPreference(As(kUser).get(), opt_out, &updated).ok());
  EXPECT_FALSE(updated.notification().enabled());

  v1::UpdateNotificationPreferenceRequest refuse;
  refuse.set_id(mandatory.id());
  refuse.set_enabled(false);
  grpc::Status status = user_->UpdateNotificationPreference(As(kUser).get(), refuse, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(DetailsOf(status).reason, "PREFERENCE_NOT_ALLOWED");

  v1::GetUserNotificationRequest get;
  get.set_id(optional.id());
  v1::GetUserNotificationResponse mine, theirs;
  ASSERT_TRUE(user_->GetNotification(As(kUser).get(), get, &mine).ok());
  EXPECT_FALSE(mine.notification().enabled());
  ASSERT_TRUE(user_->GetNotification(As(kOtherUser).get(), get, &theirs).ok());
  EXPECT_TRUE(theirs.notification().enabled()) << "one user's choice is theirs alone";
  EXPECT_EQ(user_->GetNotification(As(kGlobexUser).get(), get, &theirs).error_code(),
            grpc::StatusCode::NOT_FOUND)
      << "another company's user sees nothing of this one";
}

TEST_F(NotificationsServiceTest, UsersSeePushNotificationsOnlyWhereTheCompanyTurnedPushOn) {
  v1::Notification push = Email("Push deposit");
  push.set_type(v1::NOTIFICATION_TYPE_PUSH);
  push.set_push_message("You got {{ amount }}");
  MustCreate(push);
  MustCreate(Email("Email deposit"));
  auto names = [&] {
    v1::ListUserNotificationsResponse listed;
    EXPECT_TRUE(user_->ListNotifications(As(kUser).get(), {}, &listed).ok());
    std::vector<std::string> out;
    for (const auto& n : listed.notifications()) out.push_back(n.name());
    return out;
  };
  EXPECT_THAT(names(), ::testing::ElementsAre("Email deposit"));
  v1::UpdateCompanyRequest on;
  on.mutable_company()->set_push_enabled(true);
  on.mutable_update_mask()->add_paths("push_enabled");
  v1::UpdateCompanyResponse updated;
  ASSERT_TRUE(admin_->UpdateCompany(As(kAdmin).get(), on, &updated).ok());
  EXPECT_THAT(names(), ::testing::ElementsAre("Push deposit", "Email deposit"));
}

TEST_F(NotificationsServiceTest, PlainUsersCannotManageNotifications) {
  EXPECT_EQ(Create(Email("Nope"), nullptr, kUser).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace notify
