// The short names of protobuf enum values: the value's name without its enum's prefix, in lower
// case (NOTIFICATION_TYPE_EMAIL is "email", LOG_STATUS_SENT is "sent"). The database, the REST
// face, logs and metrics spell the project's enums so; inside the server they are the generated
// enums themselves, converted here at the edges from protobuf's own names (no hand-kept tables).
// The value 0 (UNSPECIFIED) has none: its short name is "".
#ifndef NOTIFY_SERVER_COMMON_ENUM_NAMES_H_
#define NOTIFY_SERVER_COMMON_ENUM_NAMES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace notify {

std::string ShortName(const google::protobuf::EnumValueDescriptor* value);
// The value of `e` whose short name is `name`, or null (never the value 0).
const google::protobuf::EnumValueDescriptor* FromShortName(
    const google::protobuf::EnumDescriptor* e, absl::string_view name);

namespace internal {
// Every value's short name, indexed by number (numbers without a value: "").
std::vector<std::string> ShortNames(const google::protobuf::EnumDescriptor* e);
}  // namespace internal

// The short name of `value`, of a generated enum type; "" for 0 and unknown numbers. Built once
// per type; thread-safe.
template <typename E>
const std::string& ShortName(E value) {
  static const std::vector<std::string>* const names =
      new std::vector<std::string>(internal::ShortNames(google::protobuf::GetEnumDescriptor<E>()));
  static const std::string* const none = new std::string();
  const int number = static_cast<int>(value);
  return number > 0 && number < static_cast<int>(names->size()) ? (*names)[number] : *none;
}

// The value of generated enum type E whose short name is `name`; nullopt for any other name.
template <typename E>
std::optional<E> FromShortName(absl::string_view name) {
  const google::protobuf::EnumValueDescriptor* value =
      FromShortName(google::protobuf::GetEnumDescriptor<E>(), name);
  if (value == nullptr) return std::nullopt;
  return static_cast<E>(value->number());
}

// The short names of `values` joined by commas ("email,sms"), for a filter's text parameter; a
// value without a name leaves its place empty ("email,,sms"), as it was given.
template <typename E>
std::string JoinShortNames(const std::vector<E>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += ShortName(values[i]);
  }
  return out;
}

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_ENUM_NAMES_H_
