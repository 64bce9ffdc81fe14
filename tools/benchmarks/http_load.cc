// bench_http_load: an HTTP/1.1 load client over keep-alive connections, one request in flight on
// each, on one epoll thread. Prints one JSON line: {"rps", "p50_ms", "p99_ms", "requests",
// "errors", "status", "first_error", "unsent", ...}.
//
// Modes:
//   closed loop (default): every connection sends its next request as soon as an answer arrives;
//   open loop (--rate=R): requests are scheduled every 1/R s and go out on the next idle
//     connection; latency counts from the scheduled time, so a server that falls behind shows it
//     (no coordinated omission). Requests still waiting at the end are reported as "unsent";
//   fixed count (--requests=N): exactly N requests, closed loop, no warm-up (preloading data).
// Every "{seq}" in --body becomes a number unique within the run. Answers other than 2xx, and
// connections closed under a request, are errors. Responses must carry Content-Length.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tools/benchmarks/stats.h"

ABSL_FLAG(std::string, url, "http://127.0.0.1:8080/", "http://HOST:PORT/PATH to send requests to.");
ABSL_FLAG(std::string, method, "POST", "HTTP method.");
ABSL_FLAG(std::string, body, "", "Request body; every {seq} in it becomes a unique number.");
ABSL_FLAG(std::string, content_type, "application/json", "Content-Type of the body.");
ABSL_FLAG(std::string, authorization, "", "Authorization header, if any.");
ABSL_FLAG(int, connections, 16, "Keep-alive connections (requests in flight, at most).");
ABSL_FLAG(double, rate, 0, "Requests a second, scheduled (open loop); 0: closed loop.");
ABSL_FLAG(int64_t, requests, 0, "Send exactly this many requests (closed loop, no warm-up).");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Time before measuring starts.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Time measured.");
ABSL_FLAG(absl::Duration, grace, absl::Seconds(10),
          "How long requests in flight at the end may take before they count as errors.");

namespace notify::bench {
namespace {

struct Target {
  std::string host;
  int port = 80;
  std::string path;
};

bool ParseUrl(absl::string_view url, Target* target) {
  if (!absl::ConsumePrefix(&url, "http://")) return false;
  const size_t slash = url.find('/');
  const absl::string_view authority = url.substr(0, slash);
  target->path = slash == absl::string_view::npos ? "/" : std::string(url.substr(slash));
  const size_t colon = authority.rfind(':');
  if (colon == absl::string_view::npos) {
    target->host = std::string(authority);
    return !target->host.empty();
  }
  target->host = std::string(authority.substr(0, colon));
  return !target->host.empty() && absl::SimpleAtoi(authority.substr(colon + 1), &target->port);
}

struct Connection {
  int fd = -1;
  bool connected = false;
  bool busy = false;      // A request is out (or waiting for the connection to open).
  int64_t origin_ns = 0;  // When the request was sent, or scheduled (open loop).
  std::string out;
  size_t out_offset = 0;
  std::string in;
};

// What a parsed response says; `size` is 0 while it is incomplete.
struct Response {
  size_t size = 0;
  int status = 0;
  bool close = false;
  std::string error;
};

Response ParseResponse(absl::string_view in) {
  Response response;
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == absl::string_view::npos) return response;
  std::vector<absl::string_view> lines = absl::StrSplit(in.substr(0, head_end), "\r\n");
  std::vector<absl::string_view> status_line = absl::StrSplit(lines[0], ' ');
  if (status_line.size() < 2 || !absl::SimpleAtoi(status_line[1], &response.status)) {
    response.error = "malformed status line";
    response.size = in.size();
    return response;
  }
  size_t content_length = 0;
  bool has_length = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) continue;
    const absl::string_view name = lines[i].substr(0, colon);
    const absl::string_view value = absl::StripAsciiWhitespace(lines[i].substr(colon + 1));
    if (absl::EqualsIgnoreCase(name, "content-length")) {
      has_length = absl::SimpleAtoi(value, &content_length);
    } else if (absl::EqualsIgnoreCase(name, "connection")) {
      response.close = absl::EqualsIgnoreCase(value, "close");
    } else if (absl::EqualsIgnoreCase(name, "transfer-encoding")) {
      response.error = "chunked responses are not supported";
    }
  }
  if (!has_length && response.error.empty()) response.error = "no Content-Length";
  if (!response.error.empty()) {
    response.size = in.size();
    response.close = true;
    return response;
  }
  const size_t total = head_end + 4 + content_length;
  if (in.size() >= total) response.size = total;
  return response;
}

