#include "server/delivery/engine.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "nlohmann/json.hpp"
#include "server/common/crypto.h"
#include "server/common/log.h"
#include "server/common/retry.h"

namespace notify::delivery {
namespace {

// The channels and the outcomes a delivery is counted by: their series are made at start, so that
// counting one takes no lock.
std::vector<std::vector<std::string>> KnownChannels() {
  return {{"email"}, {"sms"}, {"push"}, {"system"}};
}
std::vector<std::vector<std::string>> KnownChannelOutcomes() {
  std::vector<std::vector<std::string>> out;
  for (const char* channel : {"email", "sms", "push", "system"}) {
    for (const char* outcome : {"sent", "retrying", "dead", "skipped", "deferred"}) {
      out.push_back({channel, outcome});
    }
  }
  return out;
}

// Longest error text kept on an event.
constexpr size_t kMaxEventError = 2000;

std::string Clip(std::string text, size_t limit) {
  if (text.size() > limit) {
    text.resize(limit);
    text += "...";
  }
  return text;
}

int QuotaOf(const CompanyRecord& company, const std::string& type) {
  if (type == "email") return company.email_daily_quota;
  if (type == "sms") return company.sms_daily_quota;
  if (type == "push") return company.push_daily_quota;
  return 0;
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

void DeliveryEngine::SetOutcome(NewDelivery& row, const Outcome& outcome, absl::Time next_attempt) {
  row.status = outcome.status;
  if (outcome.attempt.has_value()) {
    row.attempts.push_back(*outcome.attempt);
    // The attempt keeps what the provider said; the log's last error is a failure's alone.
    row.last_error = outcome.attempt->success ? "" : outcome.attempt->error;
  } else {
    row.last_error = outcome.reason;
  }
  if (next_attempt != absl::InfinitePast()) row.next_attempt = next_attempt;
}

DeliveryEngine::DeliveryEngine(EngineOptions options, DeliveryStore* store,
                               CompanyDirectory* companies, const EventPlanner* planner,
                               Channels* channels, prometheus::Registry* registry)
    : options_(std::move(options)),
      store_(store),
      companies_(companies),
      planner_(planner),
      channels_(channels),
      events_processed_(metrics::Counters(*registry, "notify_events_processed_total",
                                          "Events turned into deliveries, by outcome.",
                                          {"outcome"})),
      deliveries_(metrics::Counters(*registry, "notify_deliveries_total",
                                    "Delivery attempts and settlements, by channel and outcome "
                                    "(sent, retrying, dead, skipped, deferred).",
                                    {"channel", "outcome"}, KnownChannelOutcomes())),
      send_latency_(metrics::Latencies(*registry, "notify_send_seconds",
                                       "Time a provider took to take a message, by channel.",
                                       {"channel"}, KnownChannels())) {}

DeliveryEngine::~DeliveryEngine() { Stop(); }

void DeliveryEngine::Start() {
  stopping_ = false;
  {
    std::lock_guard<std::mutex> lock(send_mu_);
    for (const auto& [type, count] : options_.senders) senders_running_ |= count > 0;
  }
  for (int i = 0; i < options_.event_workers; ++i) {
    threads_.emplace_back([this] { EventLoop(); });
  }
  for (const auto& [type, count] : options_.senders) {
    for (int i = 0; i < count; ++i) threads_.emplace_back([this, type = type] { SendLoop(type); });
  }
}

void DeliveryEngine::Stop() {
  stopping_ = true;
  {
    std::lock_guard<std::mutex> lock(event_mu_);
    ++event_generation_;
  }
  event_cv_.notify_all();
  {
    std::lock_guard<std::mutex> lock(send_mu_);
    ++send_generation_;
  }
  send_cv_.notify_all();
  handed_done_cv_.notify_all();
  // Event workers take back what no sender started and write it pending, for the next process.
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  std::lock_guard<std::mutex> lock(send_mu_);
  senders_running_ = false;
}

void DeliveryEngine::WakeEvents() {
  {
    std::lock_guard<std::mutex> lock(event_mu_);
    ++event_generation_;
  }
  event_cv_.notify_one();
}

bool DeliveryEngine::Sleep(std::mutex& mu, std::condition_variable& cv, const uint64_t& generation,
                           uint64_t& seen) {
  std::unique_lock<std::mutex> lock(mu);
  cv.wait_for(lock, absl::ToChronoNanoseconds(options_.poll_interval),
              [&] { return stopping_ || generation != seen; });
  seen = generation;
  return !stopping_;
}

void DeliveryEngine::EventLoop() {
  uint64_t seen = 0;
  absl::Duration backoff = options_.poll_interval;
  while (!stopping_) {
    absl::StatusOr<int> handled = ProcessEventsOnce();
    if (!handled.ok()) {
      log::Warn("claiming events failed; retrying",
                {{"error", std::string(handled.status().message())},
                 {"retry_in_ms", absl::ToInt64Milliseconds(backoff)}});
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(10));
      continue;
    }
    backoff = options_.poll_interval;
    if (*handled >= options_.event_batch) continue;  // More may be waiting.
    if (!Sleep(event_mu_, event_cv_, event_generation_, seen)) return;
  }
}

void DeliveryEngine::SendLoop(std::string type) {
  uint64_t seen = 0;
  absl::Duration backoff = options_.poll_interval;
  // Whether to look in the database before the handed deliveries: at first, after a full claim,
  // when the event workers wrote deliveries of this channel without handing them over, and, by one
  // sender per channel, once per poll interval however busy handed deliveries keep the senders
  // (retries come due there, and other processes' deliveries wait there).
  bool claim = true;
  // After a full claim this sender takes a handed delivery before it looks again (another sender
  // was called in), so that a database backlog does not hold back the deliveries in memory.
  bool handed_next = false;
  while (!stopping_) {
    bool from_database = false;
    const bool look = !handed_next && (claim || TakeClaimDue(type) || PollDue(type));
    handed_next = false;
    absl::StatusOr<int> handled = SendSome(type, look, &from_database);
    if (!handled.ok()) {
      log::Warn("claiming deliveries failed; retrying",
                {{"channel", type},
                 {"error", std::string(handled.status().message())},
                 {"retry_in_ms", absl::ToInt64Milliseconds(backoff)}});
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(10));
      continue;
    }
    backoff = options_.poll_interval;
    if (from_database && *handled >= options_.send_batch) {
      // A full claim: more may be waiting there, so another sender is called in to claim (or this
      // one, after its next handed delivery); under a backlog all of them end up claiming, while
      // handed deliveries still go out between claims.
      claim = false;
      handed_next = true;
      {
        std::lock_guard<std::mutex> lock(send_mu_);
        claim_due_[type] = true;
        ++send_generation_;
      }
      send_cv_.notify_one();
      continue;
    }
    if (*handled > 0) {
      claim = false;  // Then the next handed delivery, if any, at once.
      continue;
    }
    if (!Sleep(send_mu_, send_cv_, send_generation_, seen)) return;
    claim = false;  // An idle channel looks in the database once per poll interval (PollDue).
  }
}

bool DeliveryEngine::PollDue(const std::string& type) {
  const absl::Time now = absl::Now();
  std::lock_guard<std::mutex> lock(send_mu_);
  absl::Time& last = last_poll_[type];
  // A tenth of slack, so that a sender whose own wait just ended is not turned away by jitter.
  if (now - last < options_.poll_interval * 0.9) return false;
  last = now;
  return true;
}

bool DeliveryEngine::TakeClaimDue(const std::string& type) {
  std::lock_guard<std::mutex> lock(send_mu_);
  auto it = claim_due_.find(type);
  if (it == claim_due_.end() || !it->second) return false;
  it->second = false;
  return true;
}

absl::StatusOr<int> DeliveryEngine::ProcessEventsOnce() {
  const absl::Time claimed = absl::Now();
  absl::StatusOr<std::vector<ClaimedEvent>> events =
      store_->ClaimEvents(options_.event_batch, options_.event_lease);
  if (!events.ok()) return events.status();
  if (events->empty()) return 0;
  // What a batch reads once: each company, and its notifications for each event name.
  BatchCache cache;
  std::vector<FinishedEvent> finished;
  std::set<std::string> again;
  for (const ClaimedEvent& event : *events) {
    if (event.attempts > 1) again.insert(event.id);
    if (std::optional<FinishedEvent> done = ProcessEvent(event, cache); done.has_value()) {
      finished.push_back(*std::move(done));
    }
  }
  RecordFinished(finished, again, claimed);
  return static_cast<int>(events->size());
}

void DeliveryEngine::RecordFinished(std::vector<FinishedEvent>& finished,
                                    const std::set<std::string>& again, absl::Time claimed) {
  if (finished.empty()) return;
  HandedBatch batch;
  std::deque<Handed> handed = HandOver(finished, again, &batch);
  std::set<const NewDelivery*> written;
  if (!handed.empty()) {
    // The others (in-app messages, skipped ones, the overflow) are written now rather than after
    // the batch's sends, which a slow provider may draw out.
    std::set<const NewDelivery*> handed_rows;
    for (const Handed& h : handed) handed_rows.insert(h.row);
    std::vector<FinishedEvent> others = Without(finished, handed_rows, /*keep_events=*/false);
    if (!others.empty() && store_->WriteDeliveries(others).ok()) {
      std::lock_guard<std::mutex> lock(send_mu_);
      for (const FinishedEvent& e : finished) {
        for (const NewDelivery& d : e.deliveries) {
          if (handed_rows.count(&d) > 0) continue;
          written.insert(&d);
          if (d.status == "pending") claim_due_[d.type] = true;
        }
      }
    }
    AwaitHanded(handed, batch, claimed);
  }
  WriteFinished(finished, handed, std::move(written), claimed);
}

std::deque<DeliveryEngine::Handed> DeliveryEngine::HandOver(std::vector<FinishedEvent>& finished,
                                                            const std::set<std::string>& again,
                                                            HandedBatch* batch) {
  std::deque<Handed> handed;
  {
    std::lock_guard<std::mutex> lock(send_mu_);
    if (!senders_running_) return handed;
  }
  auto handable = [&](const NewDelivery& d) {
    auto senders = options_.senders.find(d.type);
    return d.status == "pending" && senders != options_.senders.end() && senders->second > 0;
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
  {
    std::lock_guard<std::mutex> lock(send_mu_);
    for (FinishedEvent& e : finished) {
      auto known = existing.find(e.company);
      // Unknown (the database did not answer): nothing of the company's is handed over.
      if (known == existing.end() || !known->second.ok()) continue;
      for (NewDelivery& d : e.deliveries) {
        if (!handable(d) || known->second->count(d.dedupe_key) > 0 ||
            static_cast<int>(handed_[d.type].size()) >= options_.handoff_limit) {
          continue;
        }
        d.id = TimeOrderedUuid(absl::Now());  // Ordered: the key's index grows at one end.
        DeliveryJob job{static_cast<const DeliveryMessage&>(d), e.company, d.id};
        handed.push_back(Handed{std::move(job), &e, &d, batch});
        handed_[d.type].push_back(&handed.back());
        ++batch->not_done;
      }
    }
    if (!handed.empty()) ++send_generation_;
  }
  if (!handed.empty()) send_cv_.notify_all();
  return handed;
}

void DeliveryEngine::AwaitHanded(std::deque<Handed>& handed, HandedBatch& batch,
                                 absl::Time claimed) {
  const absl::Time stop_handing =
      claimed + std::max(absl::ZeroDuration(), options_.event_lease - options_.send_timeout) / 2;
  std::unique_lock<std::mutex> lock(send_mu_);
  handed_done_cv_.wait_until(lock, absl::ToChronoTime(stop_handing),
                             [&] { return stopping_ || batch.not_done == 0; });
  // What no sender started is taken back, to be written pending.
  std::set<const Handed*> mine;
  for (const Handed& h : handed) mine.insert(&h);
  for (auto& [type, queue] : handed_) {
    queue.erase(std::remove_if(queue.begin(), queue.end(),
                               [&](const Handed* h) { return mine.count(h) > 0; }),
                queue.end());
  }
  batch.taken_back = true;
  handed_done_cv_.wait(lock, [&] { return batch.in_flight == 0; });
}

void DeliveryEngine::WriteFinished(const std::vector<FinishedEvent>& finished,
                                   const std::deque<Handed>& handed,
                                   std::set<const NewDelivery*> written, absl::Time claimed) {
  bool at_stake = false;  // Something was sent that is written nowhere yet.
  for (const Handed& h : handed) {
    if (h.written) written.insert(h.row);
    at_stake |= h.outcome.has_value() && !h.written;
  }
  const std::vector<FinishedEvent> rest = Without(finished, written, /*keep_events=*/true);
  // While the database is unavailable, keep trying to write what was sent until shortly before
  // the events' lease ends (after that they are processed again).
  const absl::Time give_up =
      claimed + options_.event_lease - (options_.event_lease - options_.send_timeout) / 4;
  const absl::StatusOr<int> created =
      RetryWhileUnavailable([&] { return store_->FinishEvents(rest); },
                            [&](const absl::Status&, int, absl::Duration pause) {
                              if (!at_stake || absl::Now() + pause >= give_up) return false;
                              absl::SleepFor(pause);
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
      events_processed_.With({"error"}).Increment();
    }
  }
  for (const Handed& h : handed) {
    if (h.outcome.has_value() && !h.written && recorded.count(h.event->id) > 0) {
      Report(h.job, *h.outcome);
    }
  }
  bool wake = false;
  {
    // Deliveries written pending (not handed over, or taken back; also those RecordFinished wrote
    // early): the senders claim them. Nothing written pending, no sender is woken.
    std::lock_guard<std::mutex> lock(send_mu_);
    for (const FinishedEvent& e : rest) {
      if (recorded.count(e.id) == 0) continue;
      for (const NewDelivery& d : e.deliveries) {
        if (d.status == "pending") claim_due_[d.type] = true;
      }
    }
    wake = std::any_of(claim_due_.begin(), claim_due_.end(),
                       [](const auto& due) { return due.second; });
    if (wake) ++send_generation_;
  }
  if (wake) send_cv_.notify_all();
  // `deliveries` counts what the event produced; a repeat of one already stored is not stored
  // again.
  for (const FinishedEvent& e : finished) {
    if (recorded.count(e.id) == 0) continue;
    events_processed_.With({e.status}).Increment();
    log::Info("event processed", {{"company", e.company},
                                  {"event", e.id},
                                  {"status", e.status},
                                  {"deliveries", static_cast<int>(e.deliveries.size())}});
  }
}

absl::StatusOr<CompanyContext> DeliveryEngine::LoadCompany(const std::string& id,
                                                           CompanyRecord* out) {
  absl::StatusOr<CompanyRecord> record = companies_->Get(id);
  if (!record.ok()) return record.status();
  CompanyContext company{record->id,
                         record->name,
                         record->system_email,
                         record->push_enabled,
                         "",
                         record->support_email,
                         record->logo_url,
                         record->icon_url,
                         record->website};
  absl::StatusOr<std::string> token = companies_->PlatformToken(*record);
  if (token.ok()) company.platform_token = *std::move(token);
  if (out != nullptr) *out = *std::move(record);
  return company;
}

std::optional<FinishedEvent> DeliveryEngine::ProcessEvent(const ClaimedEvent& event,
                                                          BatchCache& cache) {
  auto finish = [&](std::vector<NewDelivery> deliveries, const char* status,
                    const std::string& error) {
    return FinishedEvent{event.company, event.id, status, Clip(error, kMaxEventError),
                         std::move(deliveries)};
  };
  auto postpone = [&](const absl::Status& status) -> std::optional<FinishedEvent> {
    const std::string error = std::string(status.message());
    if (event.attempts >= options_.max_event_attempts) {
      return finish({}, "failed",
                    absl::StrCat("gave up after ", event.attempts, " attempts: ", error));
    }
    absl::Duration delay;
    {
      std::lock_guard<std::mutex> lock(random_mu_);
      const RetryPolicy events{.max_attempts = options_.max_event_attempts,
                               .base = std::max(options_.poll_interval, absl::Seconds(1)),
                               .max = absl::Minutes(10)};
      delay = RetryDelay(events, event.attempts, random_);
    }
    log::Warn("event postponed", {{"company", event.company},
                                  {"event", event.id},
                                  {"attempt", event.attempts},
                                  {"retry_in_ms", absl::ToInt64Milliseconds(delay)},
                                  {"error", error}});
    events_processed_.With({"postponed"}).Increment();
    if (absl::Status s = store_->PostponeEvent(event.company, event.id, error, delay); !s.ok()) {
      log::Warn("could not postpone an event",
                {{"event", event.id}, {"error", std::string(s.message())}});
    }
    return std::nullopt;
  };

  auto company_it = cache.companies.find(event.company);
  if (company_it == cache.companies.end()) {
    CompanyRecord record;
    absl::StatusOr<CompanyContext> loaded = LoadCompany(event.company, &record);
    company_it =
        cache.companies
            .emplace(event.company, loaded.ok() ? absl::StatusOr<std::pair<CompanyContext, bool>>(
                                                      std::make_pair(*loaded, record.active))
                                                : loaded.status())
            .first;
  }
  if (!company_it->second.ok()) return postpone(company_it->second.status());
  const auto& [company, active] = *company_it->second;
  if (!active) return finish({}, "ignored", "the company is not active");
  nlohmann::json data = nlohmann::json::parse(event.data_json, nullptr, false);
  if (data.is_discarded()) return finish({}, "failed", "the event's data is not JSON");
  const std::pair<std::string, std::string> key(event.company, event.name);
  auto list_it = cache.notifications.find(key);
  if (list_it == cache.notifications.end()) {
    list_it =
        cache.notifications.emplace(key, planner_->EnabledNotifications(event.company, event.name))
            .first;
  }
  if (!list_it->second.ok()) return postpone(list_it->second.status());
  absl::StatusOr<EventPlan> plan =
      planner_->Plan(company, event.id, event.name, data, *list_it->second);
  if (!plan.ok()) return postpone(plan.status());
  return finish(std::move(plan->deliveries), "processed", absl::StrJoin(plan->problems, "; "));
}

DeliveryEngine::Handed* DeliveryEngine::TakeHanded(const std::string& type) {
  std::lock_guard<std::mutex> lock(send_mu_);
  auto it = handed_.find(type);
  if (it == handed_.end() || it->second.empty()) return nullptr;
  Handed* h = it->second.front();
  it->second.pop_front();
  ++h->batch->in_flight;
  return h;
}

absl::StatusOr<int> DeliveryEngine::SendSome(const std::string& type, bool claim,
                                             bool* from_database) {
  // The database first when asked to look there, so that what waits there (retries, the overflow,
  // other processes' deliveries) is not held back by a steady stream of handed deliveries.
  std::vector<DeliveryJob> jobs;
  if (claim) {
    absl::StatusOr<std::vector<DeliveryJob>> claimed =
        store_->ClaimDeliveries(type, options_.send_batch, options_.send_lease);
    if (!claimed.ok()) return claimed.status();
    jobs = *std::move(claimed);
  }
  if (from_database != nullptr) *from_database = !jobs.empty();
  for (const DeliveryJob& job : jobs) {
    // The database is gone: send nothing more of this batch, whose outcomes could not be recorded
    // either; the leases run out and the rest is claimed again.
    if (!Record(job, Attempt(job))) {
      return absl::UnavailableError("could not record delivery attempts");
    }
  }
  if (!jobs.empty()) return static_cast<int>(jobs.size());
  // What the event workers handed over, one at a time, so that what waits in the queue is what no
  // sender has started (the event workers' measure of whether the senders keep up). Its event
  // worker writes the outcome.
  Handed* h = TakeHanded(type);
  if (h == nullptr) return 0;
  Outcome outcome = Attempt(h->job);
  const absl::Time next_attempt = outcome.status == "retrying"   ? absl::Now() + outcome.retry_in
                                  : outcome.status == "deferred" ? outcome.until
                                                                 : absl::InfinitePast();
  NewDelivery row = *h->row;  // Only its event worker writes the original, once this is done.
  SetOutcome(row, outcome, next_attempt);
  // Written at once, so that a process that dies now sends again only what it had in flight, but
  // without waiting for the commit: this sender goes on to its next message while the write, shared
  // with those finishing meanwhile, waits for the one before it. Its outcome reaches the event
  // worker when written; should the write fail (the database is unavailable), the worker writes it
  // with its event, trying again for as long as the event's lease allows.
  store_->WriteSentAsync(
      h->job.company, std::move(row),
      [this, h, outcome = std::move(outcome), next_attempt](absl::Status written) mutable {
        if (written.ok()) {
          Report(h->job, outcome);
        } else {
          log::Warn("could not write a sent delivery; its event's worker tries again",
                    {{"delivery", h->job.id}, {"error", std::string(written.message())}});
        }
        bool wake = false;  // Whether its event worker's wait may be over.
        {
          std::lock_guard<std::mutex> lock(send_mu_);
          SetOutcome(*h->row, outcome, next_attempt);
          h->written = written.ok();
          h->outcome = std::move(outcome);
          HandedBatch* batch = h->batch;
          --batch->in_flight;
          wake = --batch->not_done == 0 || (batch->taken_back && batch->in_flight == 0);
          // The event worker may go on (and `h` with it) as soon as the lock is released.
        }
        if (wake) handed_done_cv_.notify_all();
      });
  return 1;
}

DeliveryEngine::Outcome DeliveryEngine::Attempt(const DeliveryJob& job) {
  Outcome outcome;
  if (job.type == "push" && job.device_token.empty()) {
    outcome.status = "skipped";
    outcome.reason = "the device is no longer registered";
    return outcome;
  }
  absl::StatusOr<CompanyRecord> company = companies_->Get(job.company);
  if (company.ok()) {
    if (const int quota = QuotaOf(*company, job.type); quota > 0) {
      const absl::Time now = absl::Now();
      const absl::TimeZone utc = absl::UTCTimeZone();
      absl::StatusOr<int> sent = store_->CountSent(
          job.company, job.type, absl::FromCivil(absl::ToCivilDay(now, utc), utc));
      std::optional<Deferral> deferral =
          sent.ok() ? QuotaDeferral(job.type, quota, *sent, now) : std::nullopt;
      if (deferral.has_value()) {
        outcome.status = "deferred";
        outcome.reason = std::move(deferral->reason);
        outcome.until = deferral->until;
        return outcome;
      }
    }
  }

  const absl::Time started = absl::Now();
  SendResult result = channels_->Send(job);
  const absl::Duration took = absl::Now() - started;
  metrics::Observe(send_latency_.With({job.type}), took);

  Decision decision;
  {
    std::lock_guard<std::mutex> lock(random_mu_);
    decision = Decide(result, job.attempt_count + 1, options_.retry, random_);
  }
  switch (decision.status) {
    case Decision::Status::kSent:
      outcome.status = "sent";
      break;
    case Decision::Status::kRetrying:
      outcome.status = "retrying";
      outcome.retry_in = decision.retry_in;
      break;
    case Decision::Status::kDead:
      outcome.status = "dead";
      break;
  }
  if (decision.remove_device) {
    if (absl::Status s = store_->RemoveDevice(job.company, job.device_id); !s.ok()) {
      log::Warn("could not remove an unregistered device",
                {{"device", job.device_id}, {"error", std::string(s.message())}});
    }
  }
  DeliveryAttempt attempt{started, took, result.outcome == SendOutcome::kSent,
                          result.provider_status, std::move(decision.error)};
  outcome.attempt = std::move(attempt);
  return outcome;
}

bool DeliveryEngine::Record(const DeliveryJob& job, const Outcome& outcome) {
  if (!outcome.attempt.has_value()) {
    if (absl::Status s =
            store_->Settle(job.company, job.id, outcome.status, outcome.reason, outcome.until);
        !s.ok()) {
      log::Warn("could not settle a delivery",
                {{"delivery", job.id}, {"error", std::string(s.message())}});
    }
    Report(job, outcome);
    return true;
  }
  // The provider has the message: keep trying to record that for half the lease (the database may
  // be restarting), so that it is not sent again. Failing that, the lease runs out and it is tried
  // again: at least once, never lost.
  const absl::Time give_up = absl::Now() + options_.send_lease / 2;
  const absl::Status recorded = RetryWhileUnavailable(
      [&] {
        return store_->RecordAttempt(job.company, job.id, *outcome.attempt, outcome.status,
                                     outcome.retry_in);
      },
      [&](const absl::Status&, int, absl::Duration pause) {
        if (stopping_ || absl::Now() + pause >= give_up) return false;
        absl::SleepFor(pause);
        return true;
      });
  if (!recorded.ok()) {
    log::Warn("could not record a delivery attempt",
              {{"delivery", job.id}, {"error", std::string(recorded.message())}});
    return false;
  }
  Report(job, outcome);
  return true;
}

void DeliveryEngine::Report(const DeliveryJob& job, const Outcome& outcome) {
  deliveries_.With({job.type, outcome.status}).Increment();
  if (!outcome.attempt.has_value()) return;
  log::Info("delivery attempt",
            {{"company", job.company},
             {"delivery", job.id},
             {"channel", job.type},
             {"attempt", job.attempt_count + 1},
             {"status", outcome.status},
             {"provider_status", outcome.attempt->provider_status},
             {"took_ms", absl::ToInt64Milliseconds(outcome.attempt->duration)}});
}

}  // namespace notify::delivery
