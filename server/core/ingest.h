// The webhook path: the platform's events, checked and stored, nothing slow before the answer.
#ifndef NOTIFY_SERVER_CORE_INGEST_H_
#define NOTIFY_SERVER_CORE_INGEST_H_

#include <functional>
#include <utility>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/common/metrics.h"
#include "server/core/rate_limiter.h"
#include "server/store/company_directory.h"
#include "server/store/event_store.h"

namespace notify {

struct IngestResult {
  std::string id;
  bool duplicate = false;
  bool ignored = false;  // An event name the extension does not handle: stored, not processed.
};

// Thread-safe.
class Ingest {
 public:
  // `limiter` may be null (no rate limit). Metrics are added to `registry`.
  Ingest(CompanyDirectory* directory, EventStore* events, RateLimiter* limiter,
         prometheus::Registry* registry);

  // `authorization` is "Secret <secret>"; `payload` is the platform's JSON as posted. Errors:
  // Unauthenticated (WEBHOOK_SECRET_INVALID: a missing, malformed or wrong secret, or an unknown or
  // inactive company; nothing stored), InvalidArgument (WEBHOOK_PAYLOAD_INVALID: not a JSON object
  // with id, event, company and data; the message names the field), ResourceExhausted (the
  // company's rate limit, with the wait), Unavailable (the database).
  absl::StatusOr<IngestResult> Receive(absl::string_view authorization, absl::string_view payload);

  // Receive for several events (authorization, payload) at once: each is checked and answered on
  // its own, and the ones that pass are stored in one round trip. One result per event, in order.
  struct Delivered {
    absl::string_view authorization, payload;
  };
  std::vector<absl::StatusOr<IngestResult>> ReceiveMany(const std::vector<Delivered>& events);

  // Called after a new event is stored (not a repeat, not ignored), e.g. to wake a worker. Set
  // before serving.
  void set_on_new_event(std::function<void()> callback) { on_new_event_ = std::move(callback); }

 private:
  // The checks before storing: the event to store, or why it is refused.
  absl::StatusOr<NewEvent> Check(absl::string_view authorization, absl::string_view payload);
  // Counts an outcome.
  void Count(const absl::StatusOr<IngestResult>& result);

  CompanyDirectory* const directory_;
  EventStore* const events_;
  RateLimiter* const limiter_;
  metrics::Series<prometheus::Counter> received_;
  metrics::Series<prometheus::Counter> rejected_;
  metrics::Series<prometheus::Histogram> latencies_;
  prometheus::Histogram& latency_;
  std::function<void()> on_new_event_;
};

// Whether the platform sends events of this name (see PlatformEventNames()).
bool IsKnownEvent(absl::string_view name);

}  // namespace notify

#endif  // NOTIFY_SERVER_CORE_INGEST_H_
