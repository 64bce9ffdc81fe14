// Runs one of the project's binaries as a child process for end-to-end tests, capturing its output.
#ifndef NOTIFY_TESTS_SUPPORT_SUBPROCESS_H_
#define NOTIFY_TESTS_SUPPORT_SUBPROCESS_H_

#include <sys/types.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace notify::testing {

class Subprocess {
 public:
  struct Options {
    std::vector<std::string> args;
    // Set (or, with nullopt, removed) on top of this process's environment.
    std::vector<std::pair<std::string, std::optional<std::string>>> env;
  };

  // Starts `path` with stdout and stderr captured line by line.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(const std::string& path,
                                                           Options options);

  // Kills the child (SIGKILL) if it still runs.
  ~Subprocess();

  // Waits for an output line that is a JSON object whose "msg" is `msg`; returns it, or nullopt at
  // the deadline or when the child exits first.
  std::optional<nlohmann::json> WaitForLog(const std::string& msg, absl::Duration timeout,
                                           int occurrence = 1);

  // Every line so far, joined with newlines, for failure messages.
  std::string Output() const;

  void Signal(int signal);

  // Waits for the child to exit; its exit code, or 128 + signal when a signal ended it; nullopt at
  // the deadline.
  std::optional<int> Wait(absl::Duration timeout);

  pid_t pid() const { return pid_; }

 private:
  Subprocess() = default;
  void ReadLoop(int fd);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::thread reader_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  bool eof_ = false;
};

// Waits for `condition` to hold, checking every 20 ms; false at the deadline.
bool PollUntil(const std::function<bool()>& condition, absl::Duration timeout);

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_SUPPORT_SUBPROCESS_H_
