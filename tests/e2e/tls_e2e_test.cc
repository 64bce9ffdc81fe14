// notification-server over TLS and mutual TLS, and the gateway reaching it so: with --tls-cert the
// gRPC port speaks TLS only; with --tls-client-ca every caller must show a certificate that CA
// signed. Certificates come from tests/support/make_certs.py.
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "gtest/gtest.h"
#include "tests/support/free_port.h"
#include "tests/support/http_client.h"
#include "tests/support/server_options.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_database.h"

namespace notify {
namespace {

using ::notify::testing::Subprocess;
using ::notify::testing::TestDatabase;

class TlsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "notify-tls-" + std::to_string(getpid()));
    std::filesystem::remove_all(*dir_);
    auto made = Subprocess::Start(
        "/usr/bin/python3", {.args = {NOTIFY_SOURCE_DIR "/tests/support/make_certs.py", *dir_}});
    ASSERT_TRUE(made.ok()) << made.status();
    ASSERT_EQ((*made)->Wait(absl::Seconds(30)), 0) << (*made)->Output();
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  static std::string Path(const std::string& file) { return *dir_ + "/" + file; }
  static std::string Pem(const std::string& file) {
    std::ifstream in(Path(file));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // The server with TLS (and mutual TLS when `mutual`); its address, or "" when it did not start.
  std::string StartServer(bool mutual) {
    std::vector<std::string> args = {"--tls-cert=" + Path("server.pem"),
                                     "--tls-key=" + Path("server.key")};
    if (mutual) args.push_back("--tls-client-ca=" + Path("ca.pem"));
    auto server =
        Subprocess::Start(NOTIFY_SERVER_BIN, ::notify::testing::ServerOptions(db_.url(), args));
    if (!server.ok()) {
      ADD_FAILURE() << server.status();
      return "";
    }
    server_ = std::move(*server);
    std::optional<nlohmann::json> listening = server_->WaitForLog("listening", absl::Seconds(30));
    if (!listening.has_value()) {
      ADD_FAILURE() << "the server did not start:\n" << server_->Output();
      return "";
    }
    EXPECT_EQ(listening->at("tls"), mutual ? "mutual" : "on");
    return listening->at("address").get<std::string>();
  }

  // A health check over `credentials`: its status code.
  static grpc::StatusCode Check(const std::string& address,
                                std::shared_ptr<grpc::ChannelCredentials> credentials) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    auto health = grpc::health::v1::Health::NewStub(
        grpc::CreateCustomChannel(address, std::move(credentials), args));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::health::v1::HealthCheckResponse response;
    return health->Check(&context, {}, &response).error_code();
  }

  static std::shared_ptr<grpc::ChannelCredentials> Tls(const std::string& client = "") {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = Pem("ca.pem");
    if (!client.empty()) {
      options.pem_cert_chain = Pem(client + ".pem");
      options.pem_private_key = Pem(client + ".key");
    }
    return grpc::SslCredentials(options);
  }

  // The gateway in front of `address`, with `tls_args`; GET /readyz's status.
  int GatewayReadiness(const std::string& address, std::vector<std::string> tls_args) {
    const std::string listen = "127.0.0.1:" + std::to_string(::notify::testing::FreePort());
    std::vector<std::string> args = {"--listen=" + listen, "--server=" + address,
                                     "--call-timeout=2s"};
    args.insert(args.end(), tls_args.begin(), tls_args.end());
    auto gateway = Subprocess::Start(NOTIFY_GATEWAY_BIN, {.args = args});
    if (!gateway.ok() || !(*gateway)->WaitForLog("listening", absl::Seconds(30)).has_value()) {
      ADD_FAILURE() << "the gateway did not start";
      return 0;
    }
    ::notify::testing::HttpClient client;
    return client.Get("http://" + listen + "/readyz").status;
  }

  static std::string* dir_;
  TestDatabase db_;
  std::unique_ptr<Subprocess> server_;
};

std::string* TlsE2eTest::dir_ = nullptr;

TEST_F(TlsE2eTest, WithACertificateTheServerSpeaksTlsOnly) {
  const std::string address = StartServer(/*mutual=*/false);
  ASSERT_FALSE(address.empty());
  EXPECT_EQ(Check(address, Tls()), grpc::StatusCode::OK);
  EXPECT_NE(Check(address, grpc::InsecureChannelCredentials()), grpc::StatusCode::OK)
      << "no plaintext on a TLS port";
  EXPECT_EQ(GatewayReadiness(address,
                             {"--server-tls-ca=" + Path("ca.pem"), "--server-tls-name=localhost"}),
            200);
  EXPECT_EQ(GatewayReadiness(address, {}), 503) << "a plaintext gateway cannot reach it";
}

TEST_F(TlsE2eTest, WithAClientCaOnlyCallersItCertifiedGetIn) {
  const std::string address = StartServer(/*mutual=*/true);
  ASSERT_FALSE(address.empty());
  EXPECT_EQ(Check(address, Tls("client")), grpc::StatusCode::OK);
  EXPECT_NE(Check(address, Tls()), grpc::StatusCode::OK) << "no client certificate";
  EXPECT_NE(Check(address, Tls("stranger")), grpc::StatusCode::OK) << "another CA's";
  EXPECT_EQ(
      GatewayReadiness(
          address, {"--server-tls-ca=" + Path("ca.pem"), "--server-tls-cert=" + Path("client.pem"),
                    "--server-tls-key=" + Path("client.key"), "--server-tls-name=localhost"}),
      200);
  EXPECT_EQ(GatewayReadiness(address,
                             {"--server-tls-ca=" + Path("ca.pem"), "--server-tls-name=localhost"}),
            503)
      << "the gateway without its certificate is refused";
}

TEST_F(TlsE2eTest, AKeyThatIsNotTheCertificatesStopsTheStartSayingSo) {
  auto server = Subprocess::Start(
      NOTIFY_SERVER_BIN,
      ::notify::testing::ServerOptions(
          db_.url(), {"--tls-cert=" + Path("server.pem"), "--tls-key=" + Path("client.key")}));
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->Wait(absl::Seconds(30)), 1);
  EXPECT_NE((*server)->Output().find("--tls-cert, --tls-key or --tls-client-ca is not valid PEM"),
            std::string::npos)
      << (*server)->Output();
}

}  // namespace
}  // namespace notify
