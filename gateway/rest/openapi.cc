#include "gateway/rest/openapi.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"
#include "server/common/enum_names.h"

namespace notify::gateway {
namespace {

namespace pb = google::protobuf;
using ojson = nlohmann::ordered_json;

std::string SchemaName(const pb::Descriptor* d) { return d->name(); }
std::string Ref(const std::string& name) { return "#/components/schemas/" + name; }

ojson Nullable(ojson schema) { return {{"anyOf", {std::move(schema), {{"type", "null"}}}}}; }

// A path variable's name in the document: the collection before it, in the singular, with "_id"
// ("notifications/{id}" is "notifications/{notification_id}"), so that the bindings of one path
// (a GET by `id`, a PATCH by `notification.id`) name it alike, as OpenAPI requires.
std::string VariableName(const RestBinding& binding, size_t index) {
  std::string collection = index > 0 ? binding.segments[index - 1].text : "resource";
  if (!collection.empty() && collection.back() == 's') collection.pop_back();
  return absl::StrReplaceAll(collection, {{"-", "_"}}) + "_id";
}

std::string DocumentPath(const RestBinding& binding) {
  std::string path;
  for (size_t i = 0; i < binding.segments.size(); ++i) {
    const RestBinding::Segment& s = binding.segments[i];
    absl::StrAppend(&path, "/", s.variable ? "{" + VariableName(binding, i) + "}" : s.text);
  }
  return path + "/";
}

class Writer {
 public:
  explicit Writer(const RestApi& api) : api_(api) {}

  // The schema of one value of `field` (an element, for a repeated one).
  ojson Value(const RestField& field, bool input) {
    switch (field.kind) {
      case RestKind::kString:
        return {{"type", "string"}};
      case RestKind::kBytes:
        return {{"type", "string"}, {"contentEncoding", "base64"}};
      case RestKind::kBool:
        return {{"type", "boolean"}};
      case RestKind::kInteger:
        return {{"type", "integer"}};
      case RestKind::kNumber:
        return {{"type", "number"}};
      case RestKind::kEnum: {
        ojson values = ojson::array();
        const pb::EnumDescriptor* e = field.field()->enum_type();
        for (int i = 0; i < e->value_count(); ++i) {
          if (e->value(i)->number() != 0) values.push_back(ShortName(e->value(i)));
        }
        if (input) values.push_back("");
        values.push_back(nullptr);
        return {{"enum", values}};
      }
      case RestKind::kTimestamp:
        return {{"type", field.repeated ? ojson("integer") : ojson({"integer", "null"})},
                {"description", "Milliseconds since the Unix epoch."}};
      case RestKind::kStruct:
        return {{"type", field.repeated ? ojson("object") : ojson({"object", "null"})}};
      case RestKind::kMessage: {
        const std::string name = Message(field.field()->message_type(), input);
        ojson ref = {{"$ref", Ref(name)}};
        return field.repeated ? ref : Nullable(ref);
      }
      case RestKind::kGroup:
        return Object(field.children, input);
      case RestKind::kOneof: {
        ojson any = ojson::array();
        for (const RestField& member : field.children) {
          any.push_back({{"$ref", Ref(Message(member.field()->message_type(), input))}});
        }
        any.push_back({{"type", "null"}});
        return {{"anyOf", any}};
      }
    }
    return ojson::object();
  }

  ojson Field(const RestField& field, bool input) {
    ojson schema = Value(field, input);
    if (field.repeated) schema = {{"type", "array"}, {"items", schema}};
    if (field.has_presence && field.kind != RestKind::kMessage && field.kind != RestKind::kOneof &&
        field.kind != RestKind::kTimestamp && field.kind != RestKind::kStruct &&
        field.kind != RestKind::kEnum) {
      schema = Nullable(schema);
    }
    return schema;
  }

  ojson Object(const std::vector<RestField>& fields, bool input) {
    ojson properties = ojson::object();
    ojson required = ojson::array();
    for (const RestField& field : fields) {
      if (input) {
        if (!field.input && !field.output) continue;
        ojson schema = Field(field, true);
        if (!field.input) schema["readOnly"] = true;
        if (!field.create_default.empty()) {
          schema["default"] = ojson::parse(field.create_default);
        }
        properties[field.name] = schema;
      } else {
        if (!field.output) continue;
        properties[field.name] = Field(field, false);
        required.push_back(field.name);
      }
    }
    ojson object = {{"type", "object"}, {"properties", properties}};
    if (!required.empty()) object["required"] = required;
    object["additionalProperties"] = false;
    return object;
  }

