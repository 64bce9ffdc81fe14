// SMTP through libcurl: one connection per message, STARTTLS (smtp://: required with credentials,
// else when offered), implicit TLS (smtps://) or none (smtp+plaintext://), optional AUTH.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "server/common/http_client.h"
#include "server/delivery/sender_internal.h"
#include "server/delivery/senders.h"

namespace notify::delivery {
namespace {

long Milliseconds(absl::Duration duration) {
  return std::max(1L, static_cast<long>(absl::ToInt64Milliseconds(duration)));
}

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* in) {
  auto* upload = static_cast<Upload*>(in);
  const size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// The server's reply lines as curl sees them (CURLINFO_HEADER_IN), the last few kept for the
// detail and the queue id. What we send (AUTH included) is never looked at.
int WatchReplies(CURL*, curl_infotype type, char* data, size_t size, void* out) {
  if (type == CURLINFO_HEADER_IN) {
    auto* replies = static_cast<std::vector<std::string>*>(out);
    absl::string_view line = absl::StripTrailingAsciiWhitespace(absl::string_view(data, size));
    if (!line.empty()) replies->emplace_back(line.substr(0, 300));
    if (replies->size() > 16) replies->erase(replies->begin());
  }
  return 0;
}

// The last reply line with `code` (after a refusal curl still QUITs, and 221 comes last), or just
// the code.
std::string ReplyLine(const std::vector<std::string>& replies, long code) {
  const std::string prefix = std::to_string(code);
  for (auto it = replies.rbegin(); it != replies.rend(); ++it) {
    if (absl::StartsWith(*it, prefix)) return *it;
  }
  return prefix;
}

SendResult Refuse(absl::string_view detail) {
  SendResult result;
  result.outcome = SendOutcome::kPermanent;
  result.detail = internal::SafeDetail(detail, {});
  return result;
}

// "250 2.0.0 Ok: queued as 4Xy2" → "4Xy2" (Postfix and most servers say it this way).
std::string QueueId(absl::string_view reply) {
  const size_t at = reply.find("queued as ");
  if (at == absl::string_view::npos) return "";
  absl::string_view id = reply.substr(at + 10);
  id = id.substr(0, id.find(' '));
  return std::string(absl::StripSuffix(id, "."));
}

}  // namespace

namespace internal {

namespace {

bool PublicV4(std::uint32_t a) {
  struct Range {
    std::uint32_t network;
    int bits;  // 1 to 32.
  };
  static constexpr Range kNotPublic[] = {
      {0x00000000, 8},   // 0.0.0.0/8: "this network".
      {0x0A000000, 8},   // 10/8: private.
      {0x64400000, 10},  // 100.64/10: carrier-grade NAT.
      {0x7F000000, 8},   // 127/8: loopback.
      {0xA9FE0000, 16},  // 169.254/16: link-local, the cloud metadata service.
      {0xAC100000, 12},  // 172.16/12: private.
      {0xC0000000, 24},  // 192.0.0/24: protocol assignments.
      {0xC0000200, 24},  // 192.0.2/24: documentation.
      {0xC0A80000, 16},  // 192.168/16: private.
      {0xC6120000, 15},  // 198.18/15: benchmarking.
      {0xC6336400, 24},  // 198.51.100/24: documentation.
      {0xCB007100, 24},  // 203.0.113/24: documentation.
      {0xE0000000, 4},   // 224/4: multicast.
      {0xF0000000, 4},   // 240/4: reserved, broadcast.
  };
  for (const Range& r : kNotPublic) {
    if ((a & (~std::uint32_t{0} << (32 - r.bits))) == r.network) return false;
  }
  return true;
}

std::uint32_t V4At(const unsigned char* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         b[3];
}

bool PublicV6(const unsigned char* b) {
  static constexpr unsigned char kZero12[12] = {};
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b};
  // ::/96 (the unspecified, loopback and IPv4-compatible addresses), IPv4-mapped and NAT64 ones:
  // what they carry decides, or nothing public.
  if (std::memcmp(b, kZero12, 12) == 0) return false;
  if (std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kNat64, 12) == 0) {
    return PublicV4(V4At(b + 12));
  }
  if ((b[0] & 0xfe) == 0xfc) return false;                  // fc00::/7, unique local.
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10, link-local.
  if (b[0] == 0xff) return false;                           // Multicast.
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // 2001:db8::/32.
  return true;
}

}  // namespace

bool IsPublicAddress(absl::string_view ip) {
  const std::string text(ip);
  unsigned char bytes[16];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return PublicV4(V4At(bytes));
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) return PublicV6(bytes);
  return false;
}

bool IsPublicAddress(const struct sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return PublicV4(ntohl(v4->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    return PublicV6(v6->sin6_addr.s6_addr);
  }
  return false;
}

}  // namespace internal

