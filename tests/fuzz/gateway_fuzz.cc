// Fuzzes the gateway's request handling from the bytes on the wire: an HTTP request (as Beast
// parses it) goes through the routes, CORS, the REST face's transcoding and the webhook batcher to
// a gRPC server in the same process, and back. Every request is answered once, in time; an answer
// with a JSON type is JSON; the gateway fails (500) only when the server did.
//
// Input: the first byte picks how the server answers every call (0: OK with an empty message, else
// the gRPC status code byte % 17); the rest is the request.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <utility>

#include "gateway/routes.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "nlohmann/json.hpp"
#include "notifications/v1/webhook_service.pb.h"
#include "prometheus/registry.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using notify::fuzz::Require;

std::atomic<int> answer_code{0};

// Answers every method as a well-behaved server could: a batch of webhooks with one stored result
// per event, anything else with an empty message (which every response type reads as its
// defaults); or fails with the status the input picked.
class Reactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit Reactor(std::string method) : method_(std::move(method)) { StartRead(&request_); }
  void OnReadDone(bool ok) override {
    const int code = answer_code.load();
    if (!ok || code != 0) {
      Finish(code == 0 ? grpc::Status::OK
                       : grpc::Status(static_cast<grpc::StatusCode>(code), "the fuzzed server"));
      return;
    }
    notifications::v1::ReceiveEventsResponse batch;
    if (method_ == "/notifications.v1.WebhookService/ReceiveEvents") {
      notifications::v1::ReceiveEventsRequest request;
      if (grpc::SerializationTraits<notifications::v1::ReceiveEventsRequest>::Deserialize(&request_,
                                                                                          &request)
              .ok()) {
        for (int i = 0; i < request.events_size(); ++i) {
          batch.add_results()->mutable_stored()->set_id("0192a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        }
      }
    }
    bool own_buffer = false;
    (void)grpc::SerializationTraits<notifications::v1::ReceiveEventsResponse>::Serialize(
        batch, &response_, &own_buffer);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnDone() override { delete this; }

 private:
  const std::string method_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class AnyService final : public grpc::CallbackGenericService {
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new Reactor(context->method());
  }
};

struct World {
  World() {
    grpc::ServerBuilder builder;
    builder.RegisterCallbackGenericService(&service);
    server = builder.BuildAndStart();
    notify::gateway::Routes::Options options;
    options.call_timeout = absl::Seconds(2);
    options.cors_origins = {"https://dashboard.rehive.com"};
    routes = std::make_unique<notify::gateway::Routes>(
        server->InProcessChannel(grpc::ChannelArguments()), options, &registry);
  }
  AnyService service;
  std::unique_ptr<grpc::Server> server;
  prometheus::Registry registry;
  std::unique_ptr<notify::gateway::Routes> routes;
};

// Settles the answer once: with the response, or (every copy of the responder gone without one)
// as unanswered.
struct Answer {
  std::promise<notify::HttpResponse> promise;
  std::atomic<bool> settled{false};
  void Settle(notify::HttpResponse response) {
    if (!settled.exchange(true)) promise.set_value(std::move(response));
  }
  ~Answer() {
    notify::HttpResponse none;
    none.status = 0;
    Settle(std::move(none));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static World* const world = new World();
  answer_code = data[0] % 17;
  boost::beast::http::request_parser<boost::beast::http::string_body> parser;
  parser.eager(true);
  parser.body_limit(1 << 20);
  boost::beast::error_code error;
  parser.put(boost::asio::buffer(data + 1, size - 1), error);
  if (!error && !parser.is_done()) parser.put_eof(error);
  if (error || !parser.is_done()) return 0;
  const notify::HttpRequest request = parser.release();

  auto answer = std::make_shared<Answer>();
  std::future<notify::HttpResponse> answered = answer->promise.get_future();
  world->routes->Handle(
      request, [answer](notify::HttpResponse response) { answer->Settle(std::move(response)); });
  answer.reset();
  Require(answered.wait_for(std::chrono::seconds(10)) == std::future_status::ready,
          "every request is answered in time", absl::OkStatus());
  const notify::HttpResponse response = answered.get();
  Require(response.status != 0, "every request is answered, none dropped", absl::OkStatus());
  Require(response.status >= 200 && response.status <= 599, "the status is an HTTP status",
          absl::OkStatus());
  const int code = answer_code.load();
  Require(response.status != 500 || code == 2 || code == 13 || code == 15,
          "a 500 only when the server failed (UNKNOWN, INTERNAL, DATA_LOSS)", absl::OkStatus());
  if (response.content_type == "application/json" && !response.body.empty()) {
    Require(!nlohmann::json::parse(response.body, nullptr, false).is_discarded(),
            "a JSON answer is JSON", absl::OkStatus());
  }
  return 0;
}
