// Cross-origin calls from browsers (the platform's dashboard and wallet apps run on other origins):
// which origins may call the REST face, and the headers that tell a browser so.
#ifndef NOTIFY_GATEWAY_CORS_H_
#define NOTIFY_GATEWAY_CORS_H_

#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/common/http_server.h"

namespace notify::gateway {

// Thread-safe (read-only after construction).
class Cors {
 public:
  // `origins` are exact origins ("https://dashboard.rehive.com"); "*" allows any. None: no
  // cross-origin call is allowed.
  explicit Cors(const std::vector<std::string>& origins);

  bool Allowed(absl::string_view origin) const;

  // Adds Access-Control-Allow-Origin (the origin itself), Vary: Origin and
  // Access-Control-Expose-Headers to an answer to an allowed origin; nothing otherwise.
  void Decorate(absl::string_view origin, HttpResponse* response) const;

  // The answer to a preflight (OPTIONS with Access-Control-Request-Method) from `origin` for a path
  // whose routes take `verbs`: 204 with the methods and the headers allowed (Authorization,
  // Content-Type), or 403 for an origin not allowed or a method no route takes.
  HttpResponse Preflight(absl::string_view origin, absl::string_view method,
                         const std::vector<std::string>& verbs) const;

 private:
  bool any_ = false;
  std::set<std::string, std::less<>> origins_;
};

}  // namespace notify::gateway

#endif  // NOTIFY_GATEWAY_CORS_H_
