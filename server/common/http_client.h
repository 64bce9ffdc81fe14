// The one HTTP client the server has: a call over libcurl, for the platform client and every
// provider's sender, and the helpers their requests and answers need (URL escaping, Retry-After).
// No libcurl types here: callers see only what they send and what came back.
#ifndef NOTIFY_SERVER_COMMON_HTTP_CLIENT_H_
#define NOTIFY_SERVER_COMMON_HTTP_CLIENT_H_

#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace notify {

// One request. Every call also sends User-Agent: rehive-notifications/<version>, suppresses
// Expect: 100-continue, and is refused for any scheme but http and https.
struct HttpCall {
  // "POST" sends `body` (even empty) as the request's content; any other method is sent as is,
  // with `body` only when it is not empty.
  std::string method = "POST";
  std::string url;
  std::vector<std::string> headers;  // "Name: value" lines, sent in this order.
  std::string body;
  std::string basic_user;  // HTTP basic auth when not empty.
  std::string basic_password;
  // Both at least 1 ms; the connection's is at most `timeout`, which bounds the whole call.
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration timeout = absl::Seconds(30);
  bool verify_tls = true;  // Check the peer's certificate and name.
  // Bytes of the answer's body kept; the rest is read and dropped.
  size_t max_body = std::numeric_limits<size_t>::max();
};

// What came back: an HTTP status, or (status 0) why nothing did.
struct HttpReply {
  int status = 0;
  // When status is 0. `error` is curl's own account, which may name the host and port;
  // `error_class` curl's generic name for that kind of failure ("Timeout was reached"), which
  // names nothing; `retryable` whether the same call may do better a moment later (no address,
  // refused, timed out, dropped, TLS handshake failed), as opposed to a malformed URL, say.
  std::string error;
  std::string error_class;
  bool retryable = false;
  std::string body;                            // Empty when status is 0.
  std::map<std::string, std::string> headers;  // The final answer's; names in lower case.
};

// Performs `call` on a pooled connection (kept alive for the next call to the same host).
// Thread-safe; blocks for at most about `call.timeout`.
HttpReply PerformHttp(const HttpCall& call);

// curl_global_init, once per process. PerformHttp calls it; other users of libcurl (SMTP) call it
// before their first handle so that the process initializes libcurl exactly once.
void InitCurlOnce();

// `text` percent-encoded for a URL path segment, query value or form field: every byte but ASCII
// letters, digits and - . _ ~ becomes %XX (upper-case hex).
std::string UrlEscape(absl::string_view text);

// The wait a Retry-After header value asks for: delta-seconds (at most 24 hours) or an HTTP-date
// (its distance from `now`, zero when past). nullopt for anything else, negative numbers included.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now);

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_HTTP_CLIENT_H_
