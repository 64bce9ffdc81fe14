#include "server/delivery/engine.h"

#include <set>
#include <utility>

namespace notify::delivery {
namespace {

std::set<notifications::v1::NotificationType> SentHere(const EngineOptions& options) {
  std::set<notifications::v1::NotificationType> out;
  for (const auto& [channel, count] : options.senders) {
    if (count > 0) out.insert(channel);
  }
  return out;
}

}  // namespace

DeliveryEngine::DeliveryEngine(EngineOptions options, DeliveryStore* store,
                               CompanyDirectory* companies, const MessagePlanner* planner,
                               Dispatcher* providers, prometheus::Registry* registry,
                               const Clock* clock, SharedRandom* random)
    : options_(std::move(options)),
      metrics_(*registry),
      queue_(options_.handoff_limit, options_.poll_interval, clock),
      events_(EventOptions{.batch = options_.event_batch,
                           .lease = options_.event_lease,
                           .max_attempts = options_.max_event_attempts,
                           .send_timeout = options_.send_timeout,
                           .poll_interval = options_.poll_interval,
                           .handed_channels = SentHere(options_)},
              store, companies, planner, &queue_, &metrics_, clock,
              random != nullptr ? random : &own_random_),
      sender_(SendOptions{.batch = options_.send_batch,
                          .lease = options_.send_lease,
                          .send_timeout = options_.send_timeout,
                          .retry = options_.retry,
                          .poll_interval = options_.poll_interval,
                          .quota_ceilings = options_.quota_ceilings},
              store, companies, providers, &queue_, &metrics_, clock,
              random != nullptr ? random : &own_random_) {}

DeliveryEngine::~DeliveryEngine() { Stop(); }

void DeliveryEngine::Start() {
  event_wakeup_.Restart();
  // Only with senders here are new deliveries handed over in memory.
  if (!SentHere(options_).empty()) queue_.Open();
  for (int i = 0; i < options_.event_workers; ++i) {
    threads_.emplace_back([this] { events_.Run(event_wakeup_); });
  }
  for (const auto& [channel, count] : options_.senders) {
    for (int i = 0; i < count; ++i) {
      threads_.emplace_back([this, channel = channel] { sender_.Run(channel); });
    }
  }
}

void DeliveryEngine::Stop() {
  event_wakeup_.Stop();
  // Senders stop; event workers take back what no sender started and write it pending.
  queue_.Close();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void DeliveryEngine::WakeEvents() { event_wakeup_.NotifyOne(); }

}  // namespace notify::delivery
