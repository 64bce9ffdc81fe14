#include "server/common/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace notify {
namespace {

constexpr int64_t kMaxRetryAfterSeconds = 24 * 3600;

// Idle easy handles, shared by the whole process. A handle keeps its connections (and DNS and TLS
// session caches) across curl_easy_reset, so a call that picks one up reuses a connection an
// earlier call left open. A pool rather than a handle per thread: the callers run on threads they
// do not own (gRPC's server threads, the delivery workers), of which there may be many more than
// calls in flight; a handle per thread would hold a connection per thread, and a thread that
// calls seldom would find its connection closed by the peer. The pool holds as many handles as
// calls ever ran at once, and any thread gets the most recently used one. Never freed: threads may
// still be calling while the process exits.
class HandlePool {
 public:
  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CURL* curl = idle_.back();
        idle_.pop_back();
        return curl;
      }
    }
    return curl_easy_init();
  }

  // Back with every option at its default (so no pointer into the finished call is left behind);
  // the connections stay.
  void Release(CURL* curl) {
    curl_easy_reset(curl);
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(curl);
  }

 private:
  std::mutex mu_;
  std::vector<CURL*> idle_ ABSL_GUARDED_BY(mu_);
};

HandlePool& Pool() {
  static HandlePool* const pool = new HandlePool();
  return *pool;
}

struct CurlSlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, CurlSlistFree>;

// What the callbacks fill in.
struct Sink {
  size_t max_body;
  HttpReply* reply;
};

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  auto* sink = static_cast<Sink*>(out);
  std::string& body = sink->reply->body;
  body.append(data, std::min(size * count, sink->max_body - std::min(sink->max_body, body.size())));
  return size * count;  // All of it taken: stopping early would fail the call.
}

size_t ReadHeader(char* data, size_t size, size_t count, void* out) {
  auto& headers = static_cast<Sink*>(out)->reply->headers;
  const absl::string_view line(data, size * count);
  if (absl::StartsWith(line, "HTTP/")) {
    headers.clear();  // A new answer begins (after a 100 Continue, say): only the last one counts.
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    headers[absl::AsciiStrToLower(line.substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return size * count;
}

// The failures that a moment later may not happen again; the platform client retries these.
bool Retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

// curl takes milliseconds, and reads 0 as "the default" (300 s to connect, no limit at all).
long Milliseconds(absl::Duration duration) {
  return std::max(1L, static_cast<long>(absl::ToInt64Milliseconds(duration)));
}

HeaderList Headers(const HttpCall& call) {
  curl_slist* list = nullptr;
  for (const std::string& header : call.headers) list = curl_slist_append(list, header.c_str());
  list = curl_slist_append(list, "Expect:");  // No 100-continue round trip before a large body.
  return HeaderList(list);
}

void SetOptions(CURL* curl, const HttpCall& call, curl_slist* headers, Sink* sink, char* error) {
  curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (call.method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  if (call.method == "POST" || !call.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!call.basic_user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(curl, CURLOPT_USERNAME, call.basic_user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, call.basic_password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "rehive-notifications/" NOTIFY_VERSION);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // Timeouts without SIGALRM: we are threaded.
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   Milliseconds(std::min(call.connect_timeout, call.timeout)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, Milliseconds(call.timeout));
  if (!call.verify_tls) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, sink);
}

}  // namespace

void InitCurlOnce() {
  // Not thread-safe in libcurl before 7.84, hence once, and from one place for the whole process.
  static const bool initialized = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)initialized;
}

HttpReply PerformHttp(const HttpCall& call) {
  InitCurlOnce();
  HttpReply reply;
  CURL* curl = Pool().Acquire();
  if (curl == nullptr) {
    reply.error = reply.error_class = "could not create a curl handle";
    return reply;
  }
  const HeaderList headers = Headers(call);
  Sink sink{call.max_body, &reply};
  char error[CURL_ERROR_SIZE] = {0};
  SetOptions(curl, call, headers.get(), &sink, error);
  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    reply.status = static_cast<int>(status);
  }
  Pool().Release(curl);
  if (reply.status == 0) {
    reply.error_class = curl_easy_strerror(code);
    reply.error = error[0] != '\0' ? std::string(error) : reply.error_class;
    reply.retryable = Retryable(code);
    reply.body.clear();
    reply.headers.clear();
  }
  return reply;
}

std::string UrlEscape(absl::string_view text) {
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now) {
  int64_t seconds = 0;
  if (absl::SimpleAtoi(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    // A longer wait is a provider's mistake, not a plan.
    return absl::Seconds(std::min(seconds, kMaxRetryAfterSeconds));
  }
  // curl_getdate reads the HTTP-date forms (RFC 1123, RFC 850, asctime); -1 for anything else.
  const time_t when = curl_getdate(std::string(value).c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return std::max(absl::ZeroDuration(), absl::FromTimeT(when) - now);
}

}  // namespace notify
