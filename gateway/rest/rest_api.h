// The REST face: every route of the services' google.api.http options, transcoded generically into
// one gRPC call each. The rules that hold for every route (gateway/README.md):
// - path variables and query parameters set request fields by their REST names (RestView); a body
//   fills the field the route names, or the whole request;
// - a PATCH or PUT sets the request's `update_mask` to the fields its body carries; a POST or PUT
//   must carry the fields marked required;
// - a list (a request with page_size and skip, a response with next_page_token) takes `page` and
//   `page_size` (15 by default, at most 250) and answers {count, next, previous, results}, with
//   absolute next and previous URLs;
// - answers are {"status": "success", "data": ...}, 201 for a Create method's POST; errors are the
//   platform's envelope with the fields at fault under `data`, by their REST names.
#ifndef NOTIFY_GATEWAY_REST_REST_API_H_
#define NOTIFY_GATEWAY_REST_REST_API_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "gateway/rest/rest_view.h"
#include "gateway/rest/route_table.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "server/common/http_server.h"

namespace notify::gateway {

class RestApi {
 public:
  struct Options {
    // Deadline of each call.
    absl::Duration call_timeout = absl::Seconds(4);
    // Deadline of the methods in `slow_methods` (full names), which call the platform many times.
    absl::Duration slow_call_timeout = absl::Seconds(9);
    std::set<std::string> slow_methods;
    // The base of the absolute URLs in list answers, such as "https://notify.example.com"; empty
    // means the request's own (Host, and X-Forwarded-Proto and X-Forwarded-Host when a proxy set
    // them).
    std::string public_url;
  };

  // Answers a binding instead of a transcoded call (for example, webhooks go through a batcher).
  using Override = std::function<void(const HttpRequest& request, HttpResponder respond)>;

  RestApi(std::shared_ptr<grpc::Channel> channel,
          std::vector<const google::protobuf::ServiceDescriptor*> services, Options options);

  // Serves `method` (a full name) with `handler`, on every binding of it.
  void SetOverride(const std::string& method, Override handler);

  // The route a request's method (HEAD is GET) and path below the API prefix (such as
  // "admin/company/") take, if any.
  std::optional<RouteTable::Match> Match(absl::string_view verb, absl::string_view path) const;

  // Handles a request whose path, below the API prefix, is `path`, and `match`, its Match(): 404
  // when no route has that path, 405 (with Allow) when none takes its method. Runs on a server
  // thread and answers later, from a gRPC thread.
  void Handle(const HttpRequest& request, absl::string_view path,
              const std::optional<RouteTable::Match>& match, HttpResponder respond) const;

  // The verbs some route takes for `path` (for preflights and 405s).
  std::vector<std::string> VerbsFor(absl::string_view path) const { return routes_.VerbsFor(path); }

  const RouteTable& routes() const { return routes_; }
  const RestViews& views() const { return views_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::TemplatedGenericStub<google::protobuf::Message, google::protobuf::Message>>
      stub_;
  RestViews views_;
  RouteTable routes_;
  Options options_;
  std::map<std::string, Override> overrides_;
};

// The services of notifications.v1 (Admin, User, Webhook), whose routes the REST face serves.
std::vector<const google::protobuf::ServiceDescriptor*> ApiServices();

// Whether `method` is a list the REST face pages by number (see RestApi).
bool IsPagedList(const google::protobuf::MethodDescriptor* method);

}  // namespace notify::gateway

#endif  // NOTIFY_GATEWAY_REST_REST_API_H_
