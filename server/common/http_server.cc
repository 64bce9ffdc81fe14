#include "server/common/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/common/metrics.h"

namespace notify {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// State shared by the server and its sessions. It does not own the io_context, so that sessions
// kept alive by handlers never keep it alive.
struct HttpServer::Core {
  HttpServer::Options options;
  HttpHandler handler;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;

  std::mutex mu;
  std::condition_variable changed;
  // Requests read whose response is not yet written (or dropped).
  int active ABSL_GUARDED_BY(mu) = 0;
  // Responders alive; each holds its session.
  int pending ABSL_GUARDED_BY(mu) = 0;
  // Finish what is in flight, take nothing new, keep no connection alive.
  bool stopping ABSL_GUARDED_BY(mu) = false;
  // The io_context no longer runs: responses are dropped.
  bool stopped ABSL_GUARDED_BY(mu) = false;

  void Done(int& counter) {
    {
      std::lock_guard<std::mutex> lock(mu);
      --counter;
    }
    changed.notify_all();
  }
};

namespace {

HttpResponse PlainError(unsigned status, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.body = absl::StrCat(R"({"status":"error","message":")", message, R"("})");
  return response;
}

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Core> core)
      : stream_(std::move(socket)), core_(std::move(core)) {}

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // Queues `response` for writing on this session's strand, unless the server stopped.
  void Post(HttpResponse response) {
    std::lock_guard<std::mutex> lock(core_->mu);
    if (core_->stopped) {
      --core_->active;
      core_->changed.notify_all();
      return;
    }
    net::post(stream_.get_executor(),
              [self = shared_from_this(), response = std::move(response)]() mutable {
                self->Write(std::move(response), /*counted=*/true);
              });
  }

  const std::shared_ptr<HttpServer::Core>& core() const { return core_; }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(core_->options.body_limit);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(absl::ToChronoMilliseconds(core_->options.idle_timeout));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t /*bytes*/);

  void Write(HttpResponse response, bool counted) {
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    message->set(http::field::server, "notification-gateway");
    if (!response.content_type.empty()) {
      message->set(http::field::content_type, response.content_type);
    }
    for (const auto& [name, value] : response.headers) message->set(name, value);
    message->body() = std::move(response.body);
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      stopping = core_->stopping;
    }
    message->keep_alive(keep_alive_ && !stopping);
    message->prepare_payload();
    // A HEAD answer says how long the body would be, and sends none.
    if (head_) message->body().clear();
    const bool close = message->need_eof();
    stream_.expires_after(absl::ToChronoMilliseconds(core_->options.idle_timeout));
    http::async_write(
        stream_, *message,
        [self = shared_from_this(), message, close, counted](beast::error_code ec, size_t) {
          if (counted) self->core_->Done(self->core_->active);
          if (ec || close) {
            self->Close();
          } else {
            self->Read();
          }
        });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::Core> core_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest request_;
  unsigned version_ = 11;
  bool head_ = false;
  bool keep_alive_ = true;
};

// Holds a session until its handler answers; answers 500 if the handler drops it unanswered.
class ResponderState {
 public:
  explicit ResponderState(std::shared_ptr<Session> session) : session_(std::move(session)) {}
  ResponderState(const ResponderState&) = delete;
  ResponderState& operator=(const ResponderState&) = delete;

  ~ResponderState() {
    std::shared_ptr<HttpServer::Core> core = session_->core();  // Outlives the session's reset.
    if (!answered_.exchange(true)) {
      log::Error("a route dropped a request without answering it");
      session_->Post(PlainError(500, "Internal error."));
    }
    session_.reset();
    core->Done(core->pending);
  }

  void Send(HttpResponse response) {
    if (answered_.exchange(true)) return;
    session_->Post(std::move(response));
  }

 private:
  std::shared_ptr<Session> session_;
  std::atomic<bool> answered_{false};
};

