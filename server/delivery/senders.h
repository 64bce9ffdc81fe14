// The channel senders: one provider call each (SMTP, SendGrid, Twilio, FCM), with the outcome
// classified for the retry policy. No database, no gRPC: the delivery workers decide what to send
// and record what happened.
#ifndef NOTIFY_SERVER_DELIVERY_SENDERS_H_
#define NOTIFY_SERVER_DELIVERY_SENDERS_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace notify::delivery {

struct EmailMessage {
  std::string from;       // "a@example.com" or "Name <a@example.com>".
  std::string to;         // One address.
  std::string subject;    // UTF-8.
  std::string text;       // text/plain part; may be empty.
  std::string html;       // text/html part; may be empty.
  std::string reference;  // The delivery's id: in the Message-ID and as the providers' custom id.
};

struct SmsMessage {
  std::string to;    // E.164.
  std::string body;  // UTF-8.
  std::string reference;
};

struct PushMessage {
  std::string device_token;
  std::string title;  // May be empty.
  std::string body;
  std::map<std::string, std::string> data;  // FCM's string-valued data payload.
  std::string reference;
};

enum class SendOutcome {
  kSent,          // The provider accepted it.
  kTemporary,     // Worth retrying: no answer, a timeout, a connection error, 429, 5xx, SMTP 4xx.
  kPermanent,     // Retrying will not help: other 4xx, SMTP 5xx, a bad address or configuration.
  kUnregistered,  // Push only: the provider says the device token is no longer valid.
};

struct SendResult {
  SendOutcome outcome = SendOutcome::kTemporary;
  int provider_status = 0;  // HTTP status, or the last SMTP reply code; 0 when nothing answered.
  // Short (at most 500 bytes), for the admin's log: what happened, never a secret, a token, a
  // password or an Authorization header.
  std::string detail;
  std::string provider_id;                    // The provider's message id, when it gave one.
  std::optional<absl::Duration> retry_after;  // From a 429/503 Retry-After.
};

struct SmtpSettings {
  std::string url;  // See ParseSmtpUrl.
  std::string username;
  std::string password;
  // Connect only to public addresses (a company's own server): loopback, private, link-local
  // (cloud metadata), carrier-grade NAT, multicast and unspecified ones are refused, whatever the
  // name resolves to at the moment of connecting.
  bool public_hosts_only = false;
};

// How mail reaches an SMTP server, read from its URL: smtps://host:port is TLS from the start;
// smtp://host:port upgrades with STARTTLS, which it requires when there are credentials (so that
// no one in between reads the password) and uses when offered otherwise;
// smtp+plaintext://host:port is a relay without TLS, named so on purpose: STARTTLS is never
// tried and credentials go in clear. nullopt for any other URL, or one holding a user or password.
struct SmtpTransport {
  enum class Tls { kImplicit, kStartTls, kNone };
  std::string url;  // As libcurl takes it: smtp:// or smtps://.
  Tls tls = Tls::kStartTls;
};
std::optional<SmtpTransport> ParseSmtpUrl(absl::string_view url);
// What ParseSmtpUrl accepts, for error messages.
inline constexpr absl::string_view kSmtpUrlForms =
    "smtp://host:port (STARTTLS), smtps://host:port (TLS) or smtp+plaintext://host:port (a relay "
    "without TLS), with no user or password in it";

struct SendGridSettings {
  std::string url;  // Base, e.g. https://api.sendgrid.com; POST {url}/v3/mail/send.
  std::string api_key;
  std::string from_email;  // The sender when a message names none; may be empty.
};

struct TwilioSettings {
  std::string url;  // Base, e.g. https://api.twilio.com.
  std::string account_sid;
  std::string auth_token;
  std::string from;  // E.164 number or a messaging service SID (MG...).
};

struct FcmSettings {
  std::string url;         // Base, e.g. https://fcm.googleapis.com.
  std::string token_url;   // OAuth2 token endpoint (the service account's token_uri is ignored).
  std::string project_id;  // Empty: the service account's project_id.
  std::string service_account_json;  // Google's service account key file, as JSON text.
};

struct SenderOptions {
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration timeout = absl::Seconds(30);  // The whole call.
  // Verify TLS peers (always on in production; tests use plain http/smtp peers).
  bool verify_tls = true;
};

// Each class is thread-safe: one instance serves all workers of its channel.
class SmtpMailer {
 public:
  explicit SmtpMailer(SenderOptions options);
  SendResult Send(const SmtpSettings& settings, const EmailMessage& message) const;

 private:
  SenderOptions options_;
};

class SendGridMailer {
 public:
  explicit SendGridMailer(SenderOptions options);
  SendResult Send(const SendGridSettings& settings, const EmailMessage& message) const;

 private:
  SenderOptions options_;
};

class TwilioSmsSender {
 public:
  explicit TwilioSmsSender(SenderOptions options);
  SendResult Send(const TwilioSettings& settings, const SmsMessage& message) const;

 private:
  SenderOptions options_;
};

// Signs a JWT (RS256) with the service account's key, exchanges it for an access token at the token
// URL, and caches that token until shortly before it expires (per service account and token URL).
class FcmPushSender {
 public:
  explicit FcmPushSender(SenderOptions options);
  ~FcmPushSender();
  SendResult Send(const FcmSettings& settings, const PushMessage& message) const;

 private:
  struct TokenCache;
  SenderOptions options_;
  std::unique_ptr<TokenCache> tokens_;
};

// The RFC 5322 message SmtpMailer sends: Date, From, To, Subject (RFC 2047 encoded when not ASCII),
// Message-ID, MIME-Version, and multipart/alternative text + html (one part when one is empty),
// bodies UTF-8 in quoted-printable or base64, CRLF line ends.
std::string BuildMimeMessage(const EmailMessage& message, absl::Time date);

// Helpers the senders share; not part of the API (tests may use them).

}  // namespace notify::delivery

#endif  // NOTIFY_SERVER_DELIVERY_SENDERS_H_
