// Layouts and company settings through AdminService, on a real PostgreSQL.
#include "gmock/gmock.h"
#include "tests/service/service_fixture.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;
using ::notify::testing::DetailsOf;
using ::notify::testing::kAdmin;
using ::notify::testing::kGlobexAdmin;
using ::notify::testing::kUser;
using ::testing::HasSubstr;

class LayoutsServiceTest : public ::notify::testing::ServiceTest {
 protected:
  grpc::Status CreateLayout(const v1::Layout& layout, v1::Layout* out = nullptr,
                            const std::string& token = kAdmin) {
    v1::CreateLayoutRequest request;
    *request.mutable_layout() = layout;
    v1::CreateLayoutResponse response;
    grpc::Status status = admin_->CreateLayout(As(token).get(), request, &response);
    if (out != nullptr) *out = response.layout();
    return status;
  }
};

v1::Layout Branded(const std::string& name) {
  v1::Layout layout;
  layout.set_name(name);
  layout.set_html_message("<html><body>{{ content }}</body></html>");
  layout.set_text_message("{{ content }}\n-- Acme");
  return layout;
}

TEST_F(LayoutsServiceTest, CrudWithValidationAndMasks) {
  v1::Layout created;
  ASSERT_TRUE(CreateLayout(Branded("Branded"), &created).ok());
  EXPECT_EQ(created.id().size(), 36u);

  v1::Layout broken = Branded("Broken");
  broken.set_html_message("<p>{% if content %}</p>");
  grpc::Status invalid = CreateLayout(broken);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(invalid).field, "html_message");
  EXPECT_EQ(DetailsOf(invalid).reason, "TEMPLATE_INVALID");
  EXPECT_EQ(CreateLayout(v1::Layout()).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::UpdateLayoutRequest update;
  update.mutable_layout()->set_id(created.id());
  update.mutable_layout()->set_name("Renamed");
  update.mutable_update_mask()->add_paths("name");
  v1::UpdateLayoutResponse updated;
  ASSERT_TRUE(admin_->UpdateLayout(As(kAdmin).get(), update, &updated).ok());
  EXPECT_EQ(updated.layout().name(), "Renamed");
  EXPECT_EQ(updated.layout().html_message(), created.html_message());

  v1::ListLayoutsRequest list;
  list.set_name("renam");
  v1::ListLayoutsResponse listed;
  ASSERT_TRUE(admin_->ListLayouts(As(kAdmin).get(), list, &listed).ok());
  ASSERT_EQ(listed.layouts_size(), 1);
  EXPECT_EQ(listed.total_size(), 1);

  v1::DeleteLayoutRequest del;
  del.set_id(created.id());
  v1::DeleteLayoutResponse deleted;
  ASSERT_TRUE(admin_->DeleteLayout(As(kAdmin).get(), del, &deleted).ok());
  v1::GetLayoutRequest get;
  get.set_id(created.id());
  v1::GetLayoutResponse got;
  grpc::Status gone = admin_->GetLayout(As(kAdmin).get(), get, &got);
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(gone).reason, "LAYOUT_NOT_FOUND");
}

TEST_F(LayoutsServiceTest, PagesThroughEveryLayoutOnce) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    v1::Layout created;
    ASSERT_TRUE(CreateLayout(Branded("L" + std::to_string(i)), &created).ok());
    ids.push_back(created.id());
  }
  std::vector<std::string> walked;
  v1::ListLayoutsRequest request;
  request.set_page_size(3);
  while (true) {
    v1::ListLayoutsResponse page;
    ASSERT_TRUE(admin_->ListLayouts(As(kAdmin).get(), request, &page).ok());
    for (const auto& l : page.layouts()) walked.push_back(l.id());
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(walked, ids);
}

