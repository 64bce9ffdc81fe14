// Prints the names of the caller's company's notifications, one a line.
//   notify_client_example --target HOST:PORT --token TOKEN
// Exit codes: 0 success, 1 an error from the server (printed with its reason), 2 usage errors.
#include <iostream>
#include <string>

#include "notify_client/client.h"

int main(int argc, char** argv) {
  std::string target;
  std::string token;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--target") target = argv[i + 1];
    if (flag == "--token") token = argv[i + 1];
  }
  if (target.empty() || token.empty()) {
    std::cerr << "usage: example --target HOST:PORT --token TOKEN\n";
    return 2;
  }
  notify_client::Client client({.target = target, .token = token});
  absl::StatusOr<std::vector<notifications::v1::Notification>> all = client.AllNotifications({});
  if (!all.ok()) {
    std::cerr << "error: " << absl::StatusCodeToString(all.status().code()) << ": "
              << all.status().message();
    const std::string reason = notify_client::DetailsOf(all.status()).reason;
    if (!reason.empty()) std::cerr << " (" << reason << ")";
    std::cerr << "\n";
    return 1;
  }
  for (const auto& notification : *all) std::cout << notification.name() << "\n";
  return 0;
}
