// What the fuzz targets share: a check that stops the run with a message (libFuzzer keeps the
// input), and the event data templates and expressions are fuzzed over.
#ifndef NOTIFY_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define NOTIFY_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace notify::fuzz {

// Aborts, saying what did not hold and the status at hand, unless `holds`.
inline void Require(bool holds, const char* what, const absl::Status& status) {
  if (holds) return;
  std::fprintf(stderr, "fuzz check failed: %s (got %s)\n", what, status.ToString().c_str());
  std::abort();
}

// A platform event's data with every kind of value: strings with markup and non-ASCII text,
// numbers of each kind, booleans, null, lists and nested objects.
inline const nlohmann::json& EventContext() {
  static const nlohmann::json* const context = new nlohmann::json(nlohmann::json::parse(R"({
    "user": {"id": "u1", "first_name": "Zoë", "last_name": "O'Brien <b>", "email": "zoe@example.com",
             "mobile": "+27820000000", "groups": ["vip", "staff"], "verified": true},
    "transaction": {"id": "t1", "amount": 1250, "fee": -0.5, "balance": 1e21, "currency":
                    {"code": "ZAR", "divisibility": 2}, "status": "Complete", "tx_type": "credit",
                    "created": 1700000000000, "note": null, "tags": [], "metadata": {}},
    "items": [{"name": "a", "price": 3}, {"name": "b", "price": 1.5}, {"name": "c"}],
    "text": "line one\nline two & <three>", "empty": "", "zero": 0, "big": 18446744073709551615,
    "negative": -9223372036854775808, "ratio": 0.1, "flag": false, "none": null,
    "matrix": [[1, 2], [3, [4, 5]]], "unicode": "日本語 🙂"
  })"));
  return *context;
}

}  // namespace notify::fuzz

#endif  // NOTIFY_TESTS_FUZZ_FUZZ_SUPPORT_H_
