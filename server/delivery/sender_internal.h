// What the channel senders share: address parsing, the POST every HTTP sender makes (over the
// server's HTTP client), and the classification of HTTP answers into the retry policy's outcomes.
// Internal to server/delivery.
#ifndef NOTIFY_SERVER_DELIVERY_SENDER_INTERNAL_H_
#define NOTIFY_SERVER_DELIVERY_SENDER_INTERNAL_H_

#include <sys/socket.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/common/http_client.h"
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

// Whether an IPv4 or IPv6 address (text, or the socket address curl is about to connect to) is
// one on the public internet: not loopback, private (RFC 1918, fc00::/7), link-local (169.254/16
// with the cloud metadata service, fe80::/10), carrier-grade NAT (100.64/10), unspecified,
// multicast, reserved or documentation ranges, nor an IPv4-mapped form of those.
bool IsPublicAddress(absl::string_view ip);
bool IsPublicAddress(const struct sockaddr* address);

// `text` on one line: control characters (CR and LF included) become spaces, ends trimmed.
std::string OneLine(absl::string_view text);

// A POST to a provider with the options' timeouts and TLS checking, its body kept to 1 MiB (only
// error messages and ids are read from it). Headers: `headers` ("Name: value" lines), then
// Content-Type: `content_type` and Accept: application/json.
HttpCall ProviderPost(const SenderOptions& options, std::string url, absl::string_view content_type,
                      std::string body, std::vector<std::string> headers = {});

// The classification all HTTP senders share: 2xx sent; no answer, 408, 429 and 5xx temporary
// (with Retry-After for 429/503); anything else permanent. `provider_message` (the provider's own
// words, may be empty) goes into the detail, which never contains any of `secrets`.
SendResult ClassifyHttp(absl::string_view provider, const HttpReply& reply,
                        absl::string_view provider_message,
                        const std::vector<absl::string_view>& secrets);

// `text` cut to at most `max_bytes` without splitting a UTF-8 sequence, every non-empty secret
// replaced by "[redacted]" first.
std::string SafeDetail(absl::string_view text, const std::vector<absl::string_view>& secrets,
                       size_t max_bytes = 500);

}  // namespace internal

}  // namespace notify::delivery

#endif  // NOTIFY_SERVER_DELIVERY_SENDER_INTERNAL_H_
