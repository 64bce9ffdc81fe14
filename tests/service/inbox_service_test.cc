// Logs (admin and user) and devices, on a real PostgreSQL. Deliveries are written here directly, as
// the delivery workers will.
#include <pqxx/pqxx>

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "tests/service/service_fixture.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;
using ::notify::testing::DetailsOf;
using ::notify::testing::kAdmin;
using ::notify::testing::kGlobexAdmin;
using ::notify::testing::kGlobexUser;
using ::notify::testing::kOtherUser;
using ::notify::testing::kOtherUserId;
using ::notify::testing::kUser;
using ::notify::testing::kUserId;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class InboxServiceTest : public ::notify::testing::ServiceTest {
 protected:
  // A delivery of `company` for `user`, `minutes_ago` old; returns its id.
  std::string Deliver(const std::string& company, const std::string& user, const std::string& type,
                      const std::string& status, int minutes_ago, const std::string& subject) {
    pqxx::connection conn(db_.url());
    pqxx::work tx(conn);
    const std::string id =
        tx.exec_params1(
              "INSERT INTO deliveries (company_id, dedupe_key, type, user_id, recipient, subject,"
              " status, last_error, created, attempt_count)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() - make_interval(mins => $9), 1)"
              " RETURNING id::text",
              company, subject + user, type, user, user + "@example.com", subject, status,
              status == "dead" ? "550 mailbox unavailable" : "", minutes_ago)[0]
            .as<std::string>();
    tx.exec_params(
        "UPDATE deliveries SET attempts = jsonb_build_array(jsonb_build_object('number', 1,"
        " 'started', now(), 'duration_ms', 0, 'success', $3::boolean, 'provider_status', $4::int,"
        " 'error', $5::text))"
        " WHERE company_id = $1 AND id = $2::uuid",
        company, id, status == "sent", status == "sent" ? 250 : 550,
        status == "sent" ? "" : "550 mailbox unavailable");
    tx.commit();
    return id;
  }
};

// A deleted notification's messages stay in the log under its name, no longer pointing at it; the
// other notification's messages keep their id.
TEST_F(InboxServiceTest, ANotificationsMessagesOutliveItWithoutItsId) {
  std::vector<std::string> ids;
  for (const char* name : {"Deposit", "Withdrawal"}) {
    v1::CreateNotificationRequest create;
    v1::Notification* n = create.mutable_notification();
    n->set_type(v1::NOTIFICATION_TYPE_EMAIL);
    n->set_name(name);
    n->set_event("transaction.create");
    n->set_subject("Hello");
    n->set_text_message("Hi");
    v1::CreateNotificationResponse created;
    ASSERT_TRUE(admin_->CreateNotification(As(kAdmin).get(), create, &created).ok());
    ids.push_back(created.notification().id());
  }
  const std::string gone = Deliver("acme", kUserId, "email", "sent", 2, "gone");
  const std::string kept = Deliver("acme", kUserId, "email", "sent", 1, "kept");
  {
    pqxx::connection conn(db_.url());
    pqxx::work tx(conn);
    tx.exec_params(
        "UPDATE deliveries SET notification_id = $2::uuid, notification_name = 'Deposit'"
        " WHERE id = $1::uuid",
        gone, ids[0]);
    tx.exec_params("UPDATE deliveries SET notification_id = $2::uuid WHERE id = $1::uuid", kept,
                   ids[1]);
    tx.commit();
  }
  v1::DeleteNotificationRequest del;
  del.set_id(ids[0]);
  v1::DeleteNotificationResponse deleted;
  ASSERT_TRUE(admin_->DeleteNotification(As(kAdmin).get(), del, &deleted).ok());
  auto log = [&](const std::string& id) {
    v1::GetLogRequest get;
    get.set_id(id);
    v1::GetLogResponse got;
    EXPECT_TRUE(admin_->GetLog(As(kAdmin).get(), get, &got).ok());
    return got.log();
  };
  EXPECT_EQ(log(gone).notification_id(), "");
  EXPECT_EQ(log(gone).notification_name(), "Deposit");
  EXPECT_EQ(log(kept).notification_id(), ids[1]);
}

