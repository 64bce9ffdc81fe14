// bench_http_server: a bare HTTP server on the gateway's own library (notify_http) that answers
// every request at once with the same small JSON. It is the baseline of the gateway and, since the
// default answer is Twilio's (201 {"sid": ...}), the no-op SMS provider of the drain measurement.
// Logs a JSON "listening" line with its address on stderr; stops on SIGTERM or SIGINT.
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "server/common/http_server.h"
#include "server/common/log.h"
#include "server/common/runtime.h"
#include "server/common/signals.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "Where to listen, HOST:PORT; port 0 picks one.");
ABSL_FLAG(int, threads, 2, "Threads serving HTTP (the gateway's --threads).");
ABSL_FLAG(int, status, 201, "Status of every answer.");
ABSL_FLAG(std::string, body, R"({"sid":"SMbench"})", "Body of every answer (JSON).");

namespace notify::bench {
namespace {

int Main() {
  TuneProcess();
  BlockTerminationSignals();
  log::SetService("bench_http_server");
  std::atomic<int64_t> requests = 0;
  const unsigned status = static_cast<unsigned>(absl::GetFlag(FLAGS_status));
  const std::string body = absl::GetFlag(FLAGS_body);
  HttpServer server(
      {.listen = absl::GetFlag(FLAGS_listen), .threads = absl::GetFlag(FLAGS_threads)},
      [&](const HttpRequest&, HttpResponder respond) {
        requests.fetch_add(1, std::memory_order_relaxed);
        HttpResponse response;
        response.status = status;
        response.body = body;
        respond(std::move(response));
      });
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start", {{"error", std::string(s.message())}});
    return 1;
  }
  log::Info("listening", {{"address", server.address()}});
  while (!WaitForTerminationSignal(absl::Hours(24)).has_value()) {
  }
  server.Shutdown(absl::Seconds(1));
  log::Info("stopped", {{"requests", requests.load()}});
  return 0;
}

}  // namespace
}  // namespace notify::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return notify::bench::Main();
}
