// The REST routes, read from the services' google.api.http options (AIP-127): every binding of
// every method, with its path template, and the matching of a request path against them.
#ifndef NOTIFY_GATEWAY_REST_ROUTE_TABLE_H_
#define NOTIFY_GATEWAY_REST_ROUTE_TABLE_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace notify::gateway {

// One HTTP binding of a method.
struct RestBinding {
  const google::protobuf::MethodDescriptor* method = nullptr;
  // "GET", "POST", "PUT", "PATCH" or "DELETE".
  std::string verb;
  // The template as declared, without its leading slash: "admin/notifications/{id}/".
  std::string path;
  // Each segment: a literal, or (when `variable`) the dotted request field it sets.
  struct Segment {
    std::string text;
    bool variable = false;
  };
  std::vector<Segment> segments;
  // The request field the body fills: "" (no body), "*" (the whole request) or a field name.
  std::string body;
  // The response field answered: "" for the whole response.
  std::string response_body;
};

class RouteTable {
 public:
  // Reads every method's bindings. A malformed template is a bug in the protos: it dies.
  explicit RouteTable(const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  struct Match {
    const RestBinding* binding = nullptr;
    // (dotted request field, decoded segment) for each variable.
    std::vector<std::pair<std::string, std::string>> variables;
  };

  // The binding for `verb` and `path` (relative to the API prefix, with or without its trailing
  // slash); where several match, literal segments win over variables, from the left.
  std::optional<Match> Find(absl::string_view verb, absl::string_view path) const;

  // The verbs some binding takes for `path`, sorted; empty when no binding has that path.
  std::vector<std::string> VerbsFor(absl::string_view path) const;

  const std::vector<RestBinding>& bindings() const { return bindings_; }

 private:
  std::vector<RestBinding> bindings_;
  // The bindings by verb and number of segments, the only ones a path can match.
  std::map<std::pair<std::string, size_t>, std::vector<const RestBinding*>, std::less<>> by_shape_;
};

}  // namespace notify::gateway

#endif  // NOTIFY_GATEWAY_REST_ROUTE_TABLE_H_
