// Where the platform's events are kept.
#ifndef NOTIFY_SERVER_STORE_EVENT_STORE_H_
#define NOTIFY_SERVER_STORE_EVENT_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "notifications/v1/resources.pb.h"

namespace notify {

struct EventRecord {
  std::string id;        // The server's id (UUID).
  std::string event_id;  // The platform's id.
  std::string name;      // "transaction.create"
  std::string data_json;
  notifications::v1::EventStatus status = notifications::v1::EVENT_STATUS_UNSPECIFIED;
  std::string error;
  int delivery_count = 0;
  absl::Time received;
  std::optional<absl::Time> processed;
};

// An event to store (see EventStore::Insert).
struct NewEvent {
  std::string company, event_id, name, payload;
  notifications::v1::EventStatus status = notifications::v1::EVENT_STATUS_PENDING;
};

struct StoredEvent {
  std::string id;
  bool duplicate = false;
  notifications::v1::EventStatus status = notifications::v1::EVENT_STATUS_UNSPECIFIED;
};

// A position in the newest-first order of a company's events.
struct EventCursor {
  absl::Time received;
  std::string id;
};

struct EventFilter {
  std::string name;  // Empty: any.
  // UNSPECIFIED: any.
  notifications::v1::EventStatus status = notifications::v1::EVENT_STATUS_UNSPECIFIED;
  std::optional<absl::Time> start;  // Received at or after.
  std::optional<absl::Time> end;    // Received before.
};

// Errors: NotFound, Unavailable (the database is down). Thread-safe.
class EventStore {
 public:
  virtual ~EventStore() = default;

  // Stores an event from the platform's JSON `payload` (its "data" member becomes the event's data,
  // as written) unless the company already has one with `event_id`: then it stores nothing and
  // answers that one, marked duplicate. One round trip.
  virtual absl::StatusOr<StoredEvent> Insert(absl::string_view company, absl::string_view event_id,
                                             absl::string_view name, absl::string_view payload,
                                             notifications::v1::EventStatus status) = 0;

  // Insert for several events in one round trip: one result per event, in order. An event the
  // database refuses fails alone.
  virtual std::vector<absl::StatusOr<StoredEvent>> InsertMany(
      const std::vector<NewEvent>& events) = 0;

  virtual absl::StatusOr<EventRecord> Get(absl::string_view company, absl::string_view id) = 0;

  // How many events List would list across all pages.
  virtual absl::StatusOr<int> Count(absl::string_view company, const EventFilter& filter) = 0;

  // Up to `limit` events newest first, after `cursor` when given.
  virtual absl::StatusOr<std::vector<EventRecord>> List(absl::string_view company,
                                                        const EventFilter& filter,
                                                        const std::optional<EventCursor>& cursor,
                                                        int limit, int skip) = 0;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_STORE_EVENT_STORE_H_
