#include "server/common/enum_names.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"

namespace notify {
namespace {

// "NotificationType" -> "NOTIFICATION_TYPE_": the prefix protobuf's style guide gives the values.
std::string ValuePrefix(absl::string_view camel) {
  std::string out;
  for (size_t i = 0; i < camel.size(); ++i) {
    const char c = camel[i];
    if (i > 0 && absl::ascii_isupper(c) &&
        (absl::ascii_islower(camel[i - 1]) || absl::ascii_isdigit(camel[i - 1]))) {
      out.push_back('_');
    }
    out.push_back(absl::ascii_toupper(c));
  }
  out.push_back('_');
  return out;
}

}  // namespace

std::string ShortName(const google::protobuf::EnumValueDescriptor* value) {
  if (value->number() == 0) return "";
  absl::string_view name = value->name();
  absl::ConsumePrefix(&name, ValuePrefix(value->type()->name()));
  return absl::AsciiStrToLower(name);
}

const google::protobuf::EnumValueDescriptor* FromShortName(
    const google::protobuf::EnumDescriptor* e, absl::string_view name) {
  if (name.empty()) return nullptr;
  for (int i = 0; i < e->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* value = e->value(i);
    if (value->number() != 0 && ShortName(value) == name) return value;
  }
  return nullptr;
}

namespace internal {

std::vector<std::string> ShortNames(const google::protobuf::EnumDescriptor* e) {
  int most = 0;
  for (int i = 0; i < e->value_count(); ++i) most = std::max(most, e->value(i)->number());
  // The project's enums number their values from 0 up, densely; a table indexed by number.
  std::vector<std::string> out(static_cast<size_t>(most) + 1);
  for (int i = 0; i < e->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* value = e->value(i);
    if (value->number() > 0) out[value->number()] = ShortName(value);
  }
  return out;
}

}  // namespace internal
}  // namespace notify
