#include "tests/support/provider_sim.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "tests/support/sim_peer.h"

namespace notify::testing {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

// The sequence number of a stored message's file name ("000012-1700000000000.eml"), or nullopt
// when `name` is not one.
std::optional<int64_t> SequenceOf(absl::string_view name) {
  if (!absl::EndsWith(name, ".eml") || absl::StartsWith(name, ".")) return std::nullopt;
  const size_t dash = name.find('-');
  int64_t sequence = 0;
  if (dash == absl::string_view::npos || !absl::SimpleAtoi(name.substr(0, dash), &sequence)) {
    return std::nullopt;
  }
  return sequence;
}

}  // namespace

std::optional<FcmAccount> CreateFcmAccount(const std::string& dir) {
  auto process = Subprocess::Start(NOTIFY_PROVIDER_SIM, {.args = {"--make-fcm-account", dir}});
  if (!process.ok()) {
    ADD_FAILURE() << process.status();
    return std::nullopt;
  }
  const std::optional<int> code = (*process)->Wait(absl::Seconds(60));
  const std::string output = (*process)->Output();
  if (code != 0) {
    ADD_FAILURE() << "provider-sim --make-fcm-account failed:\n" << output;
    return std::nullopt;
  }
  // Three lines: the service-account path, the public-key path, EMAIL=PUBLIC_KEY_PATH.
  std::vector<std::string> lines = absl::StrSplit(output, '\n', absl::SkipWhitespace());
  if (lines.size() < 3) {
    ADD_FAILURE() << "unexpected output of provider-sim --make-fcm-account:\n" << output;
    return std::nullopt;
  }
  lines.erase(lines.begin(), lines.end() - 3);
  FcmAccount account;
  account.service_account_path = lines[0];
  account.public_key_path = lines[1];
  const size_t eq = lines[2].find('=');
  if (eq == std::string::npos) {
    ADD_FAILURE() << "unexpected output of provider-sim --make-fcm-account:\n" << output;
    return std::nullopt;
  }
  account.client_email = lines[2].substr(0, eq);
  return account;
}

std::string MakeFcmAccount(const std::string& dir) {
  std::optional<FcmAccount> account = CreateFcmAccount(dir);
  return account.has_value() ? account->service_account_path : "";
}

std::unique_ptr<ProviderSim> ProviderSim::Start(const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"--listen=127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::string address;
  std::unique_ptr<Subprocess> process =
      StartListening(NOTIFY_PROVIDER_SIM, std::move(args), "the provider simulator", &address);
  if (process == nullptr) return nullptr;
  auto sim = std::unique_ptr<ProviderSim>(new ProviderSim());
  sim->process_ = std::move(process);
  sim->url_ = "http://" + address;
  return sim;
}

nlohmann::json ProviderSim::Control(const std::string& method, const std::string& path,
                                    const nlohmann::json& body) {
  std::lock_guard<std::mutex> lock(mu_);
  return SimControl(client_, url_, method, path, body);
}

std::vector<nlohmann::json> ProviderSim::Requests(const std::string& provider) {
  std::vector<nlohmann::json> out;
  nlohmann::json answer =
      Control("GET", provider.empty() ? "requests" : "requests?provider=" + provider);
  if (!answer.is_object() || !answer["requests"].is_array()) {
    ADD_FAILURE() << "GET /_sim/requests answered " << answer.dump();
    return out;
  }
  for (const auto& request : answer["requests"]) out.push_back(request);
  return out;
}

void ProviderSim::Fault(const nlohmann::json& fault) { Control("POST", "faults", fault); }

void ProviderSim::Reset() { Control("POST", "reset"); }

bool ProviderSim::AddFcmAccount(const FcmAccount& account) {
  std::string public_key;
  if (!ReadFile(account.public_key_path, &public_key)) {
    ADD_FAILURE() << "cannot read " << account.public_key_path;
    return false;
  }
  return !Control("POST", "fcm/accounts",
                  {{"client_email", account.client_email}, {"public_key_pem", public_key}})
              .is_null();
}

std::unique_ptr<SmtpSink> SmtpSink::Start(const std::string& maildir,
                                          const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"--listen=127.0.0.1:0", "--maildir=" + maildir};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::string address;
  std::unique_ptr<Subprocess> process =
      StartListening(NOTIFY_SMTP_SINK, std::move(args), "the SMTP sink", &address);
  if (process == nullptr) return nullptr;
  auto sink = std::unique_ptr<SmtpSink>(new SmtpSink());
  sink->process_ = std::move(process);
  sink->address_ = address;
  sink->maildir_ = maildir;
  return sink;
}

std::vector<SmtpSink::Mail> SmtpSink::Messages() const {
  std::vector<std::pair<int64_t, std::filesystem::path>> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(maildir_, error)) {
    const std::optional<int64_t> sequence = SequenceOf(entry.path().filename().string());
    if (sequence.has_value()) files.emplace_back(*sequence, entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Mail> out;
  for (const auto& [sequence, path] : files) {
    Mail mail;
    mail.file = path.string();
    if (!ReadFile(mail.file, &mail.raw)) continue;
    std::filesystem::path meta_path = path;
    meta_path.replace_extension(".json");
    std::string meta_text;
    // The sink writes the .json before the .eml, so it is there.
    if (ReadFile(meta_path.string(), &meta_text)) {
      nlohmann::json meta = nlohmann::json::parse(meta_text, nullptr, false);
      if (meta.is_object()) {
        mail.mail_from = meta.value("mail_from", "");
        if (meta["rcpt_tos"].is_array()) {
          for (const auto& rcpt : meta["rcpt_tos"]) {
            if (rcpt.is_string()) mail.rcpt_tos.push_back(rcpt.get<std::string>());
          }
        }
      }
    }
    out.push_back(std::move(mail));
  }
  return out;
}

bool SmtpSink::WaitForMessages(size_t n, absl::Duration timeout) const {
  return PollUntil([&] { return Messages().size() >= n; }, timeout);
}

}  // namespace notify::testing