class LoadClient {
 public:
  LoadClient(Target target, std::string method) : target_(std::move(target)) {
    request_head_ = absl::StrCat(method, " ", target_.path, " HTTP/1.1\r\nHost: ", target_.host,
                                 ":", target_.port, "\r\n");
    if (!absl::GetFlag(FLAGS_body).empty() || method == "POST" || method == "PUT") {
      absl::StrAppend(&request_head_, "Content-Type: ", absl::GetFlag(FLAGS_content_type), "\r\n");
    }
    if (!absl::GetFlag(FLAGS_authorization).empty()) {
      absl::StrAppend(&request_head_, "Authorization: ", absl::GetFlag(FLAGS_authorization),
                      "\r\n");
    }
    body_parts_ = absl::StrSplit(absl::GetFlag(FLAGS_body), "{seq}");
  }

  // Runs the whole measurement; false if it could not start.
  bool Run() {
    if (!Resolve()) return false;
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = nullptr;  // The timer.
    epoll_ctl(epoll_, EPOLL_CTL_ADD, timer_, &event);

    rate_ = absl::GetFlag(FLAGS_rate);
    fixed_count_ = absl::GetFlag(FLAGS_requests);
    start_ns_ = NowNs();
    if (fixed_count_ > 0) {
      measure_from_ns_ = start_ns_;
      measure_until_ns_ = INT64_MAX;
    } else {
      measure_from_ns_ = start_ns_ + absl::ToInt64Nanoseconds(absl::GetFlag(FLAGS_warmup));
      measure_until_ns_ =
          measure_from_ns_ + absl::ToInt64Nanoseconds(absl::GetFlag(FLAGS_duration));
    }
    const int64_t grace_ns = absl::ToInt64Nanoseconds(absl::GetFlag(FLAGS_grace));
    next_scheduled_ns_ = start_ns_;

    const int n = std::max(1, absl::GetFlag(FLAGS_connections));
    connections_.resize(n);
    for (auto& c : connections_) {
      c = std::make_unique<Connection>();
      if (!Open(*c)) return false;
    }

    std::vector<epoll_event> events(n + 1);
    while (true) {
      const int64_t now = NowNs();
      if (Finished(now)) break;
      // Whatever is still out after the grace period counts as lost.
      if (fixed_count_ == 0 && now >= measure_until_ns_ + grace_ns) break;
      if (rate_ > 0) Schedule(now);
      Dispatch();
      int count = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
      if (count < 0 && errno != EINTR) {
        Error(absl::StrCat("epoll_wait: ", strerror(errno)));
        break;
      }
      for (int i = 0; i < count; ++i) {
        if (events[i].data.ptr == nullptr) {
          uint64_t expirations;
          while (read(timer_, &expirations, sizeof(expirations)) > 0) {
          }
          continue;
        }
        Handle(*static_cast<Connection*>(events[i].data.ptr), events[i].events);
      }
      if (open_connections_ == 0) {
        Error("every connection failed");
        break;
      }
    }
    end_ns_ = NowNs();
    for (auto& c : connections_) {
      if (c->busy) Error("no answer before the end of the run");
      if (c->fd >= 0) close(c->fd);
    }
    return true;
  }

