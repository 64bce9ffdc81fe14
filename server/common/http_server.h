// An asynchronous HTTP/1.1 server on Boost.Beast: a few threads serve many keep-alive connections,
// and a handler may answer later from any thread (for example from a gRPC callback).
#ifndef NOTIFY_SERVER_COMMON_HTTP_SERVER_H_
#define NOTIFY_SERVER_COMMON_HTTP_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <prometheus/registry.h>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace notify {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct HttpResponse {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// Sends the response. Call it once, from any thread; calls after the first are ignored. If every
// copy of it is destroyed without a call, the client gets a 500.
using HttpResponder = std::function<void(HttpResponse)>;

// Handles one request. Runs on a server thread: it must not block; slow work answers through the
// HttpResponder later.
using HttpHandler = std::function<void(const HttpRequest&, HttpResponder)>;

// The answer to GET /metrics in both programs: `registry` in Prometheus's text format.
HttpResponse MetricsPage(const prometheus::Registry& registry);

class HttpServer {
 public:
  struct Options {
    std::string listen = "127.0.0.1:0";  // HOST:PORT; port 0 picks a free one.
    int threads = 2;
    size_t body_limit = 1024 * 1024;  // Larger bodies get 413 and the connection is closed.
    // Most time to wait for and receive a request; an idle keep-alive connection is then closed.
    absl::Duration idle_timeout = absl::Seconds(60);
  };

  HttpServer(Options options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the threads. InvalidArgument if the address is malformed or cannot be bound.
  absl::Status Start();

  // The bound HOST:PORT.
  const std::string& address() const { return address_; }

  // Stops accepting, lets requests in flight finish for up to `timeout`, then stops. Idle
  // keep-alive connections are closed. Responses that arrive later are dropped. The destructor then
  // waits until no handler holds a HttpResponder any more, so handlers must answer or drop theirs
  // in bounded time.
  void Shutdown(absl::Duration timeout);

  struct Core;

 private:
  std::shared_ptr<Core> core_;
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::vector<std::thread> threads_;
  std::string address_;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_HTTP_SERVER_H_
