// What the tests of the delivery engine's parts stand on: a fake clock, companies in memory behind
// a real directory, a fake delivery store and provider, metrics, and randomness from a fixed seed.
#ifndef NOTIFY_TESTS_FAKES_DELIVERY_FAKES_H_
#define NOTIFY_TESTS_FAKES_DELIVERY_FAKES_H_

#include <cstdint>
#include <string>

#include "prometheus/registry.h"
#include "server/common/crypto.h"
#include "server/common/random.h"
#include "server/delivery/delivery_metrics.h"
#include "server/store/company_directory.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_company_store.h"
#include "tests/fakes/fake_delivery_store.h"
#include "tests/fakes/fake_dispatcher.h"

namespace notify::testing {

struct DeliveryFakes {
  explicit DeliveryFakes(uint64_t seed)
      : box(*SecretBox::FromHex(std::string(64, 'd'))),
        directory(&companies, &box, &clock, absl::Minutes(1)),
        store(&clock),
        metrics(registry),
        random(seed) {}

  // A company with a webhook secret sealed as the server seals it.
  void AddCompany(const std::string& id, bool active) {
    CompanyRecord company;
    company.id = id;
    company.active = active;
    company.sealed_webhook_secret = box.Seal("secret", WebhookSecretContext(id));
    companies.Put(company);
  }

  FakeClock clock;
  FakeCompanyStore companies;
  SecretBox box;
  CompanyDirectory directory;
  FakeDeliveryStore store;
  FakeDispatcher providers;
  prometheus::Registry registry;
  delivery::DeliveryMetrics metrics;
  SharedRandom random;
};

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_FAKES_DELIVERY_FAKES_H_
