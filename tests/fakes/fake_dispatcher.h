// A Dispatcher that answers as a test says and remembers what it was given.
#ifndef NOTIFY_TESTS_FAKES_FAKE_DISPATCHER_H_
#define NOTIFY_TESTS_FAKES_FAKE_DISPATCHER_H_

#include <deque>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "server/delivery/channels.h"

namespace notify::testing {

class FakeDispatcher final : public delivery::Dispatcher {
 public:
  // The next answers, in order; once they run out, every send is sent.
  void Answer(delivery::SendResult result) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_.push_back(std::move(result));
  }
  std::vector<DeliveryJob> sent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }

  delivery::SendResult Send(const DeliveryJob& job) override {
    std::lock_guard<std::mutex> lock(mu_);
    sent_.push_back(job);
    if (answers_.empty()) {
      delivery::SendResult sent;
      sent.outcome = delivery::SendOutcome::kSent;
      sent.provider_status = 202;
      return sent;
    }
    delivery::SendResult next = answers_.front();
    answers_.pop_front();
    return next;
  }

 private:
  mutable std::mutex mu_;
  std::deque<delivery::SendResult> answers_ ABSL_GUARDED_BY(mu_);
  std::vector<DeliveryJob> sent_ ABSL_GUARDED_BY(mu_);
};

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_FAKES_FAKE_DISPATCHER_H_
