#include "server/delivery/sender.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "server/common/enum_names.h"
#include "server/common/log.h"
#include "server/common/retry.h"

namespace notify::delivery {
namespace {

namespace v1 = notifications::v1;

int QuotaOf(const CompanyRecord& company, v1::NotificationType type) {
  switch (type) {
    case v1::NOTIFICATION_TYPE_EMAIL:
      return company.email_daily_quota;
    case v1::NOTIFICATION_TYPE_SMS:
      return company.sms_daily_quota;
    case v1::NOTIFICATION_TYPE_PUSH:
      return company.push_daily_quota;
    default:
      return 0;  // In-app messages have no quota.
  }
}

}  // namespace

Sender::Sender(SendOptions options, DeliveryStore* store, CompanyDirectory* companies,
               Dispatcher* providers, HandoffQueue* queue, DeliveryMetrics* metrics,
               const Clock* clock, SharedRandom* random)
    : options_(std::move(options)),
      store_(store),
      companies_(companies),
      providers_(providers),
      queue_(queue),
      metrics_(metrics),
      clock_(clock),
      random_(random) {}

void Sender::Run(notifications::v1::NotificationType channel) {
  uint64_t seen = 0;
  absl::Duration backoff = options_.poll_interval;
  bool claim = true;
  // After a full claim this sender takes a handed delivery before it looks again (another sender
  // was called in), so that a database backlog does not hold back the deliveries in memory.
  bool handed_next = false;
  while (queue_->open()) {
    bool from_database = false;
    const bool look =
        !handed_next && (claim || queue_->TakeClaimDue(channel) || queue_->PollDue(channel));
    handed_next = false;
    absl::StatusOr<int> handled = SendSome(channel, look, &from_database);
    if (!handled.ok()) {
      log::Warn("claiming deliveries failed; retrying",
                {{"channel", ShortName(channel)},
                 {"error", std::string(handled.status().message())},
                 {"retry_in_ms", absl::ToInt64Milliseconds(backoff)}});
      clock_->SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(10));
      continue;
    }
    backoff = options_.poll_interval;
    if (from_database && *handled >= options_.batch) {
      // A full claim: more may be waiting there, so another sender is called in to claim (or this
      // one, after its next handed delivery); under a backlog all of them end up claiming, while
      // handed deliveries still go out between claims.
      claim = false;
      handed_next = true;
      queue_->CallInClaimer(channel);
      continue;
    }
    if (*handled > 0) {
      claim = false;  // Then the next handed delivery, if any, at once.
      continue;
    }
    if (!queue_->Wait(seen)) return;
    claim = false;  // An idle channel looks in the database once per poll interval (PollDue).
  }
}

absl::StatusOr<int> Sender::SendSome(notifications::v1::NotificationType channel, bool claim,
                                     bool* from_database) {
  // The database first when asked to look there, so that what waits there (retries, the overflow,
  // other processes' deliveries) is not held back by a steady stream of handed deliveries.
  std::vector<DeliveryJob> jobs;
  absl::Time lease_end;  // By this clock, which read the time before the store did.
  if (claim) {
    lease_end = clock_->Now() + options_.lease;
    absl::StatusOr<std::vector<DeliveryJob>> claimed =
        store_->ClaimDeliveries(channel, options_.batch, options_.lease);
    if (!claimed.ok()) return claimed.status();
    jobs = *std::move(claimed);
  }
  if (from_database != nullptr) *from_database = !jobs.empty();
  const int tried = static_cast<int>(jobs.size());
  // A delivery starts only with time in the lease for the provider's longest answer and a quarter
  // of the rest to record it; a slow provider (each answer just inside the timeout) would
  // otherwise take the batch past its lease, and another sender would claim and send the last
  // ones again.
  const absl::Duration needed =
      options_.send_timeout + (options_.lease - options_.send_timeout) / 4;
  for (size_t next = 0; next < jobs.size(); ++next) {
    if (clock_->Now() + needed > lease_end) {
      std::vector<DeliveryJob> rest(std::make_move_iterator(jobs.begin() + next),
                                    std::make_move_iterator(jobs.end()));
      const absl::Time renewed_at = clock_->Now();
      absl::StatusOr<std::vector<DeliveryJob>> held =
          store_->RenewDeliveries(std::move(rest), options_.lease);
      if (!held.ok()) return held.status();  // The rest is left to its lease.
      jobs = *std::move(held);
      next = 0;
      lease_end = renewed_at + options_.lease;
      if (jobs.empty()) break;
    }
    // The database is gone: send nothing more of this batch, whose outcomes could not be recorded
    // either; the leases run out and the rest is claimed again.
    if (!Record(jobs[next], Attempt(jobs[next]), lease_end)) {
      return absl::UnavailableError("could not record delivery attempts");
    }
  }
  if (tried > 0) return tried;
  // What the event workers handed over, one at a time, so that what waits in the queue is what no
  // sender has started (the event workers' measure of whether the senders keep up).
  Handed* h = queue_->Take(channel);
  if (h == nullptr) return 0;
  Outcome outcome = Attempt(h->job);
  absl::Time next_attempt = absl::InfinitePast();  // Settled, or due now.
  if (outcome.status == v1::LOG_STATUS_RETRYING) next_attempt = clock_->Now() + outcome.retry_in;
  if (outcome.status == v1::LOG_STATUS_DEFERRED) next_attempt = outcome.until;
  NewDelivery row = *h->row;  // Its event worker changes the original only once this is done.
  ApplyOutcome(outcome, next_attempt, row);
  // Written at once, so that a process that dies now sends again only what it had in flight, but
  // without waiting for the commit: this sender goes on to its next message while the write, shared
  // with those finishing meanwhile, waits for the one before it. Its outcome reaches the event
  // worker when written; should the write fail (the database is unavailable), the worker writes it
  // with its event, trying again for as long as the event's lease allows.
  store_->WriteSentAsync(
      h->job.company, std::move(row),
      [this, h, outcome = std::move(outcome), next_attempt](absl::Status written) mutable {
        if (written.ok()) {
          metrics_->Report(h->job, outcome);
        } else {
          log::Warn("could not write a sent delivery; its event's worker tries again",
                    {{"delivery", h->job.id}, {"error", std::string(written.message())}});
        }
        queue_->Finish(h, std::move(outcome), next_attempt, written.ok());
      });
  return 1;
}

