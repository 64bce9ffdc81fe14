// tools/provider-sim and tools/smtp-sink as test peers: the messaging providers' HTTP APIs (Twilio,
// SendGrid, Google OAuth2 + FCM) and a real SMTP server, on ports the OS picks.
#ifndef NOTIFY_TESTS_SUPPORT_PROVIDER_SIM_H_
#define NOTIFY_TESTS_SUPPORT_PROVIDER_SIM_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/support/http_client.h"
#include "tests/support/subprocess.h"

namespace notify::testing {

// The simulator's default credentials.
inline constexpr char kSimTwilioAccountSid[] = "ACtest0000000000000000000000000000";
inline constexpr char kSimTwilioAuthToken[] = "twilio-test-token-0123456789abcdef";
inline constexpr char kSimSendGridKey[] = "SG.test-key-0123456789";
// The project_id of accounts made by MakeFcmAccount.
inline constexpr char kSimFcmProjectId[] = "notify-test";

// A Google service account made by `provider-sim --make-fcm-account DIR`.
struct FcmAccount {
  std::string service_account_path;  // DIR/service-account.json (with the private key)
  std::string public_key_path;       // DIR/public.pem
  std::string client_email;
  // "--fcm-account=EMAIL=PUBLIC_KEY_PATH", for ProviderSim::Start's extra_args.
  std::string SimArg() const { return "--fcm-account=" + client_email + "=" + public_key_path; }
};

// Makes a fresh service account in `dir` (created if missing); fails the test and returns nullopt
// when that does not work.
std::optional<FcmAccount> CreateFcmAccount(const std::string& dir);

// Like CreateFcmAccount; the path of DIR/service-account.json, or "" on failure.
std::string MakeFcmAccount(const std::string& dir);

class ProviderSim {
 public:
  // Starts the simulator (with extra command-line arguments, e.g. FcmAccount::SimArg()); fails the
  // test (and returns nullptr) when it does not come up.
  static std::unique_ptr<ProviderSim> Start(const std::vector<std::string>& extra_args = {});

  // http://127.0.0.1:PORT. Twilio's base URL is url(), SendGrid's url() + "/v3", the token URI
  // url() + "/token", FCM's url() + "/v1".
  const std::string& url() const { return url_; }

  // A control call (path under /_sim/, e.g. "faults"); the parsed answer, or null (and a test
  // failure) when it failed.
  nlohmann::json Control(const std::string& method, const std::string& path,
                         const nlohmann::json& body = nullptr);

  // The requests recorded for `provider` (twilio, sendgrid, token, fcm, noop, other; all when
  // empty), oldest first. Authorization headers read "<redacted>". Empty (and a test failure) when
  // the simulator could not be asked.
  std::vector<nlohmann::json> Requests(const std::string& provider = "");

  // Adds a fault rule: {"provider" or "path", "status", "count"?, "delay_ms"?, "retry_after"?,
  // "body"?}. Status 0: delay only; -1: close the connection without an answer.
  void Fault(const nlohmann::json& fault);

  // Forgets requests and faults, settings back to defaults (accounts stay).
  void Reset();

  // Registers a service account (its public key) through the control API.
  bool AddFcmAccount(const FcmAccount& account);

  Subprocess& process() { return *process_; }

 private:
  std::unique_ptr<Subprocess> process_;
  std::string url_;
  std::mutex mu_;  // Guards client_: tests may ask from several threads.
  HttpClient client_;
};

class SmtpSink {
 public:
  struct Mail {
    std::string mail_from;
    std::vector<std::string> rcpt_tos;
    std::string raw;   // The message exactly as received (CRLF line ends).
    std::string file;  // Path of the .eml file.
  };

  // Starts the sink storing into `maildir` (created if missing), with extra command-line arguments
  // (e.g. "--auth=USER:PASS"); fails the test (and returns nullptr) when it does not come up.
  static std::unique_ptr<SmtpSink> Start(const std::string& maildir,
                                         const std::vector<std::string>& extra_args = {});

  // 127.0.0.1:PORT
  const std::string& address() const { return address_; }
  // smtp://127.0.0.1:PORT
  std::string url() const { return "smtp://" + address_; }
  const std::string& maildir() const { return maildir_; }

  // Every message stored so far, in the order received.
  std::vector<Mail> Messages() const;

  // Waits until at least `n` messages are stored; false at the deadline.
  bool WaitForMessages(size_t n, absl::Duration timeout) const;

  Subprocess& process() { return *process_; }

 private:
  std::unique_ptr<Subprocess> process_;
  std::string address_;
  std::string maildir_;
};

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_SUPPORT_PROVIDER_SIM_H_
