// Which provider sends a delivery, with whose credentials: the company's own (its credentials,
// when enabled) or else the server's defaults (flags). Sends through the channel senders.
#ifndef NOTIFY_SERVER_DELIVERY_CHANNELS_H_
#define NOTIFY_SERVER_DELIVERY_CHANNELS_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/common/crypto.h"
#include "server/delivery/senders.h"
#include "server/store/credential_store.h"
#include "server/store/delivery_store.h"

namespace notify::delivery {

// The server's own providers; an empty URL or key means none.
struct ChannelDefaults {
  SmtpSettings smtp;
  SendGridSettings sendgrid;  // Used for email when api_key is set (before SMTP).
  std::string email_from;
  TwilioSettings twilio;  // Used when account_sid is set.
  FcmSettings fcm;        // Used when service_account_json is set.
  // Whether companies' own SMTP servers may be at private addresses (a test or a private
  // deployment); otherwise only public ones are connected to.
  bool allow_private_provider_hosts = false;
};

// Hands a delivery to its channel's provider. Thread-safe.
class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  virtual SendResult Send(const DeliveryJob& job) = 0;
};

class Channels final : public Dispatcher {
 public:
  // `credentials` and `box` must outlive this. A company's credentials are read again after
  // `cache_ttl`.
  Channels(ChannelDefaults defaults, SenderOptions options, CredentialStore* credentials,
           const SecretBox* box, const Clock* clock, absl::Duration cache_ttl);

  // Hands the job to its channel's provider. A company whose credentials cannot be read now is a
  // temporary failure.
  SendResult Send(const DeliveryJob& job) override;

  const ChannelDefaults& defaults() const { return defaults_; }

 private:
  struct Providers {
    std::optional<SmtpSettings> smtp;
    std::optional<SendGridSettings> sendgrid;
    std::optional<TwilioSettings> twilio;
    std::optional<FcmSettings> fcm;
    absl::Time loaded;
  };

  absl::StatusOr<std::shared_ptr<const Providers>> CompanyProviders(const std::string& company);
  SendResult SendEmail(const Providers& providers, const DeliveryJob& job) const;
  SendResult SendSms(const Providers& providers, const DeliveryJob& job) const;
  SendResult SendPush(const Providers& providers, const DeliveryJob& job) const;

  ChannelDefaults defaults_;
  CredentialStore* credentials_;
  const SecretBox* box_;
  const Clock* clock_;
  absl::Duration cache_ttl_;
  SmtpMailer smtp_;
  SendGridMailer sendgrid_;
  TwilioSmsSender twilio_;
  FcmPushSender fcm_;

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Providers>> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace notify::delivery

#endif  // NOTIFY_SERVER_DELIVERY_CHANNELS_H_
