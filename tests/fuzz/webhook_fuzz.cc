// Fuzzes the webhook path from the body the platform posts to the event stored: an event is stored
// only when its body is a JSON object with a printable id, event and company (the company's own,
// with its secret) and object data, and it is stored as posted, without a NUL that PostgreSQL's
// jsonb would refuse; anything else is refused with a reason and stores nothing.
//
// Input: the first byte picks the secret (bit 0: a wrong one); the rest is the body, for company
// "acme" (whose secret is "s3cret").
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "prometheus/registry.h"
#include "server/common/crypto.h"
#include "server/common/status.h"
#include "server/core/ingest.h"
#include "server/store/company_directory.h"
#include "tests/fakes/fake_company_store.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using notify::fuzz::Require;

// Keeps what it is asked to store.
class RecordingEvents final : public notify::EventStore {
 public:
  std::vector<notify::NewEvent> stored;

  absl::StatusOr<notify::StoredEvent> Insert(absl::string_view company, absl::string_view event_id,
                                             absl::string_view name, absl::string_view payload,
                                             notifications::v1::EventStatus status) override {
    stored.push_back({std::string(company), std::string(event_id), std::string(name),
                      std::string(payload), status});
    return notify::StoredEvent{"00000000-0000-0000-0000-000000000001", false, status};
  }
  std::vector<absl::StatusOr<notify::StoredEvent>> InsertMany(
      const std::vector<notify::NewEvent>& events) override {
    std::vector<absl::StatusOr<notify::StoredEvent>> out;
    for (const notify::NewEvent& e : events) {
      out.push_back(Insert(e.company, e.event_id, e.name, e.payload, e.status));
    }
    return out;
  }
  absl::StatusOr<notify::EventRecord> Get(absl::string_view, absl::string_view) override {
    return absl::UnimplementedError("not fuzzed");
  }
  absl::StatusOr<int> Count(absl::string_view, const notify::EventFilter&) override {
    return absl::UnimplementedError("not fuzzed");
  }
  absl::StatusOr<std::vector<notify::EventRecord>> List(absl::string_view,
                                                        const notify::EventFilter&,
                                                        const std::optional<notify::EventCursor>&,
                                                        int, int) override {
    return absl::UnimplementedError("not fuzzed");
  }
};

struct World {
  World()
      : box(*notify::SecretBox::FromHex(std::string(64, 'f'))),
        directory(&companies, &box, notify::RealClock::Get(), absl::Minutes(5)),
        ingest(&directory, &events, nullptr, &registry) {
    notify::CompanyRecord acme;
    acme.id = "acme";
    acme.active = true;
    acme.sealed_webhook_secret = box.Seal("s3cret", notify::WebhookSecretContext("acme"));
    companies.Put(acme);
  }
  notify::testing::FakeCompanyStore companies;
  notify::SecretBox box;
  notify::CompanyDirectory directory;
  RecordingEvents events;
  prometheus::Registry registry;
  notify::Ingest ingest;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static World* const world = new World();
  world->events.stored.clear();
  const bool wrong_secret = (data[0] & 1) != 0;
  const absl::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const absl::StatusOr<notify::IngestResult> result =
      world->ingest.Receive(wrong_secret ? "Secret nope" : "Secret s3cret", body);
  if (!result.ok()) {
    const absl::StatusCode code = result.status().code();
    Require(world->events.stored.empty(), "a refused event stores nothing", result.status());
    Require((code == absl::StatusCode::kUnauthenticated &&
             notify::ReasonOf(result.status()) == "WEBHOOK_SECRET_INVALID") ||
                (code == absl::StatusCode::kInvalidArgument &&
                 notify::ReasonOf(result.status()) == "WEBHOOK_PAYLOAD_INVALID"),
            "a refusal is a bad secret or a bad payload, with its reason", result.status());
    return 0;
  }
  Require(!wrong_secret, "a wrong secret stores nothing", absl::OkStatus());
  Require(world->events.stored.size() == 1, "an accepted event is stored once", absl::OkStatus());
  const notify::NewEvent& stored = world->events.stored[0];
  Require(stored.payload == body, "the event is stored as posted", absl::OkStatus());
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  Require(parsed.is_object() && parsed.contains("data") && parsed["data"].is_object(),
          "what is stored is an object with object data", absl::OkStatus());
  Require(stored.company == "acme" && parsed["company"] == "acme",
          "the event is the company's whose secret it carries", absl::OkStatus());
  Require(!stored.event_id.empty() && !stored.name.empty() && stored.name == parsed["event"],
          "the stored id and name are the body's", absl::OkStatus());
  Require(parsed.dump().find("\\u0000") == std::string::npos,
          "nothing stored holds a NUL, which jsonb refuses", absl::OkStatus());
  return 0;
}
