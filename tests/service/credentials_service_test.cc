// Provider credentials through AdminService: validation, write-only secrets stored sealed, masks,
// one per provider, isolation.
#include <pqxx/pqxx>

#include "gmock/gmock.h"
#include "nlohmann/json.hpp"
#include "server/common/crypto.h"
#include "server/store/credential_store.h"
#include "tests/service/service_fixture.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;
using ::notify::testing::DetailsOf;
using ::notify::testing::kAdmin;
using ::notify::testing::kGlobexAdmin;

class CredentialsServiceTest : public ::notify::testing::ServiceTest {
 protected:
  grpc::Status Create(const v1::Credential& c, v1::Credential* out = nullptr,
                      const std::string& token = kAdmin) {
    v1::CreateCredentialRequest request;
    *request.mutable_credential() = c;
    v1::CreateCredentialResponse response;
    grpc::Status status = admin_->CreateCredential(As(token).get(), request, &response);
    if (out != nullptr) *out = response.credential();
    return status;
  }
  std::string StoredBytes() {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    std::string all;
    for (const auto& row : tx.exec("SELECT settings::text, secrets FROM credentials")) {
      all += row[0].as<std::string>() + pqxx::binarystring(row[1]).str();
    }
    return all;
  }
  // The secrets of acme's credential of `type`, opened with the server's key, as JSON.
  nlohmann::json OpenedSecrets(const std::string& type) {
    pqxx::connection conn(db_.url());
    pqxx::nontransaction tx(conn);
    const pqxx::result rows = tx.exec_params(
        "SELECT secrets FROM credentials WHERE company_id = 'acme' AND type = $1", type);
    EXPECT_EQ(rows.size(), 1u);
    if (rows.size() != 1) return nullptr;
    absl::StatusOr<std::string> opened =
        SecretBox::FromHex(::notify::testing::kTestSecretKey)
            ->Open(pqxx::binarystring(rows[0][0]).str(), CredentialSecretsContext("acme", type));
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? nlohmann::json::parse(*opened) : nullptr;
  }
};

v1::Credential Twilio() {
  v1::Credential c;
  c.set_name("Twilio live");
  c.set_enabled(true);
  c.mutable_twilio()->set_account_sid("AC0123456789");
  c.mutable_twilio()->set_auth_token("twilio-secret-token");
  c.mutable_twilio()->set_from_number("+15550001111");
  return c;
}

TEST_F(CredentialsServiceTest, SecretsAreWriteOnlyAndStoredSealed) {
  v1::Credential created;
  ASSERT_TRUE(Create(Twilio(), &created).ok());
  EXPECT_EQ(created.type(), v1::CREDENTIAL_TYPE_TWILIO);
  EXPECT_EQ(created.twilio().account_sid(), "AC0123456789");
  EXPECT_EQ(created.twilio().auth_token(), "********");
  EXPECT_EQ(StoredBytes().find("twilio-secret-token"), std::string::npos);

  v1::GetCredentialRequest get;
  get.set_id(created.id());
  v1::GetCredentialResponse got;
  ASSERT_TRUE(admin_->GetCredential(As(kAdmin).get(), get, &got).ok());
  EXPECT_EQ(got.credential().twilio().auth_token(), "********");
  v1::ListCredentialsResponse listed;
  ASSERT_TRUE(admin_->ListCredentials(As(kAdmin).get(), {}, &listed).ok());
  ASSERT_EQ(listed.credentials_size(), 1);
  EXPECT_EQ(listed.credentials(0).twilio().auth_token(), "********");
}

