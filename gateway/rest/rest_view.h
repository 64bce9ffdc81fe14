// The REST face of the API's messages: which fields each message has there, under which names, of
// which JSON kind, and which way each travels. Built from the descriptors and the options of
// notifications/v1/rest.proto; the JSON codec, the query parser and the OpenAPI document all read
// it, so the three cannot disagree.
#ifndef NOTIFY_GATEWAY_REST_REST_VIEW_H_
#define NOTIFY_GATEWAY_REST_REST_VIEW_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace notify::gateway {

// What a REST field holds in JSON.
enum class RestKind {
  kString,     // string: a JSON string.
  kBytes,      // bytes: a base64 JSON string.
  kBool,       // bool: true or false.
  kInteger,    // any integer type: a JSON number without a fraction.
  kNumber,     // float, double: a JSON number.
  kEnum,       // an enum: its short name (server/common/enum_names.h), null for the value 0.
  kTimestamp,  // google.protobuf.Timestamp: milliseconds since the Unix epoch, null when unset.
  kStruct,     // google.protobuf.Struct: any JSON object, null when unset.
  kMessage,    // any other message: an object of its own REST view, null when unset.
  kGroup,      // an object made of several fields of the message (RestField.group).
  kOneof,      // an object holding the fields of the oneof's member that is set (RestOneof).
};

struct RestField {
  // The JSON key.
  std::string name;
  RestKind kind = RestKind::kString;
  // The proto field, and the fields leading to it from the view's message: more than one for a
  // field of an inline message. Empty for kGroup and kOneof.
  std::vector<const google::protobuf::FieldDescriptor*> path;
  bool repeated = false;
  // Shown in answers.
  bool output = true;
  // Read from requests; a field that is not is skipped where a request carries it.
  bool input = true;
  // Required in a create's and a full update's body.
  bool required = false;
  // What a create's body takes when it leaves the field out, as JSON; empty: nothing.
  std::string create_default;
  // Absent from a message unless set (a proto3 `optional` scalar, a message field): null when
  // unset.
  bool has_presence = false;
  // kGroup: its fields. kOneof: one kMessage field per member.
  std::vector<RestField> children;
  // kOneof: the oneof, and the enum field of the same message whose value names the member (or
  // null).
  const google::protobuf::OneofDescriptor* oneof = nullptr;
  const google::protobuf::FieldDescriptor* discriminator = nullptr;

  // The proto field (the last of `path`), or null for kGroup and kOneof.
  const google::protobuf::FieldDescriptor* field() const {
    return path.empty() ? nullptr : path.back();
  }
  // The field's dotted proto path from the view's message ("notification.name").
  std::string ProtoPath() const;
};

// The REST fields of one message, in the proto's order.
class RestView {
 public:
  const google::protobuf::Descriptor* descriptor() const { return descriptor_; }
  const std::vector<RestField>& fields() const { return fields_; }
  // The field with this JSON key, or null.
  const RestField* Find(absl::string_view name) const;

 private:
  friend class RestViews;
  const google::protobuf::Descriptor* descriptor_ = nullptr;
  std::vector<RestField> fields_;
  std::map<std::string, size_t, std::less<>> by_name_;
};

// Every message view, made once from the descriptors of the services given and of every message
// they reach. Read-only after construction, so thread-safe.
class RestViews {
 public:
  explicit RestViews(const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  // The view of `descriptor`, which must be reachable from the services (else it dies: a bug).
  const RestView& Of(const google::protobuf::Descriptor* descriptor) const;

 private:
  void Build(const google::protobuf::Descriptor* descriptor);
  std::map<const google::protobuf::Descriptor*, std::unique_ptr<RestView>> views_;
};

// The JSON kind of a proto field (kGroup and kOneof are never a single field's).
RestKind KindOf(const google::protobuf::FieldDescriptor* field);

}  // namespace notify::gateway

#endif  // NOTIFY_GATEWAY_REST_REST_VIEW_H_
