// The parts of URLs the REST face reads and writes: percent-encoding (RFC 3986) of path segments
// and query parameters.
#ifndef NOTIFY_GATEWAY_REST_URL_H_
#define NOTIFY_GATEWAY_REST_URL_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace notify::gateway {

// `in` with its %XX escapes decoded (and, in a query, `+` as a space); nullopt when an escape is
// malformed or what it decodes to is not UTF-8 (no field of the API could hold it).
std::optional<std::string> PercentDecode(absl::string_view in, bool query);

// `in` with every byte but the unreserved ones (letters, digits, -._~) escaped.
std::string PercentEncode(absl::string_view in);

// The decoded (name, value) pairs of a request target's query, in order; nullopt when an escape
// in it is malformed or decodes to text that is not UTF-8.
std::optional<std::vector<std::pair<std::string, std::string>>> QueryOf(absl::string_view target);

}  // namespace notify::gateway

#endif  // NOTIFY_GATEWAY_REST_URL_H_
