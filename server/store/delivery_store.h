// The two queues of the delivery flow: events waiting to be turned into messages, and messages
// (deliveries) waiting for their provider. Both are claimed with a lease, so that several server
// processes share the work and a process that dies only delays what it held.
#ifndef NOTIFY_SERVER_STORE_DELIVERY_STORE_H_
#define NOTIFY_SERVER_STORE_DELIVERY_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "notifications/v1/resources.pb.h"

namespace notify {

// An event claimed for processing.
struct ClaimedEvent {
  std::string company;
  std::string id;        // The server's id.
  std::string event_id;  // The platform's id.
  std::string name;
  std::string data_json;
  // Claims so far, this one included; a replayed event starts at one. Above one, an earlier
  // processing may have made some of its messages.
  int attempts = 0;
  // When the claim's lease ends, as the store wrote it. Renewing names it, so that a claim whose
  // lease ran out (the event may be another worker's now) renews nothing.
  absl::Time lease_until = absl::InfinitePast();
};

// One try at handing a delivery to its provider.
struct DeliveryAttempt {
  absl::Time started;
  absl::Duration duration;
  bool success = false;
  int provider_status = 0;
  std::string error;  // Redacted.
};

// What a message says and where it goes: what a planned delivery and a job to send share.
struct DeliveryMessage {
  notifications::v1::NotificationType type = notifications::v1::NOTIFICATION_TYPE_UNSPECIFIED;
  std::string user_id;
  std::string recipient;     // Address, number, device name, or the user id (in-app).
  std::string device_id;     // Push only.
  std::string device_token;  // Push: the device's token (planned: not stored; claimed: current).
  std::string from_email;
  std::string subject;
  std::string text_message;
  std::string html_message;
  std::string sms_message;
  std::string push_message;
  std::string event;
  std::string notification_name;
};

// A message to create. For messages an event produced, `dedupe_key` names (event, notification,
// recipient, channel), so creating it twice creates it once.
struct NewDelivery : DeliveryMessage {
  std::string dedupe_key;
  std::string event_id;  // The server's event id; empty for none.
  std::string notification_id;
  // Pending; sent (in-app); skipped or dead (with last_error).
  notifications::v1::LogStatus status = notifications::v1::LOG_STATUS_PENDING;
  std::string last_error;
  std::string resend_of;
  // A message sent before it is written (FinishEvents only; the others ignore these): its id, the
  // attempts made so far, oldest first, and when it is due (a retry, a deferral). Its status is
  // then the outcome: sent, retrying, dead, deferred or skipped, or pending when it was not tried.
  std::string id;  // Empty: one is made (time-ordered) when it is written.
  std::vector<DeliveryAttempt> attempts;
  absl::Time next_attempt = absl::InfinitePast();  // InfinitePast: due now.
};

// A processed event's outcome: its new status and the messages it produced.
struct FinishedEvent {
  std::string company;
  std::string id;
  // Processed, failed or ignored.
  notifications::v1::EventStatus status = notifications::v1::EVENT_STATUS_UNSPECIFIED;
  std::string error;
  std::vector<NewDelivery> deliveries;
};

// A delivery claimed for sending (or handed to a sender before it is written).
struct DeliveryJob : DeliveryMessage {
  std::string company;
  std::string id;
  int attempt_count = 0;  // Attempts already recorded.
  // Claimed from the database: when the claim's lease ends, as the store wrote it (see
  // ClaimedEvent::lease_until).
  absl::Time lease_until = absl::InfinitePast();
};

// Errors: NotFound (LOG_NOT_FOUND, EVENT_NOT_FOUND), Unavailable. Thread-safe.
class DeliveryStore {
 public:
  virtual ~DeliveryStore() = default;

  // Claims up to `limit` pending events whose lease is free, oldest first, leasing them for
  // `lease`. Events claimed by another worker are skipped, not waited for.
  virtual absl::StatusOr<std::vector<ClaimedEvent>> ClaimEvents(int limit,
                                                                absl::Duration lease) = 0;

  // Extends the lease of claimed events to `lease` from now. Returns those still held (their
  // lease unchanged since it was claimed or last renewed, and not run out), with the new lease;
  // the others are left as they are.
  virtual absl::StatusOr<std::vector<ClaimedEvent>> RenewEvents(std::vector<ClaimedEvent> events,
                                                                absl::Duration lease) = 0;

  // In one transaction, for each event: creates its deliveries (those whose dedupe key exists are
  // skipped), with the outcome of those already tried, and marks it `status` (processed, failed or
  // ignored) with `error`. Returns how many deliveries were created.
  virtual absl::StatusOr<int> FinishEvents(const std::vector<FinishedEvent>& events) = 0;

