#include "gateway/rest/route_table.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/rest/url.h"
#include "google/api/annotations.pb.h"
#include "server/common/log.h"

namespace notify::gateway {
namespace {

namespace pb = google::protobuf;

std::vector<absl::string_view> Segments(absl::string_view path) {
  path = absl::StripPrefix(path, "/");
  path = absl::StripSuffix(path, "/");
  if (path.empty()) return {};
  return absl::StrSplit(path, '/');
}

void Add(const pb::MethodDescriptor* method, const google::api::HttpRule& rule,
         std::vector<RestBinding>* out) {
  RestBinding binding;
  binding.method = method;
  binding.body = rule.body();
  binding.response_body = rule.response_body();
  std::string path;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      binding.verb = "GET", path = rule.get();
      break;
    case google::api::HttpRule::kPost:
      binding.verb = "POST", path = rule.post();
      break;
    case google::api::HttpRule::kPut:
      binding.verb = "PUT", path = rule.put();
      break;
    case google::api::HttpRule::kPatch:
      binding.verb = "PATCH", path = rule.patch();
      break;
    case google::api::HttpRule::kDelete:
      binding.verb = "DELETE", path = rule.delete_();
      break;
    default:
      log::Error("unsupported http rule", {{"method", method->full_name()}});
      std::abort();
  }
  binding.path = std::string(absl::StripPrefix(path, "/"));
  for (absl::string_view segment : Segments(path)) {
    RestBinding::Segment s;
    if (absl::StartsWith(segment, "{") && absl::EndsWith(segment, "}")) {
      s.variable = true;
      s.text = std::string(segment.substr(1, segment.size() - 2));
      if (absl::StrContains(s.text, "=")) {
        log::Error("path variables with patterns are not supported",
                   {{"method", method->full_name()}, {"path", path}});
        std::abort();
      }
    } else {
      s.text = std::string(segment);
    }
    binding.segments.push_back(std::move(s));
  }
  out->push_back(std::move(binding));
  for (const google::api::HttpRule& more : rule.additional_bindings()) Add(method, more, out);
}

}  // namespace

RouteTable::RouteTable(const std::vector<const pb::ServiceDescriptor*>& services) {
  for (const pb::ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* method = service->method(i);
      if (!method->options().HasExtension(google::api::http)) continue;
      Add(method, method->options().GetExtension(google::api::http), &bindings_);
    }
  }
  for (const RestBinding& binding : bindings_) {
    by_shape_[{binding.verb, binding.segments.size()}].push_back(&binding);
  }
}

std::optional<RouteTable::Match> RouteTable::Find(absl::string_view verb,
                                                  absl::string_view path) const {
  const std::vector<absl::string_view> segments = Segments(path);
  auto shape = by_shape_.find(std::make_pair(std::string(verb), segments.size()));
  if (shape == by_shape_.end()) return std::nullopt;
  std::optional<Match> best;
  std::vector<bool> best_literals;
  for (const RestBinding* candidate : shape->second) {
    const RestBinding& binding = *candidate;
    Match match{&binding, {}};
    std::vector<bool> literals;
    bool ok = true;
    for (size_t i = 0; ok && i < segments.size(); ++i) {
      const RestBinding::Segment& s = binding.segments[i];
      if (!s.variable) {
        ok = s.text == segments[i];
        literals.push_back(true);
        continue;
      }
      std::optional<std::string> decoded = PercentDecode(segments[i], /*query=*/false);
      ok = !segments[i].empty() && decoded.has_value();
      match.variables.emplace_back(s.text, decoded.value_or(""));
      literals.push_back(false);
    }
    if (!ok) continue;
    // Literal segments win from the left: "notifications/preview/" over "notifications/{id}/".
    if (!best.has_value() || literals > best_literals) {
      best = std::move(match);
      best_literals = std::move(literals);
    }
  }
  return best;
}

std::vector<std::string> RouteTable::VerbsFor(absl::string_view path) const {
  std::set<std::string> verbs;
  for (const char* verb : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    if (Find(verb, path).has_value()) verbs.insert(verb);
  }
  return {verbs.begin(), verbs.end()};
}

}  // namespace notify::gateway
