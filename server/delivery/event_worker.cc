#include "server/delivery/event_worker.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "server/common/crypto.h"
#include "server/common/enum_names.h"
#include "server/common/log.h"
#include "server/common/retry.h"

namespace notify::delivery {
namespace {

namespace v1 = notifications::v1;

// Longest error text kept on an event.
constexpr size_t kMaxEventError = 2000;

std::string Clip(std::string text, size_t limit) {
  if (text.size() > limit) {
    text.resize(limit);
    text += "...";
  }
  return text;
}

// The events with only those of their deliveries not in `rows`; events left with none are dropped
// unless `keep_events`.
std::vector<FinishedEvent> Without(const std::vector<FinishedEvent>& events,
                                   const std::set<const NewDelivery*>& rows, bool keep_events) {
  std::vector<FinishedEvent> out;
  for (const FinishedEvent& e : events) {
    FinishedEvent o{e.company, e.id, e.status, e.error, {}};
    for (const NewDelivery& d : e.deliveries) {
      if (rows.count(&d) == 0) o.deliveries.push_back(d);
    }
    if (keep_events || !o.deliveries.empty()) out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

EventWorker::EventWorker(EventOptions options, DeliveryStore* store, CompanyDirectory* companies,
                         const MessagePlanner* planner, HandoffQueue* queue,
                         DeliveryMetrics* metrics, const Clock* clock, SharedRandom* random)
    : options_(std::move(options)),
      store_(store),
      companies_(companies),
      planner_(planner),
      queue_(queue),
      metrics_(metrics),
      clock_(clock),
      random_(random) {}

void EventWorker::Run(Wakeup& wakeup) {
  uint64_t seen = 0;
  absl::Duration backoff = options_.poll_interval;
  while (!wakeup.stopped()) {
    absl::StatusOr<int> handled = ProcessOnce();
    if (!handled.ok()) {
      log::Warn("claiming events failed; retrying",
                {{"error", std::string(handled.status().message())},
                 {"retry_in_ms", absl::ToInt64Milliseconds(backoff)}});
      clock_->SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(10));
      continue;
    }
    backoff = options_.poll_interval;
    if (*handled >= options_.batch) continue;  // More may be waiting.
    if (!wakeup.Wait(seen, options_.poll_interval)) return;
  }
}

absl::StatusOr<int> EventWorker::ProcessOnce() {
  absl::Time lease_start = clock_->Now();  // By this clock, which read the time before the store.
  absl::StatusOr<std::vector<ClaimedEvent>> events =
      store_->ClaimEvents(options_.batch, options_.lease);
  if (!events.ok()) return events.status();
  if (events->empty()) return 0;
  // What the lease covers: the events claimed, less those postponed (and those another worker
  // took once the lease ran out).
  std::vector<ClaimedEvent> held = *events;
  std::set<std::string> held_ids;
  for (const ClaimedEvent& e : held) held_ids.insert(e.id);
  // Planning waits on the platform: once a slice of the lease is gone, the batch's lease is
  // renewed before the next event (and before the hand-off), so that slow look-ups never let
  // another worker claim the events and plan them again. A renewal that fails (the database is
  // unavailable) ends the planning: the rest is left to its lease.
  const absl::Duration renew_after =
      std::max((options_.lease - options_.send_timeout) / 4, options_.lease / 16);
  bool renewable = true;
  auto renew_if_due = [&] {
    if (!renewable || clock_->Now() - lease_start < renew_after) return;
    const absl::Time asked = clock_->Now();
    absl::StatusOr<std::vector<ClaimedEvent>> renewed = store_->RenewEvents(held, options_.lease);
    if (!renewed.ok()) {
      log::Warn("could not renew the lease of events; leaving the rest to it",
                {{"error", std::string(renewed.status().message())}});
      renewable = false;
      return;
    }
    held = *std::move(renewed);
    held_ids.clear();
    for (const ClaimedEvent& e : held) held_ids.insert(e.id);
    lease_start = asked;
  };
  BatchCache cache;
  std::vector<FinishedEvent> finished;
  std::set<std::string> again;
  for (const ClaimedEvent& event : *events) {
    renew_if_due();
    if (!renewable) break;
    if (held_ids.count(event.id) == 0) continue;  // Another worker's now.
    if (event.attempts > 1) again.insert(event.id);
    if (std::optional<FinishedEvent> done = Process(event, cache); done.has_value()) {
      finished.push_back(*std::move(done));
    } else {
      held_ids.erase(event.id);  // Postponed: no longer leased.
      held.erase(std::find_if(held.begin(), held.end(),
                              [&](const ClaimedEvent& e) { return e.id == event.id; }));
    }
  }
  renew_if_due();
  // What another worker holds by now is its to record.
  finished.erase(std::remove_if(finished.begin(), finished.end(),
                                [&](const FinishedEvent& f) { return held_ids.count(f.id) == 0; }),
                 finished.end());
  if (!finished.empty()) Record(finished, again, lease_start);
  return static_cast<int>(events->size());
}

std::optional<FinishedEvent> EventWorker::Postpone(const ClaimedEvent& event,
                                                   const absl::Status& status) {
  const std::string error = std::string(status.message());
  if (event.attempts >= options_.max_attempts) {
    return FinishedEvent{
        event.company,
        event.id,
        v1::EVENT_STATUS_FAILED,
        Clip(absl::StrCat("gave up after ", event.attempts, " attempts: ", error), kMaxEventError),
        {}};
  }
  const RetryPolicy events{.max_attempts = options_.max_attempts,
                           .base = std::max(options_.poll_interval, absl::Seconds(1)),
                           .max = absl::Minutes(10)};
  const absl::Duration delay = RetryDelay(events, event.attempts, *random_);
  log::Warn("event postponed", {{"company", event.company},
                                {"event", event.id},
                                {"attempt", event.attempts},
                                {"retry_in_ms", absl::ToInt64Milliseconds(delay)},
                                {"error", error}});
  metrics_->EventPostponed();
  if (absl::Status s = store_->PostponeEvent(event.company, event.id, error, delay); !s.ok()) {
    log::Warn("could not postpone an event",
              {{"event", event.id}, {"error", std::string(s.message())}});
  }
  return std::nullopt;
}

std::optional<FinishedEvent> EventWorker::Process(const ClaimedEvent& event, BatchCache& cache) {
  auto finish = [&](std::vector<NewDelivery> deliveries, v1::EventStatus status,
                    const std::string& error) {
    return FinishedEvent{event.company, event.id, status, Clip(error, kMaxEventError),
                         std::move(deliveries)};
  };
  auto company_it = cache.companies.find(event.company);
  if (company_it == cache.companies.end()) {
    CompanyRecord record;
    absl::StatusOr<CompanyContext> loaded = LoadCompanyContext(*companies_, event.company, &record);
    company_it =
        cache.companies
            .emplace(event.company, loaded.ok() ? absl::StatusOr<std::pair<CompanyContext, bool>>(
                                                      std::make_pair(*loaded, record.active))
                                                : loaded.status())
            .first;
  }
  if (!company_it->second.ok()) return Postpone(event, company_it->second.status());
  const auto& [company, active] = *company_it->second;
  if (!active) return finish({}, v1::EVENT_STATUS_IGNORED, "the company is not active");
  nlohmann::json data = nlohmann::json::parse(event.data_json, nullptr, false);
  if (data.is_discarded())
    return finish({}, v1::EVENT_STATUS_FAILED, "the event's data is not JSON");
  const std::pair<std::string, std::string> key(event.company, event.name);
  auto list_it = cache.notifications.find(key);
  if (list_it == cache.notifications.end()) {
    list_it =
        cache.notifications.emplace(key, planner_->EnabledNotifications(event.company, event.name))
            .first;
  }
  if (!list_it->second.ok()) return Postpone(event, list_it->second.status());
  absl::StatusOr<EventPlan> plan =
      planner_->Plan(company, event.id, event.name, data, *list_it->second);
  if (!plan.ok()) return Postpone(event, plan.status());
  return finish(std::move(plan->deliveries), v1::EVENT_STATUS_PROCESSED,
                absl::StrJoin(plan->problems, "; "));
}

void EventWorker::Record(std::vector<FinishedEvent>& finished, const std::set<std::string>& again,
                         absl::Time claimed) {
  HandoffBatch batch;
  HandOver(finished, again, batch);
  std::set<const NewDelivery*> written;
  if (!batch.empty()) {
    // The others (in-app messages, skipped ones, the overflow) are written now rather than after
    // the batch's sends, which a slow provider may draw out.
    std::set<const NewDelivery*> handed_rows;
    for (const Handed& h : batch.entries()) handed_rows.insert(h.row);
    std::vector<FinishedEvent> others = Without(finished, handed_rows, /*keep_events=*/false);
    if (!others.empty() && store_->WriteDeliveries(others).ok()) {
      std::set<v1::NotificationType> due;
      for (const FinishedEvent& e : finished) {
        for (const NewDelivery& d : e.deliveries) {
          if (handed_rows.count(&d) > 0) continue;
          written.insert(&d);
          if (d.status == v1::LOG_STATUS_PENDING) due.insert(d.type);
        }
      }
      queue_->ClaimDue(due, /*wake=*/false);  // Woken once the batch is recorded.
    }
    // Handing stops in time for a send started then to end within the events' lease, with room
    // left to record them.
    const absl::Duration room =
        std::max(absl::ZeroDuration(), options_.lease - options_.send_timeout);
    queue_->Await(batch, claimed + room / 2);
    for (const Handed& h : batch.entries()) {
      if (h.outcome.has_value()) ApplyOutcome(*h.outcome, h.next_attempt, *h.row);
    }
  }
  Finish(finished, batch, std::move(written), claimed);
}

void EventWorker::HandOver(std::vector<FinishedEvent>& finished, const std::set<std::string>& again,
                           HandoffBatch& batch) {
  if (!queue_->open()) return;
  auto handable = [&](const NewDelivery& d) {
    return d.status == v1::LOG_STATUS_PENDING && options_.handed_channels.count(d.type) > 0;
  };
  // A first processing has nothing written yet; the others look their keys up.
  std::map<std::string, std::vector<std::string>> keys;  // By company.
  for (const FinishedEvent& e : finished) {
    std::vector<std::string>& list = keys[e.company];
    if (again.count(e.id) == 0) continue;
    for (const NewDelivery& d : e.deliveries) {
      if (handable(d)) list.push_back(d.dedupe_key);
    }
  }
  std::map<std::string, absl::StatusOr<std::set<std::string>>> existing;
  for (const auto& [company, list] : keys) {
    existing.emplace(company, store_->ExistingDedupeKeys(company, list));  // None: no I/O.
  }
  std::vector<Handed> offers;
  for (FinishedEvent& e : finished) {
    auto known = existing.find(e.company);
    // Unknown (the database did not answer): nothing of the company's is handed over.
    if (known == existing.end() || !known->second.ok()) continue;
    for (NewDelivery& d : e.deliveries) {
      if (!handable(d) || known->second->count(d.dedupe_key) > 0) continue;
      d.id = TimeOrderedUuid(clock_->Now());  // Ordered: the key's index grows at one end.
      offers.push_back(
          Handed{DeliveryJob{static_cast<const DeliveryMessage&>(d), e.company, d.id}, &e, &d});
    }
  }
  if (offers.empty()) return;
  std::vector<NewDelivery*> rows;
  for (const Handed& offer : offers) rows.push_back(offer.row);
  const std::vector<bool> taken = queue_->Hand(batch, std::move(offers));
  // The overflow is written pending, with an id made then.
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!taken[i]) rows[i]->id.clear();
  }
}

void EventWorker::Finish(const std::vector<FinishedEvent>& finished, const HandoffBatch& batch,
                         std::set<const NewDelivery*> written, absl::Time claimed) {
  bool at_stake = false;  // Something was sent that is written nowhere yet.
  for (const Handed& h : batch.entries()) {
    if (h.written) written.insert(h.row);
    at_stake |= h.outcome.has_value() && !h.written;
  }
  const std::vector<FinishedEvent> rest = Without(finished, written, /*keep_events=*/true);
  // While the database is unavailable, keep trying to write what was sent until shortly before
  // the events' lease ends (after that they are processed again).
  const absl::Time give_up =
      claimed + options_.lease - (options_.lease - options_.send_timeout) / 4;
  const absl::StatusOr<int> created =
      RetryWhileUnavailable([&] { return store_->FinishEvents(rest); },
                            [&](const absl::Status&, int, absl::Duration pause) {
                              if (!at_stake || clock_->Now() + pause >= give_up) return false;
                              clock_->SleepFor(pause);
                              return true;
                            });
  std::set<std::string> recorded;  // Event ids.
  if (created.ok()) {
    for (const FinishedEvent& e : rest) recorded.insert(e.id);
  } else {
    // One event may spoil the batch (its company purged meanwhile, a value the database refuses):
    // record them one by one.
    for (const FinishedEvent& e : rest) {
      absl::StatusOr<int> one = store_->FinishEvents({e});
      if (one.ok()) {
        recorded.insert(e.id);
        continue;
      }
      // Left claimed: the lease runs out and the event is processed again; the dedupe keys keep
      // what was already created from being created (or sent) twice.
      log::Warn("could not record a processed event; it will be processed again",
                {{"company", e.company},
                 {"event", e.id},
                 {"error", std::string(one.status().message())}});
      metrics_->EventNotRecorded();
    }
  }
  for (const Handed& h : batch.entries()) {
    if (h.outcome.has_value() && !h.written && recorded.count(h.event->id) > 0) {
      metrics_->Report(h.job, *h.outcome);
    }
  }
  // Deliveries written pending (not handed over, or taken back; also those Record wrote early):
  // the senders claim them. Nothing written pending, no sender is woken.
  std::set<v1::NotificationType> due;
  for (const FinishedEvent& e : rest) {
    if (recorded.count(e.id) == 0) continue;
    for (const NewDelivery& d : e.deliveries) {
      if (d.status == v1::LOG_STATUS_PENDING) due.insert(d.type);
    }
  }
  queue_->ClaimDue(due, /*wake=*/true);
  // `deliveries` counts what the event produced; a repeat of one already stored is not stored
  // again.
  for (const FinishedEvent& e : finished) {
    if (recorded.count(e.id) == 0) continue;
    metrics_->EventDone(e.status);
    log::Info("event processed", {{"company", e.company},
                                  {"event", e.id},
                                  {"status", ShortName(e.status)},
                                  {"deliveries", static_cast<int>(e.deliveries.size())}});
  }
}

}  // namespace notify::delivery
