#include "gateway/rest/rest_view.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "notifications/v1/rest.pb.h"

namespace notify::gateway {
namespace {

namespace pb = google::protobuf;
namespace v1 = notifications::v1;

bool IsWellKnown(const pb::Descriptor* message, absl::string_view name) {
  return message->full_name() == name;
}

}  // namespace

RestKind KindOf(const pb::FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return field->type() == pb::FieldDescriptor::TYPE_BYTES ? RestKind::kBytes
                                                              : RestKind::kString;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return RestKind::kBool;
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return RestKind::kInteger;
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return RestKind::kNumber;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return RestKind::kEnum;
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      if (IsWellKnown(field->message_type(), "google.protobuf.Timestamp")) {
        return RestKind::kTimestamp;
      }
      if (IsWellKnown(field->message_type(), "google.protobuf.Struct")) return RestKind::kStruct;
      return RestKind::kMessage;
  }
  return RestKind::kString;
}

std::string RestField::ProtoPath() const {
  return absl::StrJoin(
      path, ".", [](std::string* out, const pb::FieldDescriptor* f) { out->append(f->name()); });
}

const RestField* RestView::Find(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &fields_[it->second];
}

RestViews::RestViews(const std::vector<const pb::ServiceDescriptor*>& services) {
  for (const pb::ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      Build(service->method(i)->input_type());
      Build(service->method(i)->output_type());
    }
  }
}

const RestView& RestViews::Of(const pb::Descriptor* descriptor) const {
  auto it = views_.find(descriptor);
  if (it == views_.end()) {
    // Every message a route can carry was built at start-up; anything else is a bug here.
    std::abort();
  }
  return *it->second;
}

void RestViews::Build(const pb::Descriptor* descriptor) {
  if (views_.count(descriptor) > 0) return;
  auto owned = std::make_unique<RestView>();
  RestView* view = owned.get();
  view->descriptor_ = descriptor;
  views_[descriptor] = std::move(owned);  // Before recursing: messages may refer to themselves.

  // The names the message's own fields take, which inline fields never replace.
  std::set<std::string> own;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const pb::FieldDescriptor* f = descriptor->field(i);
    const v1::RestField& options = f->options().GetExtension(v1::rest);
    if (options.hidden() || options.inline_()) continue;
    const pb::OneofDescriptor* oneof = f->real_containing_oneof();
    if (oneof != nullptr && oneof->options().HasExtension(v1::rest_oneof)) {
      own.insert(oneof->options().GetExtension(v1::rest_oneof).name());
    } else if (!options.group().empty()) {
      own.insert(options.group());
    } else {
      own.insert(options.name().empty() ? f->name() : options.name());
    }
  }

  std::vector<RestField>& fields = view->fields_;
  std::map<std::string, size_t> groups;                 // group name -> index in fields
  std::map<const pb::OneofDescriptor*, size_t> oneofs;  // oneof -> index in fields
  auto add = [&](RestField field) { fields.push_back(std::move(field)); };
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const pb::FieldDescriptor* f = descriptor->field(i);
    const v1::RestField& options = f->options().GetExtension(v1::rest);
    if (options.hidden()) continue;
    RestField field;
    field.name = options.name().empty() ? f->name() : options.name();
    field.kind = KindOf(f);
    field.path = {f};
    field.repeated = f->is_repeated();
    field.output = options.direction() != v1::REST_DIRECTION_INPUT;
    field.input = options.direction() != v1::REST_DIRECTION_OUTPUT;
    field.required = options.required();
    field.create_default = options.create_default();
    field.has_presence = !f->is_repeated() && f->has_presence();
    if (field.kind == RestKind::kMessage) Build(f->message_type());

    if (options.inline_()) {
      const RestView& inner = Of(f->message_type());
      for (RestField child : inner.fields()) {
        if (own.count(child.name) > 0) continue;
        child.path.insert(child.path.begin(), f);
        child.output = child.output && field.output;
        child.input = child.input && field.input;
        for (RestField& grandchild : child.children) {
          if (child.kind == RestKind::kGroup) grandchild.path.insert(grandchild.path.begin(), f);
        }
        own.insert(child.name);
        add(std::move(child));
      }
      continue;
    }

    const pb::OneofDescriptor* oneof = f->real_containing_oneof();
    if (oneof != nullptr && oneof->options().HasExtension(v1::rest_oneof)) {
      const v1::RestOneof& oneof_options = oneof->options().GetExtension(v1::rest_oneof);
      auto [it, inserted] = oneofs.try_emplace(oneof, fields.size());
      if (inserted) {
        RestField object;
        object.name = oneof_options.name();
        object.kind = RestKind::kOneof;
        object.oneof = oneof;
        object.has_presence = true;
        object.discriminator = descriptor->FindFieldByName(oneof_options.discriminator());
        add(std::move(object));
      }
      field.name = f->name();  // A member is known by its proto name (the discriminator's value).
      fields[it->second].children.push_back(std::move(field));
      continue;
    }

    if (!options.group().empty()) {
      auto [it, inserted] = groups.try_emplace(options.group(), fields.size());
      if (inserted) {
        RestField group;
        group.name = options.group();
        group.kind = RestKind::kGroup;
        group.output = field.output;
        group.input = field.input;
        add(std::move(group));
      }
      RestField& group = fields[it->second];
      group.output = group.output || field.output;
      group.input = group.input || field.input;
      group.children.push_back(std::move(field));
      continue;
    }
    add(std::move(field));
  }
  for (size_t i = 0; i < fields.size(); ++i) view->by_name_.emplace(fields[i].name, i);
}

}  // namespace notify::gateway
