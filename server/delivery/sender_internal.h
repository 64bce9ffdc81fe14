// What the channel senders share: address parsing, one HTTP POST over libcurl, and the
// classification of HTTP answers into the retry policy's outcomes. Internal to server/delivery.
#ifndef NOTIFY_SERVER_DELIVERY_SENDER_INTERNAL_H_
#define NOTIFY_SERVER_DELIVERY_SENDER_INTERNAL_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/delivery/senders.h"

namespace notify::delivery {

namespace internal {

// "Name <addr>" or "addr", split. nullopt if `text` holds a control character (CR, LF...) or addr
// is not one plain addr-spec: ASCII, exactly one "@" with text on both sides, no whitespace,
// quoting or brackets.
struct MailAddress {
  std::string name;  // The display name, unquoted; may be empty.
  std::string address;
};
std::optional<MailAddress> ParseMailAddress(absl::string_view text);

// `text` on one line: control characters (CR and LF included) become spaces, ends trimmed.
std::string OneLine(absl::string_view text);

struct HttpAnswer {
  int status = 0;     // 0 when nothing answered; `error` then says why.
  std::string error;  // The transport error (curl's words), when status is 0.
  std::string body;
  std::map<std::string, std::string> headers;  // Names in lower case.
};

struct HttpPost {
  std::string url;
  std::string content_type;
  std::string body;
  std::vector<std::string> headers;  // "Name: value" lines.
  std::string basic_user;            // HTTP basic auth when not empty.
  std::string basic_password;
};

// Performs `post` with the options' timeouts. Thread-safe.
HttpAnswer Perform(const SenderOptions& options, const HttpPost& post);

// The classification all HTTP senders share: 2xx sent; no answer, 408, 429 and 5xx temporary
// (with Retry-After for 429/503); anything else permanent. `provider_message` (the provider's own
// words, may be empty) goes into the detail, which never contains any of `secrets`.
SendResult ClassifyHttp(absl::string_view provider, const HttpAnswer& answer,
                        absl::string_view provider_message,
                        const std::vector<absl::string_view>& secrets);

// `text` cut to at most `max_bytes` without splitting a UTF-8 sequence, every non-empty secret
// replaced by "[redacted]" first.
std::string SafeDetail(absl::string_view text, const std::vector<absl::string_view>& secrets,
                       size_t max_bytes = 500);

}  // namespace internal

}  // namespace notify::delivery

#endif  // NOTIFY_SERVER_DELIVERY_SENDER_INTERNAL_H_