void Session::OnRead(beast::error_code ec, size_t /*bytes*/) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout) {
    Close();
    return;
  }
  version_ = 11;
  keep_alive_ = false;
  head_ = false;
  if (ec == http::error::body_limit) {
    Write(PlainError(413, absl::StrCat("The request body is larger than ",
                                       core_->options.body_limit, " bytes.")),
          /*counted=*/false);
    return;
  }
  if (ec) {
    if (IsHttpParseError(ec)) {
      Write(PlainError(400, "Malformed HTTP request."), /*counted=*/false);
    } else {
      Close();
    }
    return;
  }
  request_ = parser_->release();
  version_ = request_.version();
  keep_alive_ = request_.keep_alive();
  head_ = request_.method() == http::verb::head;
  stream_.expires_never();
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    ++core_->active;
    ++core_->pending;
  }
  auto state = std::make_shared<ResponderState>(shared_from_this());
  core_->handler(request_, [state](HttpResponse response) { state->Send(std::move(response)); });
}

void Accept(const std::shared_ptr<HttpServer::Core>& core, net::io_context& ioc) {
  core->acceptor->async_accept(
      net::make_strand(ioc), [core, &ioc](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !core->acceptor->is_open()) return;
        if (ec) {
          log::Warn("accept failed", {{"error", ec.message()}});
        } else {
          beast::error_code ignored;
          socket.set_option(tcp::no_delay(true), ignored);
          std::make_shared<Session>(std::move(socket), core)->Start();
        }
        Accept(core, ioc);
      });
}

}  // namespace

HttpResponse MetricsPage(const prometheus::Registry& registry) {
  HttpResponse response;
  response.content_type = "text/plain; version=0.0.4";
  response.body = metrics::Render(registry);
  return response;
}

HttpServer::HttpServer(Options options, HttpHandler handler)
    : core_(std::make_shared<Core>()), ioc_(std::make_unique<net::io_context>(options.threads)) {
  core_->options = std::move(options);
  core_->handler = std::move(handler);
}

HttpServer::~HttpServer() {
  if (!threads_.empty()) Shutdown(absl::ZeroDuration());
  // Handlers still holding a HttpResponder hold a session whose socket belongs to ioc_: wait for
  // them.
  std::unique_lock<std::mutex> lock(core_->mu);
  core_->changed.wait(lock, [this] { return core_->pending == 0; });
}

absl::Status HttpServer::Start() {
  const std::string& listen = core_->options.listen;
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot listen on \"", listen, "\": not HOST:PORT"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);

  beast::error_code ec;
  tcp::resolver resolver(*ioc_);
  auto endpoints = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot listen on ", listen, ": ", ec.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  core_->acceptor.emplace(*ioc_);
  core_->acceptor->open(endpoint.protocol(), ec);
  if (!ec) core_->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) core_->acceptor->bind(endpoint, ec);
  if (!ec) core_->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    core_->acceptor.reset();
    return absl::InvalidArgumentError(
        absl::StrCat("cannot listen on ", listen, ": ", ec.message()));
  }
  const std::string bound_host = listen.substr(0, colon);
  address_ = absl::StrCat(bound_host, ":", core_->acceptor->local_endpoint().port());

  core_->work.emplace(ioc_->get_executor());
  Accept(core_, *ioc_);
  for (int i = 0; i < core_->options.threads; ++i) {
    threads_.emplace_back([this] { ioc_->run(); });
  }
  return absl::OkStatus();
}

void HttpServer::Shutdown(absl::Duration timeout) {
  if (threads_.empty()) return;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->stopping = true;
  }
  net::post(*ioc_, [core = core_] {
    beast::error_code ignored;
    if (core->acceptor) core->acceptor->close(ignored);
  });
  {
    std::unique_lock<std::mutex> lock(core_->mu);
    core_->changed.wait_until(lock, absl::ToChronoTime(absl::Now() + timeout),
                              [this] { return core_->active == 0; });
    core_->stopped = true;
  }
  core_->work.reset();
  ioc_->stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  // The acceptor belongs to ioc_, which the Core outlives: close and drop it now, with no thread
  // left to race (the posted close may never have run if the stop came first).
  beast::error_code ignored;
  if (core_->acceptor) core_->acceptor->close(ignored);
  core_->acceptor.reset();
}

}  // namespace notify