TEST_F(LayoutsServiceTest, ANotificationCanUseALayoutOfItsOwnCompanyOnly) {
  v1::Layout mine, theirs;
  ASSERT_TRUE(CreateLayout(Branded("Mine"), &mine).ok());
  ASSERT_TRUE(CreateLayout(Branded("Theirs"), &theirs, kGlobexAdmin).ok());
  v1::CreateNotificationRequest request;
  v1::Notification* n = request.mutable_notification();
  n->set_type(v1::NOTIFICATION_TYPE_SMS);
  n->set_name("With layout");
  n->set_event("user.create");
  n->set_sms_message("Welcome");
  n->set_layout(theirs.id());
  v1::CreateNotificationResponse response;
  grpc::Status status = admin_->CreateNotification(As(kAdmin).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(status).reason, "LAYOUT_NOT_FOUND");
  n->set_layout(mine.id());
  ASSERT_TRUE(admin_->CreateNotification(As(kAdmin).get(), request, &response).ok());
  EXPECT_EQ(response.notification().layout(), mine.id());

  // Deleting the layout leaves the notification without one.
  v1::DeleteLayoutRequest del;
  del.set_id(mine.id());
  v1::DeleteLayoutResponse deleted;
  ASSERT_TRUE(admin_->DeleteLayout(As(kAdmin).get(), del, &deleted).ok());
  v1::GetNotificationRequest get;
  get.set_id(response.notification().id());
  v1::GetNotificationResponse got;
  ASSERT_TRUE(admin_->GetNotification(As(kAdmin).get(), get, &got).ok());
  EXPECT_EQ(got.notification().layout(), "");

  v1::GetLayoutRequest other;
  other.set_id(theirs.id());
  v1::GetLayoutResponse seen;
  EXPECT_EQ(admin_->GetLayout(As(kAdmin).get(), other, &seen).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// An operator who caps SMS at 100 a day per company: an admin may set less, not more.
class QuotaCeilingServiceTest : public LayoutsServiceTest {
 protected:
  void Configure(ServerConfig& config) override { config.engine.quota_ceilings.sms = 100; }
};

TEST_F(QuotaCeilingServiceTest, AnAdminCanOnlyLowerTheOperatorsCeiling) {
  auto update = [&](int sms) {
    v1::UpdateCompanyRequest request;
    request.mutable_company()->set_sms_daily_quota(sms);
    request.mutable_update_mask()->add_paths("sms_daily_quota");
    v1::UpdateCompanyResponse response;
    return admin_->UpdateCompany(As(kAdmin).get(), request, &response);
  };
  EXPECT_TRUE(update(50).ok());
  EXPECT_TRUE(update(100).ok());
  EXPECT_TRUE(update(0).ok()) << "0: the ceiling";
  grpc::Status above = update(101);
  EXPECT_EQ(above.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(above).field, "sms_daily_quota");
  EXPECT_THAT(above.error_message(), HasSubstr("at most 100, the operator's daily ceiling"));
  EXPECT_EQ(DetailsOf(update(-1)).field, "sms_daily_quota");
}

TEST_F(LayoutsServiceTest, CompanySettingsUpdateWithAMask) {
  v1::GetCompanyResponse before;  // Read, so that the directory holds the company.
  ASSERT_TRUE(admin_->GetCompany(As(kAdmin).get(), {}, &before).ok());
  EXPECT_EQ(before.company().system_email(), "");
  v1::UpdateCompanyRequest request;
  request.mutable_company()->set_system_email("noreply@acme.example");
  request.mutable_company()->set_push_enabled(true);
  request.mutable_company()->set_email_daily_quota(1000);
  request.mutable_company()->set_name("Ignored");
  request.mutable_update_mask()->add_paths("system_email");
  request.mutable_update_mask()->add_paths("push_enabled");
  request.mutable_update_mask()->add_paths("email_daily_quota");
  v1::UpdateCompanyResponse response;
  ASSERT_TRUE(admin_->UpdateCompany(As(kAdmin).get(), request, &response).ok());
  EXPECT_EQ(response.company().system_email(), "noreply@acme.example");
  EXPECT_TRUE(response.company().push_enabled());
  EXPECT_EQ(response.company().email_daily_quota(), 1000);
  EXPECT_EQ(response.company().name(), "Acme Wallet");
  v1::GetCompanyResponse after;
  ASSERT_TRUE(admin_->GetCompany(As(kAdmin).get(), {}, &after).ok());
  EXPECT_EQ(after.company().system_email(), "noreply@acme.example") << "not the remembered one";

  v1::UpdateCompanyRequest bad;
  bad.mutable_company()->set_support_email("help at acme");
  bad.mutable_update_mask()->add_paths("support_email");
  grpc::Status status = admin_->UpdateCompany(As(kAdmin).get(), bad, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).field, "support_email");

  v1::UpdateCompanyRequest forbidden;
  forbidden.mutable_company()->set_active(false);
  forbidden.mutable_update_mask()->add_paths("active");
  EXPECT_EQ(DetailsOf(admin_->UpdateCompany(As(kAdmin).get(), forbidden, &response)).reason,
            "INVALID_UPDATE_MASK");
  EXPECT_EQ(admin_->UpdateCompany(As(kUser).get(), request, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::GetCompanyResponse globex;
  ASSERT_TRUE(admin_->GetCompany(As(kGlobexAdmin).get(), {}, &globex).ok());
  EXPECT_EQ(globex.company().system_email(), "") << "another company is untouched";
}

TEST_F(LayoutsServiceTest, TemplatesAreListedFilteredFetchedAndCopied) {
  v1::ListTemplatesResponse all;
  ASSERT_TRUE(admin_->ListTemplates(As(kAdmin).get(), {}, &all).ok());
  EXPECT_EQ(all.templates_size(), 9);
  EXPECT_EQ(all.total_size(), 9);
  v1::ListTemplatesRequest sms;
  sms.set_type(v1::NOTIFICATION_TYPE_SMS);
  v1::ListTemplatesResponse texts;
  ASSERT_TRUE(admin_->ListTemplates(As(kAdmin).get(), sms, &texts).ok());
  for (const auto& t : texts.templates())
    EXPECT_EQ(t.notification().type(), v1::NOTIFICATION_TYPE_SMS);
  EXPECT_GE(texts.templates_size(), 2);

  v1::GetTemplateRequest get;
  get.set_id("password_reset_email");
  v1::GetTemplateResponse got;
  ASSERT_TRUE(admin_->GetTemplate(As(kAdmin).get(), get, &got).ok());
  EXPECT_EQ(got.template_().notification().event(), "user.password.reset");
  EXPECT_FALSE(got.template_().notification().preference_enabled());

  // Copying a template is creating its notification.
  v1::CreateNotificationRequest copy;
  *copy.mutable_notification() = got.template_().notification();
  v1::CreateNotificationResponse created;
  ASSERT_TRUE(admin_->CreateNotification(As(kAdmin).get(), copy, &created).ok());

  get.set_id("no_such_template");
  grpc::Status missing = admin_->GetTemplate(As(kAdmin).get(), get, &got);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(missing).reason, "TEMPLATE_NOT_FOUND");
  EXPECT_EQ(admin_->ListTemplates(As(kUser).get(), {}, &all).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace notify
