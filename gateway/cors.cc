#include "gateway/cors.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "gateway/http_status.h"

namespace notify::gateway {

Cors::Cors(const std::vector<std::string>& origins) {
  for (const std::string& origin : origins) {
    if (origin == "*") {
      any_ = true;
    } else {
      // "https://a.example/" and "https://a.example" are one origin; browsers send the latter.
      origins_.insert(std::string(absl::StripSuffix(origin, "/")));
    }
  }
}

bool Cors::Allowed(absl::string_view origin) const {
  if (origin.empty()) return false;
  return any_ || origins_.count(origin) > 0;
}

void Cors::Decorate(absl::string_view origin, HttpResponse* response) const {
  if (!Allowed(origin)) return;
  response->headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  response->headers.emplace_back("Vary", "Origin");
  response->headers.emplace_back("Access-Control-Expose-Headers", "Retry-After");
}

HttpResponse Cors::Preflight(absl::string_view origin, absl::string_view method,
                             const std::vector<std::string>& verbs) const {
  if (!Allowed(origin)) return Failure(403, "This origin may not call the notification service.");
  std::vector<std::string> allowed = verbs;
  if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) allowed.push_back("HEAD");
  allowed.push_back("OPTIONS");
  if (std::find(allowed.begin(), allowed.end(), method) == allowed.end()) {
    return Failure(403, "No route here takes that method.");
  }
  HttpResponse response;
  response.status = 204;
  response.content_type.clear();
  response.headers = {{"Access-Control-Allow-Origin", std::string(origin)},
                      {"Vary", "Origin"},
                      {"Access-Control-Allow-Methods", absl::StrJoin(allowed, ", ")},
                      {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                      {"Access-Control-Max-Age", "600"}};
  return response;
}

}  // namespace notify::gateway