  // Adds the schema of `d` (answers, or request bodies when `input`) and returns its name.
  std::string Message(const pb::Descriptor* d, bool input) {
    const std::string name = SchemaName(d) + (input ? "Input" : "");
    if (done_.insert(name).second) {
      schemas_[name] = nullptr;  // Placed first: its fields may refer back to it.
      schemas_[name] = Object(api_.views().Of(d).fields(), input);
    }
    return name;
  }

  // The required fields of the body message's top level, for a create or a full update.
  static ojson Required(const RestView& view) {
    ojson required = ojson::array();
    for (const RestField& field : view.fields()) {
      if (field.required && field.input) required.push_back(field.name);
    }
    return required;
  }

  ojson Operation(const RestBinding& binding, int index) {
    const pb::MethodDescriptor* method = binding.method;
    const RestView& request = api_.views().Of(method->input_type());
    ojson op;
    op["operationId"] = absl::StrCat(method->service()->name(), "_", method->name(),
                                     index == 0 ? "" : absl::StrCat("_", index));
    op["summary"] = method->name();
    op["tags"] = {method->service()->name()};
    ojson parameters = ojson::array();
    std::set<std::string> bound;
    for (size_t i = 0; i < binding.segments.size(); ++i) {
      const RestBinding::Segment& s = binding.segments[i];
      if (!s.variable) continue;
      bound.insert(s.text);
      parameters.push_back({{"name", VariableName(binding, i)},
                            {"in", "path"},
                            {"required", true},
                            {"schema", {{"type", "string"}}}});
    }
    const bool paged = IsPagedList(method);
    if (binding.body != "*") {
      for (const RestField& field : request.fields()) {
        const std::string path = field.ProtoPath();
        if (!field.input || bound.count(path) > 0) continue;
        if (!binding.body.empty() && field.path[0]->name() == binding.body) continue;
        if (paged && (path == "page_size" || path == "page_token" || path == "skip")) continue;
        if (field.kind == RestKind::kMessage || field.kind == RestKind::kGroup ||
            field.kind == RestKind::kOneof || field.kind == RestKind::kStruct ||
            field.kind == RestKind::kBytes) {
          continue;
        }
        ojson schema = field.kind == RestKind::kTimestamp
                           ? ojson({{"type", "integer"},
                                    {"description", "Milliseconds since the Unix epoch."}})
                           : Value(field, true);
        if (field.repeated) schema = {{"type", "array"}, {"items", schema}};
        ojson parameter = {{"name", field.name}, {"in", "query"}, {"schema", schema}};
        if (field.repeated) {
          parameter["style"] = "form";
          parameter["explode"] = false;
        }
        parameters.push_back(parameter);
      }
    }
    if (paged) {
      parameters.push_back(
          {{"name", "page"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 1}}}});
      parameters.push_back(
          {{"name", "page_size"},
           {"in", "query"},
           {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 250}, {"default", 15}}}});
    }
    if (!parameters.empty()) op["parameters"] = parameters;

    if (!binding.body.empty()) {
      const pb::Descriptor* body =
          binding.body == "*" ? method->input_type()
                              : method->input_type()->FindFieldByName(binding.body)->message_type();
      ojson schema;
      if (binding.body != "*" && method->input_type()->FindFieldByName(binding.body)->type() ==
                                     pb::FieldDescriptor::TYPE_BYTES) {
        schema = {{"type", "object"}};
      } else {
        schema = {{"$ref", Ref(Message(body, true))}};
        if (binding.verb == "POST" || binding.verb == "PUT") {
          ojson required = Required(api_.views().Of(body));
          if (!required.empty()) schema = {{"allOf", {schema}}, {"required", required}};
        }
      }
      op["requestBody"] = {{"required", binding.verb != "PATCH"},
                           {"content", {{"application/json", {{"schema", schema}}}}}};
    }

    ojson data;
    bool has_data = true;
    const pb::Descriptor* out = method->output_type();
    if (paged) {
      const RestView& view = api_.views().Of(out);
      const RestField* results = nullptr;
      for (const RestField& f : view.fields()) {
        if (f.repeated && f.kind == RestKind::kMessage) results = &f;
      }
      data = {{"type", "object"},
              {"properties",
               {{"count", {{"type", "integer"}}},
                {"next", {{"type", {"string", "null"}}, {"format", "uri"}}},
                {"previous", {{"type", {"string", "null"}}, {"format", "uri"}}},
                {"results",
                 {{"type", "array"},
                  {"items", {{"$ref", Ref(Message(results->field()->message_type(), false))}}}}}}},
              {"required", {"count", "next", "previous", "results"}},
              {"additionalProperties", false}};
    } else {
      const pb::Descriptor* shown = out;
      if (!binding.response_body.empty()) {
        shown = out->FindFieldByName(binding.response_body)->message_type();
      }
      bool any_output = false;
      for (const RestField& f : api_.views().Of(shown).fields()) any_output |= f.output;
      has_data = any_output;
      if (has_data) data = {{"$ref", Ref(Message(shown, false))}};
    }
    ojson envelope = {{"type", "object"},
                      {"properties", {{"status", {{"const", "success"}}}}},
                      {"required", {"status"}},
                      {"additionalProperties", false}};
    if (has_data) {
      envelope["properties"]["data"] = data;
      envelope["required"].push_back("data");
    }
    const bool created = binding.verb == "POST" && method->name().rfind("Create", 0) == 0;
    ojson responses;
    responses[created ? "201" : "200"] = {
        {"description", "Success."}, {"content", {{"application/json", {{"schema", envelope}}}}}};
    for (const char* code : {"400", "401", "403", "404", "429", "503"}) {
      responses[code] = {{"$ref", absl::StrCat("#/components/responses/Error", code)}};
    }
    op["responses"] = responses;
    if (method->service()->name() != "WebhookService" && method->name() != "Activate" &&
        method->name() != "Deactivate" && method->name() != "Rotate") {
      op["security"] = {{{"Token", ojson::array()}}};
    }
    return op;
  }

  std::string Document(const std::string& prefix) {
    ojson paths = ojson::object();
    std::map<std::string, int> seen;  // Operation ids already used, per method.
    for (const RestBinding& binding : api_.routes().bindings()) {
      const std::string path = DocumentPath(binding);
      const int index = seen[binding.method->full_name()]++;
      paths[path][absl::AsciiStrToLower(binding.verb)] = Operation(binding, index);
    }
    ojson error = {{"type", "object"},
                   {"properties",
                    {{"status", {{"const", "error"}}},
                     {"message", {{"type", "string"}}},
                     {"data", {{"type", "object"}}}}},
                   {"required", {"status", "message"}},
                   {"additionalProperties", false}};
    schemas_["Error"] = error;
    ojson responses = ojson::object();
    for (const auto& [code, text] : std::vector<std::pair<std::string, std::string>>{
             {"400", "A field is missing or malformed; `data` names it."},
             {"401", "No token, or one the platform does not accept."},
             {"403", "The token's user may not do this."},
             {"404", "No such resource in the caller's company."},
             {"429", "Too many requests; wait as Retry-After says."},
             {"503", "The service or the platform is unavailable; try again."}}) {
      responses["Error" + code] = {
          {"description", text},
          {"content", {{"application/json", {{"schema", {{"$ref", Ref("Error")}}}}}}}};
    }
    ojson doc = {
        {"openapi", "3.1.0"},
        {"info",
         {{"title", "Rehive notification extension"},
          {"version", "1"},
          {"description",
           "The official notification extension's REST API, and this extension's own additions "
           "(events, preview, trigger, devices). Times are milliseconds since the Unix epoch; "
           "answers are {\"status\": \"success\", \"data\": ...}."}}},
        {"servers", {{{"url", prefix}}}},
        {"paths", paths},
        {"components",
         {{"schemas", schemas_},
          {"responses", responses},
          {"securitySchemes",
           {{"Token",
             {{"type", "apiKey"},
              {"in", "header"},
              {"name", "Authorization"},
              {"description", "Token <the platform token>"}}}}}}}};
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

 private:
  const RestApi& api_;
  ojson schemas_ = ojson::object();
  std::set<std::string> done_;
};

}  // namespace

std::string OpenApiDocument(const RestApi& api, const std::string& api_prefix) {
  return Writer(api).Document(api_prefix);
}

}  // namespace notify::gateway