TEST_F(InboxServiceTest, AdminsSeeEveryLogNewestFirstWithFiltersAndPages) {
  Deliver("acme", kUserId, "email", "sent", 30, "oldest");
  const std::string dead = Deliver("acme", kOtherUserId, "sms", "dead", 20, "middle");
  Deliver("acme", kUserId, "system", "sent", 10, "newest");
  Deliver("globex", "u-globex-user", "email", "sent", 5, "not acme's");

  auto subjects = [&](v1::ListLogsRequest request) {
    std::vector<std::string> out;
    while (true) {
      v1::ListLogsResponse page;
      grpc::Status status = admin_->ListLogs(As(kAdmin).get(), request, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      for (const auto& log : page.logs()) out.push_back(log.subject());
      if (page.next_page_token().empty() || !status.ok()) return out;
      request.set_page_token(page.next_page_token());
    }
  };
  v1::ListLogsRequest all;
  all.set_page_size(1);
  EXPECT_THAT(subjects(all), ElementsAre("newest", "middle", "oldest"));
  v1::ListLogsRequest by_user;
  by_user.set_user_id(kUserId);
  EXPECT_THAT(subjects(by_user), ElementsAre("newest", "oldest"));
  v1::ListLogsRequest by_status;
  by_status.set_status(v1::LOG_STATUS_DEAD);
  EXPECT_THAT(subjects(by_status), ElementsAre("middle"));
  v1::ListLogsRequest by_type;
  by_type.set_type(v1::NOTIFICATION_TYPE_SYSTEM);
  EXPECT_THAT(subjects(by_type), ElementsAre("newest"));
  v1::ListLogsRequest by_time;
  by_time.mutable_start_time()->set_seconds(absl::ToUnixSeconds(absl::Now() - absl::Minutes(25)));
  by_time.mutable_end_time()->set_seconds(absl::ToUnixSeconds(absl::Now() - absl::Minutes(15)));
  EXPECT_THAT(subjects(by_time), ElementsAre("middle"));
  v1::ListLogsRequest far_future;
  far_future.mutable_start_time()->set_seconds(int64_t{1} << 40);
  v1::ListLogsResponse ignored;
  grpc::Status out_of_range = admin_->ListLogs(As(kAdmin).get(), far_future, &ignored);
  EXPECT_EQ(out_of_range.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(out_of_range).field, "start_time");
  v1::ListLogsRequest by_recipient;
  by_recipient.set_recipient(std::string(kOtherUserId) + "@example.com");
  EXPECT_THAT(subjects(by_recipient), ElementsAre("middle"));

  v1::GetLogRequest get;
  get.set_id(dead);
  v1::GetLogResponse got;
  ASSERT_TRUE(admin_->GetLog(As(kAdmin).get(), get, &got).ok());
  EXPECT_EQ(got.log().status(), v1::LOG_STATUS_DEAD);
  EXPECT_EQ(got.log().last_error(), "550 mailbox unavailable");
  ASSERT_EQ(got.log().attempts_size(), 1);
  EXPECT_EQ(got.log().attempts(0).provider_status(), 550);
  EXPECT_EQ(admin_->GetLog(As(kGlobexAdmin).get(), get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(InboxServiceTest, UsersSeeOnlyTheirOwnInboxAndMarkItRead) {
  const std::string mine = Deliver("acme", kUserId, "system", "sent", 10, "for me");
  const std::string theirs = Deliver("acme", kOtherUserId, "system", "sent", 5, "for them");
  v1::ListUserLogsResponse inbox;
  ASSERT_TRUE(user_->ListLogs(As(kUser).get(), {}, &inbox).ok());
  ASSERT_EQ(inbox.logs_size(), 1);
  EXPECT_EQ(inbox.logs(0).subject(), "for me");
  EXPECT_FALSE(inbox.logs(0).received());

  v1::GetUserLogRequest get;
  get.set_id(theirs);
  v1::GetUserLogResponse got;
  grpc::Status status = user_->GetLog(As(kUser).get(), get, &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(status).reason, "LOG_NOT_FOUND");

  v1::UpdateUserLogRequest read;
  read.mutable_log()->set_id(mine);
  read.mutable_log()->set_received(true);
  v1::UpdateUserLogResponse updated;
  ASSERT_TRUE(user_->UpdateLog(As(kUser).get(), read, &updated).ok());
  EXPECT_TRUE(updated.log().received());
  read.mutable_log()->set_id(theirs);
  EXPECT_EQ(user_->UpdateLog(As(kUser).get(), read, &updated).error_code(),
            grpc::StatusCode::NOT_FOUND)
      << "nobody marks another's message";
  read.mutable_update_mask()->add_paths("subject");
  EXPECT_EQ(DetailsOf(user_->UpdateLog(As(kUser).get(), read, &updated)).reason,
            "INVALID_UPDATE_MASK");

  v1::ListUserLogsRequest unread;
  unread.set_received(false);
  ASSERT_TRUE(user_->ListLogs(As(kUser).get(), unread, &inbox).ok());
  EXPECT_EQ(inbox.logs_size(), 0);
  v1::ListUserLogsResponse globex;
  ASSERT_TRUE(user_->ListLogs(As(kGlobexUser).get(), {}, &globex).ok());
  EXPECT_EQ(globex.logs_size(), 0);
}

TEST_F(InboxServiceTest, UsersDoNotSeeDeliveryErrors) {
  const std::string dead = Deliver("acme", kUserId, "email", "dead", 1, "bounced");
  v1::GetUserLogRequest get;
  get.set_id(dead);
  v1::GetUserLogResponse got;
  ASSERT_TRUE(user_->GetLog(As(kUser).get(), get, &got).ok());
  EXPECT_EQ(got.log().last_error(), "");
  EXPECT_EQ(got.log().attempts_size(), 0);
}

TEST_F(InboxServiceTest, DevicesAreTheUsersOwnAndATokenMovesToItsNewOwner) {
  v1::RegisterDeviceRequest phone;
  phone.mutable_device()->set_platform(v1::DEVICE_PLATFORM_ANDROID);
  phone.mutable_device()->set_token("fcm-token-1");
  phone.mutable_device()->set_name("Thabo's phone");
  v1::RegisterDeviceResponse registered;
  ASSERT_TRUE(user_->RegisterDevice(As(kUser).get(), phone, &registered).ok());
  EXPECT_EQ(registered.device().name(), "Thabo's phone");

  v1::RegisterDeviceRequest bad;
  bad.mutable_device()->set_token("x");
  grpc::Status status = user_->RegisterDevice(As(kUser).get(), bad, &registered);
  EXPECT_EQ(DetailsOf(status).field, "platform");
  bad.mutable_device()->set_platform(v1::DEVICE_PLATFORM_IOS);
  bad.mutable_device()->clear_token();
  EXPECT_EQ(DetailsOf(user_->RegisterDevice(As(kUser).get(), bad, &registered)).field, "token");

  v1::ListDevicesResponse mine, theirs;
  ASSERT_TRUE(user_->ListDevices(As(kUser).get(), {}, &mine).ok());
  ASSERT_EQ(mine.devices_size(), 1);
  ASSERT_TRUE(user_->ListDevices(As(kOtherUser).get(), {}, &theirs).ok());
  EXPECT_EQ(theirs.devices_size(), 0);

  v1::DeleteDeviceRequest steal;
  steal.set_id(mine.devices(0).id());
  v1::DeleteDeviceResponse deleted;
  EXPECT_EQ(user_->DeleteDevice(As(kOtherUser).get(), steal, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // The phone changes hands: registering its token again moves it.
  phone.mutable_device()->set_name("Maria's phone now");
  ASSERT_TRUE(user_->RegisterDevice(As(kOtherUser).get(), phone, &registered).ok());
  ASSERT_TRUE(user_->ListDevices(As(kUser).get(), {}, &mine).ok());
  EXPECT_EQ(mine.devices_size(), 0);
  ASSERT_TRUE(user_->ListDevices(As(kOtherUser).get(), {}, &theirs).ok());
  ASSERT_EQ(theirs.devices_size(), 1);
  EXPECT_EQ(theirs.devices(0).name(), "Maria's phone now");

  steal.set_id(theirs.devices(0).id());
  ASSERT_TRUE(user_->DeleteDevice(As(kOtherUser).get(), steal, &deleted).ok());
  EXPECT_EQ(user_->DeleteDevice(As(kOtherUser).get(), steal, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(InboxServiceTest, DevicesPageNewestFirst) {
  for (int i = 0; i < 5; ++i) {
    v1::RegisterDeviceRequest request;
    request.mutable_device()->set_platform(v1::DEVICE_PLATFORM_WEB);
    request.mutable_device()->set_token("browser-" + std::to_string(i));
    v1::RegisterDeviceResponse response;
    ASSERT_TRUE(user_->RegisterDevice(As(kUser).get(), request, &response).ok());
  }
  std::vector<std::string> tokens;
  v1::ListDevicesRequest request;
  request.set_page_size(2);
  while (true) {
    v1::ListDevicesResponse page;
    ASSERT_TRUE(user_->ListDevices(As(kUser).get(), request, &page).ok());
    for (const auto& d : page.devices()) tokens.push_back(d.token());
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_THAT(tokens, ElementsAre("browser-4", "browser-3", "browser-2", "browser-1", "browser-0"));
}

TEST_F(InboxServiceTest, AUserKeepsTwentyDevicesAndBoundedOnes) {
  auto register_device = [&](const std::string& token, const std::string& name) {
    v1::RegisterDeviceRequest request;
    request.mutable_device()->set_platform(v1::DEVICE_PLATFORM_ANDROID);
    request.mutable_device()->set_token(token);
    request.mutable_device()->set_name(name);
    v1::RegisterDeviceResponse response;
    return user_->RegisterDevice(As(kUser).get(), request, &response);
  };
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(register_device("phone-" + std::to_string(i), "").ok());
  // Registering an old token again makes it the most recent: it stays, phone-5 goes.
  ASSERT_TRUE(register_device("phone-4", "").ok());
  ASSERT_TRUE(register_device("phone-25", "").ok());
  v1::ListDevicesRequest list;
  list.set_page_size(100);
  v1::ListDevicesResponse devices;
  ASSERT_TRUE(user_->ListDevices(As(kUser).get(), list, &devices).ok());
  EXPECT_EQ(devices.total_size(), 20);
  std::set<std::string> tokens;
  for (const auto& d : devices.devices()) tokens.insert(d.token());
  EXPECT_EQ(tokens.size(), 20u);
  EXPECT_TRUE(tokens.count("phone-4")) << "registered again, so among the most recent";
  EXPECT_TRUE(tokens.count("phone-25"));
  for (const char* gone : {"phone-0", "phone-3", "phone-5", "phone-6"}) {
    EXPECT_FALSE(tokens.count(gone)) << gone;
  }

  grpc::Status status = register_device("phone-x", std::string(201, 'n'));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).field, "name");
  EXPECT_THAT(status.error_message(), HasSubstr("at most 200"));
  status = register_device(std::string(1025, 't'), "");
  EXPECT_EQ(DetailsOf(status).field, "token");
  status = register_device("tab\there", "");
  EXPECT_EQ(DetailsOf(status).field, "token");
  EXPECT_TRUE(register_device(std::string(1024, 't'), std::string(200, 'n')).ok());
}

// AIP-158 skip and total_size, as the REST face's page numbers and counts use them: each page is
// the one after `skip` results, the count covers every page, and a negative skip is refused.
TEST_F(InboxServiceTest, ListsSkipAndCountAcrossPages) {
  std::vector<std::string> newest_first;
  for (int i = 0; i < 7; ++i) {
    newest_first.insert(newest_first.begin(),
                        Deliver("acme", kUserId, i % 2 ? "sms" : "email", i < 5 ? "sent" : "dead",
                                10 - i, "s" + std::to_string(i)));
  }
  Deliver("globex", "u-globex-user", "email", "sent", 1, "theirs");
  auto page = [&](int size, int skip) {
    v1::ListLogsRequest request;
    request.set_page_size(size);
    request.set_skip(skip);
    v1::ListLogsResponse response;
    EXPECT_TRUE(admin_->ListLogs(As(kAdmin).get(), request, &response).ok());
    std::vector<std::string> ids;
    for (const auto& log : response.logs()) ids.push_back(log.id());
    EXPECT_EQ(response.total_size(), 7);
    return std::make_pair(ids, response.next_page_token());
  };
  auto [first, first_token] = page(3, 0);
  auto [third, third_token] = page(3, 6);
  EXPECT_EQ(first, std::vector<std::string>(newest_first.begin(), newest_first.begin() + 3));
  EXPECT_EQ(third, std::vector<std::string>{newest_first[6]});
  EXPECT_FALSE(first_token.empty());
  EXPECT_TRUE(third_token.empty());
  EXPECT_TRUE(page(3, 7).first.empty()) << "past the end: an empty page";

  v1::ListLogsRequest negative;
  negative.set_skip(-1);
  v1::ListLogsResponse refused;
  grpc::Status status = admin_->ListLogs(As(kAdmin).get(), negative, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).field, "skip");

  // The filters the platform's API names, and the count under them.
  v1::ListLogsRequest filtered;
  filtered.add_types(v1::NOTIFICATION_TYPE_SMS);
  filtered.set_sent(true);
  v1::ListLogsResponse texts;
  ASSERT_TRUE(admin_->ListLogs(As(kAdmin).get(), filtered, &texts).ok());
  EXPECT_EQ(texts.total_size(), 2);  // s1 and s3 (s5 is dead).
  for (const auto& log : texts.logs()) {
    EXPECT_EQ(log.type(), v1::NOTIFICATION_TYPE_SMS);
    EXPECT_TRUE(log.accepted());
  }
  v1::ListLogsRequest contains;
  contains.set_recipient_contains("0B0B0B0B-0000-4000-8000-000000000001@EXAMPLE");
  contains.set_user_identifier(kUserId);
  v1::ListLogsResponse mine;
  ASSERT_TRUE(admin_->ListLogs(As(kAdmin).get(), contains, &mine).ok());
  EXPECT_EQ(mine.total_size(), 7);
  v1::ListLogsRequest wildcard;
  wildcard.set_recipient_contains("%");
  v1::ListLogsResponse none;
  ASSERT_TRUE(admin_->ListLogs(As(kAdmin).get(), wildcard, &none).ok());
  EXPECT_EQ(none.total_size(), 0) << "% is a character to find, not a wildcard";

  // A user's inbox counts theirs alone.
  v1::ListUserLogsRequest inbox;
  inbox.set_page_size(2);
  inbox.set_skip(1);
  v1::ListUserLogsResponse got;
  ASSERT_TRUE(user_->ListLogs(As(kUser).get(), inbox, &got).ok());
  EXPECT_EQ(got.total_size(), 7);
  ASSERT_EQ(got.logs_size(), 2);
  EXPECT_EQ(got.logs(0).id(), newest_first[1]);
}

}  // namespace
}  // namespace notify
