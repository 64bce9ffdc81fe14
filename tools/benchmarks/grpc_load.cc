// bench_grpc_load: drives one unary gRPC method with a fixed number of calls in flight (closed
// loop) and prints one JSON line: {"qps", "p50_ms", "p99_ms", "calls", "errors", "first_error"}.
//
// Requests go out as raw bytes through grpc::GenericStub, so one client drives any unary method.
// Each channel has its own TCP connection, completion queue and thread. Calls that finish during
// the warm-up are not counted; errors are counted over the whole run.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "nlohmann/json.hpp"
#include "tools/benchmarks/stats.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "gRPC target, HOST:PORT.");
ABSL_FLAG(std::string, method, "/notifications.v1.AdminService/GetCompany",
          "Full name of the unary method: /package.Service/Method.");
ABSL_FLAG(std::string, request_hex, "",
          "The serialized request message in hex; empty sends an empty message.");
ABSL_FLAG(std::vector<std::string>, metadata, {},
          "Metadata of every call: comma-separated KEY=VALUE pairs.");
ABSL_FLAG(int, channels, 2, "Channels, each with its own connection and thread.");
ABSL_FLAG(int, in_flight, 16, "Calls in flight on each channel.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Time before measuring starts.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Time measured.");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(5), "Deadline of each call.");

namespace notify::bench {
namespace {

struct Options {
  std::string method;
  grpc::ByteBuffer request;
  std::vector<std::pair<std::string, std::string>> metadata;
  int in_flight = 1;
  absl::Duration deadline;
  int64_t measure_from_ns = 0;  // Calls that finish in [from, until) are measured.
  int64_t measure_until_ns = 0;
};

// One call's state; it is its own completion-queue tag.
struct Call {
  grpc::ClientContext context;
  grpc::ByteBuffer response;
  grpc::Status status;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  int64_t started_ns = 0;
};

// One channel and the thread that keeps its calls in flight.
class Worker {
 public:
  Worker(std::shared_ptr<grpc::Channel> channel, const Options* options)
      : stub_(std::move(channel)), options_(options) {}

  void Run() {
    int outstanding = 0;
    for (int i = 0; i < options_->in_flight; ++i, ++outstanding) StartCall();
    void* tag = nullptr;
    bool ok = false;
    while (outstanding > 0 && cq_.Next(&tag, &ok)) {
      --outstanding;
      std::unique_ptr<Call> call(static_cast<Call*>(tag));
      const int64_t now = NowNs();
      if (!ok || !call->status.ok()) {
        ++errors_;
        if (first_error_.empty()) {
          first_error_ =
              absl::StrCat(call->status.error_code(), ": ", call->status.error_message());
        }
      } else if (now >= options_->measure_from_ns && now < options_->measure_until_ns) {
        latencies_.Add(now - call->started_ns);
      }
      if (now < options_->measure_until_ns) {
        StartCall();
        ++outstanding;
      }
    }
    cq_.Shutdown();
    while (cq_.Next(&tag, &ok)) delete static_cast<Call*>(tag);
  }

  Latencies& latencies() { return latencies_; }
  int64_t errors() const { return errors_; }
  const std::string& first_error() const { return first_error_; }

 private:
  void StartCall() {
    auto* call = new Call;
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + options_->deadline));
    for (const auto& [key, value] : options_->metadata) call->context.AddMetadata(key, value);
    call->started_ns = NowNs();
    call->reader =
        stub_.PrepareUnaryCall(&call->context, options_->method, options_->request, &cq_);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
  }

  grpc::GenericStub stub_;
  grpc::CompletionQueue cq_;
  const Options* options_;
  Latencies latencies_;
  int64_t errors_ = 0;
  std::string first_error_;
};

int Main() {
  Options options;
  options.method = absl::GetFlag(FLAGS_method);
  std::string request;
  if (!absl::GetFlag(FLAGS_request_hex).empty()) {
    request = absl::HexStringToBytes(absl::GetFlag(FLAGS_request_hex));
  }
  grpc::Slice slice(request);
  options.request = grpc::ByteBuffer(&slice, 1);
  for (const std::string& pair : absl::GetFlag(FLAGS_metadata)) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    options.metadata.push_back(std::move(kv));
  }
  options.in_flight = std::max(1, absl::GetFlag(FLAGS_in_flight));
  options.deadline = absl::GetFlag(FLAGS_deadline);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  options.measure_from_ns = NowNs() + absl::ToInt64Nanoseconds(absl::GetFlag(FLAGS_warmup));
  options.measure_until_ns = options.measure_from_ns + absl::ToInt64Nanoseconds(duration);

  const int channels = std::max(1, absl::GetFlag(FLAGS_channels));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    // Without a channel-local pool, equal channels would share one connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    workers.push_back(std::make_unique<Worker>(
        grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(),
                                  args),
        &options));
  }
  std::vector<std::thread> threads;
  for (auto& worker : workers) threads.emplace_back([&worker] { worker->Run(); });
  for (std::thread& thread : threads) thread.join();

  Latencies all;
  int64_t errors = 0;
  std::string first_error;
  for (auto& worker : workers) {
    all.Merge(worker->latencies());
    errors += worker->errors();
    if (first_error.empty()) first_error = worker->first_error();
  }
  const nlohmann::json result = {
      {"qps", static_cast<double>(all.count()) / absl::ToDoubleSeconds(duration)},
      {"p50_ms", all.PercentileMs(50)},
      {"p99_ms", all.PercentileMs(99)},
      {"calls", all.count()},
      {"errors", errors},
      {"first_error", first_error},
  };
  std::printf("%s\n", result.dump().c_str());
  return 0;
}

}  // namespace
}  // namespace notify::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return notify::bench::Main();
}