Outcome Sender::Attempt(const DeliveryJob& job) {
  Outcome outcome;
  if (job.type == v1::NOTIFICATION_TYPE_PUSH && job.device_token.empty()) {
    outcome.status = v1::LOG_STATUS_SKIPPED;
    outcome.reason = "the device is no longer registered";
    return outcome;
  }
  absl::StatusOr<CompanyRecord> company = companies_->Get(job.company);
  if (company.ok() && !company->active) {
    // Deactivation cancelled what was written before it; this was planned just before it, or
    // another replica has not yet heard of it.
    outcome.status = v1::LOG_STATUS_CANCELLED;
    outcome.reason = "cancelled: the company deactivated the extension before it was sent";
    return outcome;
  }
  if (company.ok()) {
    if (const int quota =
            EffectiveDailyQuota(QuotaOf(*company, job.type), options_.quota_ceilings.For(job.type));
        quota > 0) {
      const absl::Time now = clock_->Now();
      const absl::TimeZone utc = absl::UTCTimeZone();
      absl::StatusOr<int> sent = store_->CountSent(
          job.company, job.type, absl::FromCivil(absl::ToCivilDay(now, utc), utc));
      std::optional<Deferral> deferral =
          sent.ok() ? QuotaDeferral(job.type, quota, *sent, now) : std::nullopt;
      if (deferral.has_value()) {
        outcome.status = v1::LOG_STATUS_DEFERRED;
        outcome.reason = std::move(deferral->reason);
        outcome.until = deferral->until;
        return outcome;
      }
    }
  }

  const absl::Time started = clock_->Now();
  SendResult result = providers_->Send(job);
  const absl::Duration took = clock_->Now() - started;
  metrics_->ProviderTook(job.type, took);

  Decision decision = Decide(result, job.attempt_count + 1, options_.retry, *random_);
  switch (decision.status) {
    case Decision::Status::kSent:
      outcome.status = v1::LOG_STATUS_SENT;
      break;
    case Decision::Status::kRetrying:
      outcome.status = v1::LOG_STATUS_RETRYING;
      outcome.retry_in = decision.retry_in;
      break;
    case Decision::Status::kDead:
      outcome.status = v1::LOG_STATUS_DEAD;
      break;
  }
  if (decision.remove_device) {
    if (absl::Status s = store_->RemoveDevice(job.company, job.device_id); !s.ok()) {
      log::Warn("could not remove an unregistered device",
                {{"device", job.device_id}, {"error", std::string(s.message())}});
    }
  }
  outcome.attempt = DeliveryAttempt{started, took, result.outcome == SendOutcome::kSent,
                                    result.provider_status, std::move(decision.error)};
  return outcome;
}

bool Sender::Record(const DeliveryJob& job, const Outcome& outcome, absl::Time lease_end) {
  if (!outcome.attempt.has_value()) {
    if (absl::Status s =
            store_->Settle(job.company, job.id, outcome.status, outcome.reason, outcome.until);
        !s.ok()) {
      log::Warn("could not settle a delivery",
                {{"delivery", job.id}, {"error", std::string(s.message())}});
    }
    metrics_->Report(job, outcome);
    return true;
  }
  // The provider has the message: keep trying to record that while the lease holds (the database
  // may be restarting), so that it is not sent again. Failing that, the lease runs out and it is
  // tried again: at least once, never lost.
  const absl::Time give_up = lease_end;
  const absl::Status recorded = RetryWhileUnavailable(
      [&] {
        return store_->RecordAttempt(job.company, job.id, *outcome.attempt, outcome.status,
                                     outcome.retry_in);
      },
      [&](const absl::Status&, int, absl::Duration pause) {
        if (!queue_->open() || clock_->Now() + pause >= give_up) return false;
        clock_->SleepFor(pause);
        return true;
      });
  if (!recorded.ok()) {
    log::Warn("could not record a delivery attempt",
              {{"delivery", job.id}, {"error", std::string(recorded.message())}});
    return false;
  }
  metrics_->Report(job, outcome);
  return true;
}

}  // namespace notify::delivery
