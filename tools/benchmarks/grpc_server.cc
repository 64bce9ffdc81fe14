// bench_grpc_server: a bare gRPC server on the same library, API (synchronous) and thread limit as
// notification-server. It serves notify.bench.Echo/Echo (the baseline of the server's cheapest
// call) and notifications.v1.WebhookService/ReceiveEvent answering OK at once (the stub behind the
// gateway). Logs a JSON "listening" line with its address on stderr; stops on SIGTERM or SIGINT.
#include <memory>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "bench/echo.grpc.pb.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "notifications/v1/webhook_service.grpc.pb.h"
#include "server/common/log.h"
#include "server/common/runtime.h"
#include "server/common/signals.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "Where to listen, HOST:PORT; port 0 picks one.");
ABSL_FLAG(int, max_threads, 64,
          "Most threads serving calls (notification-server's --max-threads).");

namespace notify::bench {
namespace {

class EchoService final : public Echo::Service {
  grpc::Status Echo(grpc::ServerContext*, const EchoMessage* request,
                    EchoMessage* response) override {
    *response = *request;
    return grpc::Status::OK;
  }
};

class WebhookStub final : public notifications::v1::WebhookService::Service {
  grpc::Status ReceiveEvent(grpc::ServerContext*, const notifications::v1::ReceiveEventRequest*,
                            notifications::v1::ReceiveEventResponse* response) override {
    response->set_id("00000000-0000-0000-0000-000000000000");
    return grpc::Status::OK;
  }
  grpc::Status ReceiveEvents(grpc::ServerContext*,
                             const notifications::v1::ReceiveEventsRequest* request,
                             notifications::v1::ReceiveEventsResponse* response) override {
    for (int i = 0; i < request->events_size(); ++i) {
      response->add_results()->mutable_stored()->set_id("00000000-0000-0000-0000-000000000000");
    }
    return grpc::Status::OK;
  }
};

int Main() {
  TuneProcess();
  BlockTerminationSignals();
  log::SetService("bench_grpc_server");
  EchoService echo;
  WebhookStub webhook;
  const std::string listen = absl::GetFlag(FLAGS_listen);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  grpc::ResourceQuota quota("bench_grpc_server");
  ConfigureSyncServer(builder, quota, absl::GetFlag(FLAGS_max_threads));
  builder.RegisterService(&echo);
  builder.RegisterService(&webhook);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    log::Error("cannot listen", {{"listen", listen}});
    return 1;
  }
  log::Info("listening",
            {{"address", absl::StrCat(listen.substr(0, listen.rfind(':')), ":", port)}});
  while (!WaitForTerminationSignal(absl::Hours(24)).has_value()) {
  }
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  server->Wait();
  return 0;
}

}  // namespace
}  // namespace notify::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return notify::bench::Main();
}