  // Writes the events' deliveries as FinishEvents does, in one transaction, and leaves the events
  // as they are (their other deliveries are still being sent). Returns how many were created.
  virtual absl::StatusOr<int> WriteDeliveries(const std::vector<FinishedEvent>& events) = 0;

  // Writes a delivery of the company's that was sent before it was written, with its outcome (as
  // FinishEvents does), in a transaction of its own: written as soon as it is known, it is not sent
  // again if the process dies before its event is finished. Returns at once; calls made meanwhile
  // share a statement and a commit, and `done` takes the outcome on the store's writer thread (it
  // must not wait for the store's writes of sent deliveries). Nothing is written when the dedupe
  // key exists already.
  virtual void WriteSentAsync(absl::string_view company, NewDelivery delivery,
                              std::function<void(absl::Status)> done) = 0;

  // Which of `keys` the company's deliveries have already (made by an earlier processing of the
  // same event, which a replay also is). No keys: none, without a query.
  virtual absl::StatusOr<std::set<std::string>> ExistingDedupeKeys(
      absl::string_view company, const std::vector<std::string>& keys) = 0;

  // Leaves a claimed event pending, to be claimed again after `delay`, noting `error`.
  virtual absl::Status PostponeEvent(absl::string_view company, absl::string_view id,
                                     absl::string_view error, absl::Duration delay) = 0;

  // Records an event that an admin's trigger made (with the server id `id`, already processed)
  // and its deliveries, in one transaction. Returns the created logs.
  virtual absl::StatusOr<std::vector<notifications::v1::Log>> InsertTriggered(
      absl::string_view company, absl::string_view id, absl::string_view name,
      absl::string_view data_json, const std::vector<NewDelivery>& deliveries) = 0;

  // A delivery as stored, for a resend (dedupe_key and status as they are). NotFound
  // (LOG_NOT_FOUND).
  virtual absl::StatusOr<NewDelivery> Load(absl::string_view company, absl::string_view id) = 0;

  // Creates one delivery outside any event (a resend) and returns its log.
  virtual absl::StatusOr<notifications::v1::Log> InsertOne(absl::string_view company,
                                                           const NewDelivery& delivery) = 0;

  // Claims up to `limit` due deliveries of `type` (pending, retrying or deferred, next attempt
  // reached, lease free), soonest first, leasing them for `lease`. A claimed delivery is due again
  // when its lease ends.
  virtual absl::StatusOr<std::vector<DeliveryJob>> ClaimDeliveries(
      notifications::v1::NotificationType type, int limit, absl::Duration lease) = 0;

  // Extends the lease of claimed deliveries as RenewEvents does those of events: returns those
  // still held and waiting (no outcome recorded), with the new lease.
  virtual absl::StatusOr<std::vector<DeliveryJob>> RenewDeliveries(std::vector<DeliveryJob> jobs,
                                                                   absl::Duration lease) = 0;

  // In one statement: records `attempt` as the delivery's next attempt and sets its status:
  // sent, dead, or retrying with the next attempt after `retry_in`; ends the lease. Nothing for a
  // delivery finished or no longer leased (its outcome recorded already).
  virtual absl::Status RecordAttempt(absl::string_view company, absl::string_view id,
                                     const DeliveryAttempt& attempt,
                                     notifications::v1::LogStatus status,
                                     absl::Duration retry_in) = 0;

  // Ends a claimed delivery without an attempt: skipped (nothing to send to) or deferred until
  // `until` (a quota), with the reason.
  virtual absl::Status Settle(absl::string_view company, absl::string_view id,
                              notifications::v1::LogStatus status, absl::string_view reason,
                              absl::Time until) = 0;

  // How many of the company's deliveries of `type` were sent at or after `since`.
  virtual absl::StatusOr<int> CountSent(absl::string_view company,
                                        notifications::v1::NotificationType type,
                                        absl::Time since) = 0;

  // Makes a processed or failed event pending again; the messages it already produced are not
  // produced twice. FailedPrecondition (EVENT_IGNORED) for an ignored event (its name is not one
  // we handle) and for an admin's trigger (replaying it would send to the event's audience).
  virtual absl::Status ReplayEvent(absl::string_view company, absl::string_view id) = 0;

  // Removes a device whose token the push provider no longer accepts.
  virtual absl::Status RemoveDevice(absl::string_view company, absl::string_view device_id) = 0;

  // Events and deliveries waiting (for metrics and benchmarks).
  virtual absl::StatusOr<std::pair<int64_t, int64_t>> QueueDepths() = 0;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_STORE_DELIVERY_STORE_H_