  void Print() {
    double seconds = absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration));
    if (fixed_count_ > 0) seconds = static_cast<double>(end_ns_ - start_ns_) / 1e9;
    nlohmann::json status = nlohmann::json::object();
    for (const auto& [code, count] : status_counts_) status[std::to_string(code)] = count;
    const nlohmann::json result = {
        {"rps", static_cast<double>(latencies_.count()) / seconds},
        {"p50_ms", latencies_.PercentileMs(50)},
        {"p99_ms", latencies_.PercentileMs(99)},
        {"requests", latencies_.count()},
        {"errors", errors_},
        {"status", status},
        {"first_error", first_error_},
        {"unsent", backlog_.size()},
        {"target_rate", rate_},
        {"seconds", seconds},
    };
    std::printf("%s\n", result.dump().c_str());
  }

 private:
  bool Resolve() {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* result = nullptr;
    const std::string port = std::to_string(target_.port);
    if (getaddrinfo(target_.host.c_str(), port.c_str(), &hints, &result) != 0 ||
        result == nullptr) {
      std::fprintf(stderr, "cannot resolve %s\n", target_.host.c_str());
      return false;
    }
    std::memcpy(&address_, result->ai_addr, sizeof(address_));
    freeaddrinfo(result);
    return true;
  }

  bool Open(Connection& c) {
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return false;
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c.fd, reinterpret_cast<const sockaddr*>(&address_), sizeof(address_)) != 0 &&
        errno != EINPROGRESS) {
      Error(absl::StrCat("connect: ", strerror(errno)));
      close(c.fd);
      c.fd = -1;
      return false;
    }
    c.connected = false;
    c.in.clear();
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT;
    event.data.ptr = &c;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &event);
    ++open_connections_;
    return true;
  }

  void Close(Connection& c) {
    if (c.fd < 0) return;
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    --open_connections_;
  }

  bool Finished(int64_t now) const {
    if (fixed_count_ > 0) return completed_ == fixed_count_;
    if (now < measure_until_ns_) return false;
    for (const auto& c : connections_) {
      if (c->busy) return false;
    }
    return true;
  }

  // Open loop: moves every request whose time has come into the backlog, arms the timer for the
  // next one.
  void Schedule(int64_t now) {
    const double interval_ns = 1e9 / rate_;
    while (next_scheduled_ns_ <= now && next_scheduled_ns_ < measure_until_ns_) {
      backlog_.push_back(next_scheduled_ns_);
      ++scheduled_;
      next_scheduled_ns_ =
          start_ns_ + static_cast<int64_t>(static_cast<double>(scheduled_) * interval_ns);
    }
    if (next_scheduled_ns_ < measure_until_ns_) {
      itimerspec spec{};
      spec.it_value.tv_sec = next_scheduled_ns_ / 1000000000;
      spec.it_value.tv_nsec = next_scheduled_ns_ % 1000000000;
      timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr);
    }
  }

  // Gives idle connections work: the backlog's (open loop) or a new request (closed loop).
  void Dispatch() {
    const int64_t now = NowNs();
    for (auto& c : connections_) {
      if (c->fd < 0 || c->busy) continue;
      if (rate_ > 0) {
        if (backlog_.empty() || now >= measure_until_ns_) return;
        Send(*c, backlog_.front());
        backlog_.pop_front();
      } else if (fixed_count_ > 0) {
        if (issued_ == fixed_count_) return;
        Send(*c, now);
      } else if (now < measure_until_ns_) {
        Send(*c, now);
      }
    }
  }

  void Send(Connection& c, int64_t origin_ns) {
    const std::string seq = std::to_string(seq_++);
    std::string body;
    for (size_t i = 0; i < body_parts_.size(); ++i) {
      if (i > 0) body += seq;
      body += body_parts_[i];
    }
    c.out = absl::StrCat(request_head_, "Content-Length: ", body.size(), "\r\n\r\n", body);
    c.out_offset = 0;
    c.busy = true;
    c.origin_ns = origin_ns;
    ++issued_;
    if (c.connected) Flush(c);
  }

  void Flush(Connection& c) {
    while (c.out_offset < c.out.size()) {
      const ssize_t n =
          send(c.fd, c.out.data() + c.out_offset, c.out.size() - c.out_offset, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN) break;
        Fail(c, absl::StrCat("send: ", strerror(errno)));
        return;
      }
      c.out_offset += static_cast<size_t>(n);
    }
    epoll_event event{};
    event.events = EPOLLIN | (c.out_offset < c.out.size() ? uint32_t{EPOLLOUT} : 0u);
    event.data.ptr = &c;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &event);
  }

  void Handle(Connection& c, uint32_t events) {
    if (c.fd < 0) return;
    if (!c.connected) {
      int error = 0;
      socklen_t length = sizeof(error);
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        Fail(c, absl::StrCat("connect: ", strerror(error)), /*reconnect=*/false);
        return;
      }
      if ((events & (EPOLLOUT | EPOLLIN)) == 0) return;
      c.connected = true;
      if (c.busy) {
        Flush(c);
      } else {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.ptr = &c;
        epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &event);
      }
      return;
    }
    if ((events & EPOLLOUT) != 0 && c.busy) Flush(c);
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0 || c.fd < 0) return;
    char buffer[16384];
    while (true) {
      const ssize_t n = recv(c.fd, buffer, sizeof(buffer), 0);
      if (n > 0) {
        c.in.append(buffer, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EAGAIN) break;
      // Closed by the server, or broken.
      Fail(c, n == 0 ? "connection closed by the server" : strerror(errno));
      return;
    }
    const Response response = ParseResponse(c.in);
    if (response.size == 0) return;
    if (!c.busy) {
      Fail(c, "an answer without a request");
      return;
    }
    c.in.erase(0, response.size);
    c.busy = false;
    ++completed_;
    Record(c.origin_ns, response.status, response.error);
    if (response.close) {
      Close(c);
      Open(c);
    }
  }

  void Record(int64_t origin_ns, int status, const std::string& error) {
    const int64_t now = NowNs();
    ++status_counts_[status];
    if (!error.empty() || status < 200 || status > 299) {
      Error(error.empty() ? absl::StrCat("HTTP ", status) : error);
      return;
    }
    if (now >= measure_from_ns_ && now < measure_until_ns_) latencies_.Add(now - origin_ns);
  }

  // A broken connection: its request (if any) is an error; it is opened again unless connecting
  // failed, so that a server that is down ends the run instead of spinning.
  void Fail(Connection& c, const std::string& error, bool reconnect = true) {
    if (c.busy) ++completed_;
    Error(error);
    c.busy = false;
    Close(c);
    if (reconnect) Open(c);
  }

  void Error(const std::string& error) {
    ++errors_;
    if (first_error_.empty()) first_error_ = error;
  }

  Target target_;
  std::string request_head_;
  std::vector<std::string> body_parts_;
  sockaddr_in address_{};
  int epoll_ = -1;
  int timer_ = -1;
  std::vector<std::unique_ptr<Connection>> connections_;
  int open_connections_ = 0;

  double rate_ = 0;
  int64_t fixed_count_ = 0;
  int64_t start_ns_ = 0;
  int64_t end_ns_ = 0;
  int64_t measure_from_ns_ = 0;
  int64_t measure_until_ns_ = 0;
  int64_t next_scheduled_ns_ = 0;
  int64_t scheduled_ = 0;
  std::deque<int64_t> backlog_;  // Scheduled times of requests not sent yet.

  int64_t seq_ = 0;
  int64_t issued_ = 0;
  int64_t completed_ = 0;
  int64_t errors_ = 0;
  std::string first_error_;
  std::map<int, int64_t> status_counts_;
  Latencies latencies_;
};

int Main() {
  Target target;
  if (!ParseUrl(absl::GetFlag(FLAGS_url), &target)) {
    std::fprintf(stderr, "--url must be http://HOST:PORT/PATH\n");
    return 2;
  }
  LoadClient client(target, absl::GetFlag(FLAGS_method));
  if (!client.Run()) return 1;
  client.Print();
  return 0;
}

}  // namespace
}  // namespace notify::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return notify::bench::Main();
}