namespace {

// Decides, as curl is about to connect, whether the address is one this mail may go to.
struct SocketGuard {
  bool public_only = false;
  std::string refused;  // The address refused, as text.
};

curl_socket_t OpenSocket(void* clientp, curlsocktype, struct curl_sockaddr* address) {
  auto* guard = static_cast<SocketGuard*>(clientp);
  if (guard->public_only && !internal::IsPublicAddress(&address->addr)) {
    char text[INET6_ADDRSTRLEN] = "?";
    const void* raw = address->family == AF_INET6
                          ? static_cast<const void*>(
                                &reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr)
                          : static_cast<const void*>(
                                &reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr);
    inet_ntop(address->family, raw, text, sizeof(text));
    guard->refused = text;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

}  // namespace

std::optional<SmtpTransport> ParseSmtpUrl(absl::string_view url) {
  url = absl::StripAsciiWhitespace(url);
  if (absl::StrContains(url, "@")) return std::nullopt;
  struct Scheme {
    absl::string_view prefix;
    absl::string_view curl_prefix;
    SmtpTransport::Tls tls;
  };
  static constexpr Scheme kSchemes[] = {
      {"smtps://", "smtps://", SmtpTransport::Tls::kImplicit},
      {"smtp://", "smtp://", SmtpTransport::Tls::kStartTls},
      {"smtp+plaintext://", "smtp://", SmtpTransport::Tls::kNone},
  };
  for (const Scheme& scheme : kSchemes) {
    if (!absl::StartsWithIgnoreCase(url, scheme.prefix) || url.size() == scheme.prefix.size()) {
      continue;
    }
    return SmtpTransport{absl::StrCat(scheme.curl_prefix, url.substr(scheme.prefix.size())),
                         scheme.tls};
  }
  return std::nullopt;
}

SmtpMailer::SmtpMailer(SenderOptions options) : options_(std::move(options)) {}

SendResult SmtpMailer::Send(const SmtpSettings& settings, const EmailMessage& message) const {
  const std::optional<SmtpTransport> transport = ParseSmtpUrl(settings.url);
  if (!transport.has_value()) {
    return Refuse(absl::StrCat("the SMTP URL must be ", kSmtpUrlForms));
  }
  const std::string& url = transport->url;
  const bool credentials = !settings.username.empty();
  const std::optional<internal::MailAddress> from = internal::ParseMailAddress(message.from);
  if (!from.has_value()) return Refuse(absl::StrCat("invalid sender address: ", message.from));
  const std::optional<internal::MailAddress> to = internal::ParseMailAddress(message.to);
  if (!to.has_value()) return Refuse(absl::StrCat("invalid recipient address: ", message.to));

  InitCurlOnce();  // The process's one curl_global_init, shared with the HTTP client.
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    SendResult result;
    result.detail = "could not create a curl handle";
    return result;
  }
  const std::string content = BuildMimeMessage(message, absl::Now());
  Upload upload{&content};
  const std::string mail_from = absl::StrCat("<", from->address, ">");
  curl_slist* recipients = curl_slist_append(nullptr, absl::StrCat("<", to->address, ">").c_str());
  std::vector<std::string> replies;
  char error[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // Checked at connect time, on the address itself: a name that resolves elsewhere later (DNS
  // rebinding) cannot get past it.
  SocketGuard guard{settings.public_hosts_only, ""};
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &guard);
  // A password is never sent in clear unless the URL says the relay has no TLS.
  long use_ssl = CURLUSESSL_ALL;
  if (transport->tls == SmtpTransport::Tls::kStartTls && !credentials) use_ssl = CURLUSESSL_TRY;
  if (transport->tls == SmtpTransport::Tls::kNone) use_ssl = CURLUSESSL_NONE;
  curl_easy_setopt(curl, CURLOPT_USE_SSL, use_ssl);
  if (credentials) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, settings.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, settings.password.c_str());
  }
  if (!options_.verify_tls) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(content.size()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   Milliseconds(std::min(options_.connect_timeout, options_.timeout)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, Milliseconds(options_.timeout));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  // The debug callback only runs in verbose mode; it prints nothing itself.
  curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, &WatchReplies);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &replies);
  const CURLcode code = curl_easy_perform(curl);
  long reply = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
  curl_easy_cleanup(curl);
  curl_slist_free_all(recipients);

  const std::vector<absl::string_view> secrets = {settings.password};
  SendResult result;
  if (code == CURLE_OK) {
    const std::string line = ReplyLine(replies, reply);
    result.outcome = SendOutcome::kSent;
    result.provider_status = static_cast<int>(reply);
    result.provider_id = QueueId(line);
    result.detail = internal::SafeDetail(absl::StrCat("SMTP server accepted it: ", line), secrets);
  } else if (reply >= 400 && reply < 600) {
    // The server refused a command: 4xx is worth retrying, 5xx is not (550 no such mailbox, 535
    // bad credentials, 552 too big, ...).
    result.outcome = reply < 500 ? SendOutcome::kTemporary : SendOutcome::kPermanent;
    result.provider_status = static_cast<int>(reply);
    result.detail = internal::SafeDetail(
        absl::StrCat("SMTP server answered ", ReplyLine(replies, reply)), secrets);
  } else if (!guard.refused.empty()) {
    // Saying no more than that: what a private host would answer is not the company's to read.
    result.outcome = SendOutcome::kPermanent;
    result.detail = absl::StrCat("the SMTP host is at ", guard.refused,
                                 ", which is not a public address; a company's SMTP server must "
                                 "be reachable on the internet");
  } else if (code == CURLE_USE_SSL_FAILED) {
    // The server offers no STARTTLS: it will not start to for a retry.
    result.outcome = SendOutcome::kPermanent;
    result.detail =
        "SMTP server does not offer STARTTLS, and credentials are only sent over TLS (use "
        "smtps://, or smtp+plaintext:// for a relay without TLS)";
  } else {
    // Nothing (or nothing meaningful) answered: connection refused, timeout, TLS failure, a
    // dropped connection. A malformed URL will not get better by retrying.
    const bool bad_url = code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL;
    result.outcome = bad_url ? SendOutcome::kPermanent : SendOutcome::kTemporary;
    result.detail =
        internal::SafeDetail(absl::StrCat("SMTP server could not be used: ",
                                          error[0] != '\0' ? error : curl_easy_strerror(code)),
                             secrets);
  }
  return result;
}

}  // namespace notify::delivery