TEST_F(CredentialsServiceTest, UpdatesKeepMaskedSecretsAndReplaceNewOnes) {
  v1::Credential created;
  ASSERT_TRUE(Create(Twilio(), &created).ok());
  // The answer sent back with a new number: the masked token keeps the stored one.
  v1::UpdateCredentialRequest request;
  *request.mutable_credential() = created;
  request.mutable_credential()->mutable_twilio()->set_from_number("+15550002222");
  request.mutable_update_mask()->add_paths("twilio");
  v1::UpdateCredentialResponse response;
  ASSERT_TRUE(admin_->UpdateCredential(As(kAdmin).get(), request, &response).ok());
  EXPECT_EQ(response.credential().twilio().from_number(), "+15550002222");
  EXPECT_EQ(response.credential().twilio().auth_token(), "********");
  EXPECT_EQ(OpenedSecrets("twilio")["auth_token"], "twilio-secret-token")
      << "the masked token sent back keeps the stored one";

  request.mutable_credential()->mutable_twilio()->set_auth_token("rotated-token");
  request.clear_update_mask();
  request.mutable_update_mask()->add_paths("twilio.auth_token");
  ASSERT_TRUE(admin_->UpdateCredential(As(kAdmin).get(), request, &response).ok());
  EXPECT_EQ(StoredBytes().find("rotated-token"), std::string::npos);
  EXPECT_EQ(OpenedSecrets("twilio")["auth_token"], "rotated-token") << "a new token replaces it";
  EXPECT_EQ(response.credential().twilio().from_number(), "+15550002222");

  // A stored secret never follows a new account: changing it needs the token again.
  v1::UpdateCredentialRequest moved;
  *moved.mutable_credential() = created;
  moved.mutable_credential()->mutable_twilio()->set_account_sid("ACattacker");
  moved.mutable_update_mask()->add_paths("twilio");
  grpc::Status refused = admin_->UpdateCredential(As(kAdmin).get(), moved, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(refused).field, "twilio.auth_token");

  v1::UpdateCredentialRequest other_provider;
  other_provider.mutable_credential()->set_id(created.id());
  other_provider.mutable_credential()->mutable_sendgrid()->set_api_key("SG.x");
  other_provider.mutable_update_mask()->add_paths("sendgrid");
  grpc::Status status = admin_->UpdateCredential(As(kAdmin).get(), other_provider, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).field, "credential");
}

TEST_F(CredentialsServiceTest, ValidationNamesTheField) {
  v1::Credential none;
  none.set_name("Nothing");
  EXPECT_EQ(DetailsOf(Create(none)).field, "credential");
  v1::Credential smtp;
  smtp.mutable_smtp()->set_url("mail.example.com:25");
  EXPECT_EQ(DetailsOf(Create(smtp)).field, "smtp.url");
  v1::Credential twilio = Twilio();
  twilio.mutable_twilio()->set_from_number("5550001111");
  EXPECT_EQ(DetailsOf(Create(twilio)).field, "twilio.from_number");
  v1::Credential fcm;
  fcm.mutable_fcm()->set_project_id("acme-app");
  fcm.mutable_fcm()->set_service_account_json("{\"type\": \"service_account\"}");
  EXPECT_EQ(DetailsOf(Create(fcm)).field, "fcm.service_account_json");
  v1::Credential userinfo;
  userinfo.mutable_smtp()->set_url("smtp://bob:hunter2@mail.example.com:587");
  EXPECT_EQ(DetailsOf(Create(userinfo)).field, "smtp.url");
  v1::Credential sendgrid;
  sendgrid.mutable_sendgrid();
  EXPECT_EQ(DetailsOf(Create(sendgrid)).field, "sendgrid.api_key");
}

TEST_F(CredentialsServiceTest, OnePerProviderAndEachCompanyItsOwn) {
  ASSERT_TRUE(Create(Twilio()).ok());
  grpc::Status again = Create(Twilio());
  EXPECT_EQ(again.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(DetailsOf(again).reason, "CREDENTIAL_EXISTS");
  v1::Credential globex;
  ASSERT_TRUE(Create(Twilio(), &globex, kGlobexAdmin).ok()) << "another company may have its own";
  v1::GetCredentialRequest get;
  get.set_id(globex.id());
  v1::GetCredentialResponse got;
  EXPECT_EQ(admin_->GetCredential(As(kAdmin).get(), get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::DeleteCredentialRequest del;
  del.set_id(globex.id());
  v1::DeleteCredentialResponse deleted;
  EXPECT_EQ(admin_->DeleteCredential(As(kAdmin).get(), del, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(admin_->DeleteCredential(As(kGlobexAdmin).get(), del, &deleted).ok());
}

}  // namespace
}  // namespace notify
