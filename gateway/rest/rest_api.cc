#include "gateway/rest/rest_api.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/http_status.h"
#include "gateway/rest/json_codec.h"
#include "gateway/rest/url.h"
#include "google/protobuf/field_mask.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "notifications/v1/admin_service.pb.h"
#include "notifications/v1/user_service.pb.h"
#include "notifications/v1/webhook_service.pb.h"

namespace notify::gateway {
namespace {

namespace pb = google::protobuf;
namespace http = boost::beast::http;
namespace v1 = notifications::v1;
using json = nlohmann::json;

constexpr int kDefaultPageSize = 15;
constexpr int kMaxPageSize = 250;

absl::string_view Header(const HttpRequest& request, absl::string_view name) {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  if (it == request.end()) return {};
  return {it->value().data(), it->value().size()};
}

// The request's URL without its query: scheme, host and path.
std::string BaseUrl(const HttpRequest& request, const std::string& public_url) {
  absl::string_view target(request.target().data(), request.target().size());
  const absl::string_view path = target.substr(0, target.find('?'));
  if (!public_url.empty()) return absl::StrCat(absl::StripSuffix(public_url, "/"), path);
  absl::string_view scheme = Header(request, "X-Forwarded-Proto");
  scheme = scheme.substr(0, scheme.find(','));
  absl::string_view host = Header(request, "X-Forwarded-Host");
  host = host.substr(0, host.find(','));
  if (host.empty()) host = Header(request, "Host");
  if (scheme.empty()) scheme = "http";
  return absl::StrCat(absl::StripAsciiWhitespace(scheme), "://", absl::StripAsciiWhitespace(host),
                      path);
}

// The list's URL for `page` (without the parameter for page 1, as the platform's lists do).
std::string PageUrl(const std::string& base,
                    const std::vector<std::pair<std::string, std::string>>& query, int page) {
  std::vector<std::string> parts;
  bool placed = false;
  for (const auto& [key, value] : query) {
    if (key == "page") {
      if (!placed && page > 1) parts.push_back(absl::StrCat("page=", page));
      placed = true;
      continue;
    }
    parts.push_back(absl::StrCat(PercentEncode(key), "=", PercentEncode(value)));
  }
  if (!placed && page > 1) parts.push_back(absl::StrCat("page=", page));
  return parts.empty() ? base : absl::StrCat(base, "?", absl::StrJoin(parts, "&"));
}

std::string SuccessBody(absl::string_view data) {
  if (data.empty() || data == "{}") return R"({"status":"success"})";
  return absl::StrCat(R"({"status":"success","data":)", data, "}");
}

// The errors' summary: "field: first error." for each field at fault.
std::string Summary(const json& errors, const std::string& prefix = "") {
  std::vector<std::string> parts;
  for (const auto& [key, value] : errors.items()) {
    const std::string name = prefix.empty() ? key : absl::StrCat(prefix, ".", key);
    if (value.is_array() && !value.empty() && value[0].is_string()) {
      parts.push_back(key == "non_field_errors"
                          ? value[0].get<std::string>()
                          : absl::StrCat(name, ": ", value[0].get<std::string>()));
    } else if (value.is_object()) {
      parts.push_back(Summary(value, name));
    }
  }
  return absl::StrJoin(parts, " ");
}

HttpResponse Invalid(const json& errors) { return Failure(400, Summary(errors), errors); }

// The single repeated message field of a list response (its results).
const pb::FieldDescriptor* ResultsField(const pb::Descriptor* response) {
  for (int i = 0; i < response->field_count(); ++i) {
    const pb::FieldDescriptor* f = response->field(i);
    if (f->is_repeated() && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) return f;
  }
  return nullptr;
}

bool IsJson(const HttpRequest& request) {
  absl::string_view type = Header(request, "Content-Type");
  type = absl::StripAsciiWhitespace(type.substr(0, type.find(';')));
  return absl::EqualsIgnoreCase(type, "application/json");
}

struct Call {
  grpc::ClientContext context;
  std::unique_ptr<pb::Message> request;
  std::unique_ptr<pb::Message> response;
};

}  // namespace

std::vector<const pb::ServiceDescriptor*> ApiServices() {
  // Reached through a message of each file, which links the file's descriptors into the binary.
  return {v1::ActivateRequest::descriptor()->file()->FindServiceByName("AdminService"),
          v1::ListUserNotificationsRequest::descriptor()->file()->FindServiceByName("UserService"),
          v1::ReceiveEventRequest::descriptor()->file()->FindServiceByName("WebhookService")};
}

bool IsPagedList(const pb::MethodDescriptor* method) {
  const pb::Descriptor* in = method->input_type();
  const pb::Descriptor* out = method->output_type();
  const pb::FieldDescriptor* size = in->FindFieldByName("page_size");
  const pb::FieldDescriptor* skip = in->FindFieldByName("skip");
  return size != nullptr && skip != nullptr &&
         size->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32 &&
         skip->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32 &&
         out->FindFieldByName("next_page_token") != nullptr && ResultsField(out) != nullptr;
}

RestApi::RestApi(std::shared_ptr<grpc::Channel> channel,
                 std::vector<const pb::ServiceDescriptor*> services, Options options)
    : channel_(std::move(channel)),
      stub_(std::make_unique<
            grpc::TemplatedGenericStub<google::protobuf::Message, google::protobuf::Message>>(
          channel_)),
      views_(services),
      routes_(services),
      options_(std::move(options)) {}

void RestApi::SetOverride(const std::string& method, Override handler) {
  overrides_[method] = std::move(handler);
}

std::optional<RouteTable::Match> RestApi::Match(absl::string_view verb,
                                                absl::string_view path) const {
  return routes_.Find(verb == "HEAD" ? "GET" : verb, path);
}

void RestApi::Handle(const HttpRequest& http_request, absl::string_view path,
                     const std::optional<RouteTable::Match>& match, HttpResponder respond) const {
  std::string verb(http_request.method_string().data(), http_request.method_string().size());
  if (verb == "HEAD") verb = "GET";
  if (!match.has_value()) {
    const std::vector<std::string> verbs = routes_.VerbsFor(path);
    if (verbs.empty()) {
      respond(Failure(404, "Not found."));
      return;
    }
    HttpResponse response = Failure(405, absl::StrCat("Method \"", verb, "\" not allowed."));
    response.headers.emplace_back("Allow", absl::StrJoin(verbs, ", ") + ", OPTIONS");
    respond(std::move(response));
    return;
  }
  const RestBinding& binding = *match->binding;
  const pb::MethodDescriptor* method = binding.method;
  if (auto it = overrides_.find(method->full_name()); it != overrides_.end()) {
    it->second(http_request, std::move(respond));
    return;
  }

  auto call = std::make_shared<Call>();
  pb::MessageFactory* factory = pb::MessageFactory::generated_factory();
  call->request.reset(factory->GetPrototype(method->input_type())->New());
  call->response.reset(factory->GetPrototype(method->output_type())->New());
  pb::Message* request = call->request.get();
  const RestView& request_view = views_.Of(method->input_type());
  json errors = json::object();

  const bool created = verb == "POST" && absl::StartsWith(method->name(), "Create");
  // The body.
  pb::Message* body_target = nullptr;
  if (!binding.body.empty()) {
    const std::string& text = http_request.body();
    if (!absl::StripAsciiWhitespace(text).empty() && !IsJson(http_request)) {
      respond(Failure(415, "The body must be JSON (Content-Type: application/json)."));
      return;
    }
    json body = absl::StripAsciiWhitespace(text).empty() ? json::object() : ParseBody(text);
    if (body.is_discarded()) {
      respond(Failure(400, "The body is not valid JSON (or nests deeper than 32 levels)."));
      return;
    }
    if (created && body.is_object()) {
      // The platform's defaults, where they are not the proto's.
      const pb::Descriptor* target =
          binding.body == "*" ? method->input_type()
                              : method->input_type()->FindFieldByName(binding.body)->message_type();
      for (const RestField& field : views_.Of(target).fields()) {
        if (!field.create_default.empty() && field.input && !body.contains(field.name)) {
          body[field.name] = json::parse(field.create_default);
        }
      }
    }
    if (binding.body == "*") {
      body_target = request;
    } else {
      const pb::FieldDescriptor* f = method->input_type()->FindFieldByName(binding.body);
      body_target = request->GetReflection()->MutableMessage(request, f);
    }
    std::vector<std::string> paths;
    ReadJson(views_, body, {.check_required = verb == "POST" || verb == "PUT"}, body_target,
             &errors, &paths);
    if (const pb::FieldDescriptor* mask = method->input_type()->FindFieldByName("update_mask");
        mask != nullptr && mask->message_type() == pb::FieldMask::descriptor() &&
        (verb == "PATCH" || verb == "PUT")) {
      auto* field_mask =
          static_cast<pb::FieldMask*>(request->GetReflection()->MutableMessage(request, mask));
      for (std::string& p : paths) field_mask->add_paths(std::move(p));
    }
  }

  // The query string: filters, and the page of a list.
  const bool paged = IsPagedList(method);
  int page = 1;
  int page_size = kDefaultPageSize;
  const auto parsed_query = QueryOf({http_request.target().data(), http_request.target().size()});
  if (!parsed_query.has_value()) {
    respond(Failure(400,
                    "The query string has a malformed %-escape, or one that decodes to text that "
                    "is not UTF-8."));
    return;
  }
  const std::vector<std::pair<std::string, std::string>>& query = *parsed_query;
  std::map<std::string, std::vector<std::string>> params;
  for (const auto& [key, value] : query) params[key].push_back(value);
  for (const auto& [key, values] : params) {
    if (paged && (key == "page" || key == "page_size")) {
      int n = 0;
      if (!absl::SimpleAtoi(values.back(), &n) || n < 1) {
        errors[key] = {key == "page" ? "Invalid page: give a whole number of 1 or more."
                                     : "Give a whole number of 1 or more."};
        continue;
      }
      (key == "page" ? page : page_size) = n;
      continue;
    }
    const RestField* field = request_view.Find(key);
    const bool bound_elsewhere =
        field != nullptr &&
        (binding.body == "*" || (!binding.body.empty() && field->path[0]->name() == binding.body) ||
         std::any_of(match->variables.begin(), match->variables.end(),
                     [&](const auto& v) { return v.first == field->ProtoPath(); }) ||
         (paged && (field->ProtoPath() == "page_token" || field->ProtoPath() == "skip")));
    if (field == nullptr || !field->input || bound_elsewhere) {
      errors[key] = {"Unknown query parameter."};
      continue;
    }
    std::string error;
    if (!ReadQueryField(*field, values, request, &error)) errors[key] = {error};
  }
  if (paged) {
    page_size = std::min(page_size, kMaxPageSize);
    const int64_t skip = static_cast<int64_t>(page - 1) * page_size;
    if (skip > std::numeric_limits<int32_t>::max()) {
      errors["page"] = {"Invalid page."};
    } else {
      const pb::Reflection* r = request->GetReflection();
      r->SetInt32(request, method->input_type()->FindFieldByName("page_size"), page_size);
      r->SetInt32(request, method->input_type()->FindFieldByName("skip"),
                  static_cast<int32_t>(skip));
    }
  }

  // Path variables last: they win over anything the body said of the same field.
  for (const auto& [field_path, value] : match->variables) SetPathField(field_path, value, request);

  if (!errors.empty()) {
    respond(Invalid(errors));
    return;
  }

  // The platform's token travels on as metadata; gRPC refuses metadata that is not printable
  // ASCII, and such a header is no token of the platform's.
  const absl::string_view authorization = Header(http_request, "Authorization");
  for (unsigned char c : authorization) {
    if (c < 0x20 || c > 0x7e) {
      respond(Failure(401, "Invalid token header."));
      return;
    }
  }
  if (!authorization.empty()) {
    call->context.AddMetadata("authorization", std::string(authorization));
  }
  const absl::Duration timeout = options_.slow_methods.count(method->full_name()) > 0
                                     ? options_.slow_call_timeout
                                     : options_.call_timeout;
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));

  const std::string rpc = absl::StrCat("/", method->service()->full_name(), "/", method->name());
  const std::string base = paged ? BaseUrl(http_request, options_.public_url) : "";
  const RestView* body_view =
      body_target == nullptr ? nullptr : &views_.Of(body_target->GetDescriptor());
  stub_->UnaryCall(
      &call->context, rpc, grpc::StubOptions(), call->request.get(), call->response.get(),
      [this, call, respond = std::move(respond), &binding, &request_view, body_view, paged, page,
       page_size, base, query, created](grpc::Status status) {
        if (!status.ok()) {
          respond(FromGrpcError(status, [&](const std::string& proto_path) {
            std::vector<std::string> keys;
            if (body_view != nullptr) keys = RestPathOf(views_, *body_view, proto_path);
            if (keys.empty()) keys = RestPathOf(views_, request_view, proto_path);
            return keys;
          }));
          return;
        }
        const pb::Message& response = *call->response;
        const pb::Reflection* r = response.GetReflection();
        std::string data;
        if (paged) {
          const pb::Descriptor* d = response.GetDescriptor();
          const pb::FieldDescriptor* results = ResultsField(d);
          const int n = r->FieldSize(response, results);
          const pb::FieldDescriptor* total = d->FindFieldByName("total_size");
          const int64_t count = total != nullptr ? r->GetInt32(response, total)
                                                 : static_cast<int64_t>(page - 1) * page_size + n;
          if (page > 1 && n == 0) {
            respond(Failure(404, "Invalid page."));
            return;
          }
          const bool more =
              !r->GetString(response, d->FindFieldByName("next_page_token")).empty() ||
              static_cast<int64_t>(page) * page_size < count;
          data = absl::StrCat(R"({"count":)", count, R"(,"next":)");
          if (more) {
            WriteJsonString(PageUrl(base, query, page + 1), &data);
          } else {
            data.append("null");
          }
          data.append(R"(,"previous":)");
          if (page > 1) {
            WriteJsonString(PageUrl(base, query, page - 1), &data);
          } else {
            data.append("null");
          }
          data.append(R"(,"results":[)");
          for (int i = 0; i < n; ++i) {
            if (i > 0) data.push_back(',');
            WriteJson(views_, r->GetRepeatedMessage(response, results, i), &data);
          }
          data.append("]}");
        } else if (!binding.response_body.empty()) {
          const pb::FieldDescriptor* f =
              response.GetDescriptor()->FindFieldByName(binding.response_body);
          WriteJson(views_, r->GetMessage(response, f), &data);
        } else {
          WriteJson(views_, response, &data);
        }
        HttpResponse answer;
        answer.status = created ? 201 : 200;
        answer.body = SuccessBody(data);
        respond(std::move(answer));
      });
}

}  // namespace notify::gateway
