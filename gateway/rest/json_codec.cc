#include "gateway/rest/json_codec.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/common/enum_names.h"

namespace notify::gateway {
namespace {

namespace pb = google::protobuf;
using json = nlohmann::json;

// The message that holds the last field of `path`, walking (and, when `mutate`, creating) the
// messages before it.
const pb::Message& Holder(const pb::Message& message, const RestField& field) {
  const pb::Message* m = &message;
  for (size_t i = 0; i + 1 < field.path.size(); ++i) {
    m = &m->GetReflection()->GetMessage(*m, field.path[i]);
  }
  return *m;
}
pb::Message* MutableHolder(pb::Message* message, const RestField& field) {
  pb::Message* m = message;
  for (size_t i = 0; i + 1 < field.path.size(); ++i) {
    m = m->GetReflection()->MutableMessage(m, field.path[i]);
  }
  return m;
}

// ---- Writing ------------------------------------------------------------------------------------

void WriteNumber(double value, std::string* out) {
  if (!std::isfinite(value)) {
    out->append("null");
  } else if (std::floor(value) == value && std::fabs(value) < 9007199254740992.0) {
    absl::StrAppend(out, static_cast<int64_t>(value));
  } else {
    absl::StrAppend(out, absl::StrFormat("%.17g", value));
  }
}

void WriteValue(const pb::Value& value, std::string* out);

void WriteStruct(const pb::Struct& s, std::string* out) {
  out->push_back('{');
  // Sorted keys: a map's order is not stable, an answer's should be.
  std::vector<const std::string*> keys;
  keys.reserve(s.fields_size());
  for (const auto& [key, unused] : s.fields()) keys.push_back(&key);
  std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return *a < *b; });
  bool first = true;
  for (const std::string* key : keys) {
    if (!first) out->push_back(',');
    first = false;
    WriteJsonString(*key, out);
    out->push_back(':');
    WriteValue(s.fields().at(*key), out);
  }
  out->push_back('}');
}

void WriteValue(const pb::Value& value, std::string* out) {
  switch (value.kind_case()) {
    case pb::Value::kNumberValue:
      WriteNumber(value.number_value(), out);
      break;
    case pb::Value::kStringValue:
      WriteJsonString(value.string_value(), out);
      break;
    case pb::Value::kBoolValue:
      out->append(value.bool_value() ? "true" : "false");
      break;
    case pb::Value::kStructValue:
      WriteStruct(value.struct_value(), out);
      break;
    case pb::Value::kListValue: {
      out->push_back('[');
      bool first = true;
      for (const pb::Value& item : value.list_value().values()) {
        if (!first) out->push_back(',');
        first = false;
        WriteValue(item, out);
      }
      out->push_back(']');
      break;
    }
    default:
      out->append("null");
  }
}

void WriteMessage(const RestViews& views, const pb::Message& message, std::string* out);

// One value of a field (element `index` of a repeated one, or -1).
void WriteOne(const RestViews& views, const RestField& field, const pb::Message& holder, int index,
              std::string* out) {
  const pb::FieldDescriptor* f = field.field();
  const pb::Reflection* r = holder.GetReflection();
  const bool rep = index >= 0;
  switch (field.kind) {
    case RestKind::kString: {
      std::string scratch;
      WriteJsonString(rep ? r->GetRepeatedStringReference(holder, f, index, &scratch)
                          : r->GetStringReference(holder, f, &scratch),
                      out);
      return;
    }
    case RestKind::kBytes:
      WriteJsonString(absl::Base64Escape(rep ? r->GetRepeatedString(holder, f, index)
                                             : r->GetString(holder, f)),
                      out);
      return;
    case RestKind::kBool:
      out->append((rep ? r->GetRepeatedBool(holder, f, index) : r->GetBool(holder, f)) ? "true"
                                                                                       : "false");
      return;
    case RestKind::kInteger:
      switch (f->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_INT32:
          absl::StrAppend(out,
                          rep ? r->GetRepeatedInt32(holder, f, index) : r->GetInt32(holder, f));
          return;
        case pb::FieldDescriptor::CPPTYPE_INT64:
          absl::StrAppend(out,
                          rep ? r->GetRepeatedInt64(holder, f, index) : r->GetInt64(holder, f));
          return;
        case pb::FieldDescriptor::CPPTYPE_UINT32:
          absl::StrAppend(out,
                          rep ? r->GetRepeatedUInt32(holder, f, index) : r->GetUInt32(holder, f));
          return;
        default:
          absl::StrAppend(out,
                          rep ? r->GetRepeatedUInt64(holder, f, index) : r->GetUInt64(holder, f));
          return;
      }
    case RestKind::kNumber:
      WriteNumber(f->cpp_type() == pb::FieldDescriptor::CPPTYPE_FLOAT
                      ? (rep ? r->GetRepeatedFloat(holder, f, index) : r->GetFloat(holder, f))
                      : (rep ? r->GetRepeatedDouble(holder, f, index) : r->GetDouble(holder, f)),
                  out);
      return;
    case RestKind::kEnum: {
      const pb::EnumValueDescriptor* value =
          rep ? r->GetRepeatedEnum(holder, f, index) : r->GetEnum(holder, f);
      if (value == nullptr || value->number() == 0) {
        out->append("null");
      } else {
        WriteJsonString(ShortName(value), out);
      }
      return;
    }
    case RestKind::kTimestamp: {
      if (!rep && !r->HasField(holder, f)) {
        out->append("null");
        return;
      }
      const auto& t = static_cast<const pb::Timestamp&>(
          rep ? r->GetRepeatedMessage(holder, f, index) : r->GetMessage(holder, f));
      absl::StrAppend(out, t.seconds() * 1000 + t.nanos() / 1000000);
      return;
    }
    case RestKind::kStruct:
      if (!rep && !r->HasField(holder, f)) {
        out->append("null");
        return;
      }
      WriteStruct(static_cast<const pb::Struct&>(rep ? r->GetRepeatedMessage(holder, f, index)
                                                     : r->GetMessage(holder, f)),
                  out);
      return;
    case RestKind::kMessage:
      if (!rep && !r->HasField(holder, f)) {
        out->append("null");
        return;
      }
      WriteMessage(views, rep ? r->GetRepeatedMessage(holder, f, index) : r->GetMessage(holder, f),
                   out);
      return;
    case RestKind::kGroup:
    case RestKind::kOneof:
      return;  // Written by WriteField.
  }
}

void WriteFields(const RestViews& views, const std::vector<RestField>& fields,
                 const pb::Message& message, std::string* out);

void WriteField(const RestViews& views, const RestField& field, const pb::Message& message,
                std::string* out) {
  if (field.kind == RestKind::kGroup) {
    WriteFields(views, field.children, message, out);
    return;
  }
  if (field.kind == RestKind::kOneof) {
    const pb::FieldDescriptor* set =
        message.GetReflection()->GetOneofFieldDescriptor(message, field.oneof);
    if (set == nullptr) {
      out->append("null");
      return;
    }
    WriteMessage(views, message.GetReflection()->GetMessage(message, set), out);
    return;
  }
  const pb::Message& holder = Holder(message, field);
  const pb::Reflection* r = holder.GetReflection();
  if (field.repeated) {
    out->push_back('[');
    const int n = r->FieldSize(holder, field.field());
    for (int i = 0; i < n; ++i) {
      if (i > 0) out->push_back(',');
      WriteOne(views, field, holder, i, out);
    }
    out->push_back(']');
    return;
  }
  if (field.has_presence && field.kind != RestKind::kMessage &&
      !r->HasField(holder, field.field())) {
    out->append("null");
    return;
  }
  WriteOne(views, field, holder, -1, out);
}

void WriteFields(const RestViews& views, const std::vector<RestField>& fields,
                 const pb::Message& message, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const RestField& field : fields) {
    if (!field.output) continue;
    if (!first) out->push_back(',');
    first = false;
    WriteJsonString(field.name, out);
    out->push_back(':');
    WriteField(views, field, message, out);
  }
  out->push_back('}');
}

void WriteMessage(const RestViews& views, const pb::Message& message, std::string* out) {
  WriteFields(views, views.Of(message.GetDescriptor()).fields(), message, out);
}

// ---- Reading ------------------------------------------------------------------------------------

const char* TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "dict";
    case json::value_t::array:
      return "list";
    case json::value_t::string:
      return "str";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::null:
      return "NoneType";
    case json::value_t::number_float:
      return "float";
    default:
      return "int";
  }
}

void AddError(json* errors, const std::string& key, const std::string& message) {
  json& list = (*errors)[key];
  if (!list.is_array()) list = json::array();
  list.push_back(message);
}

std::optional<bool> ReadBool(const json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_integer()) {
    const int64_t n = value.get<int64_t>();
    if (n == 0 || n == 1) return n == 1;
    return std::nullopt;
  }
  if (value.is_string()) {
    static const std::set<std::string> kTrue = {"t",    "T",    "y",    "Y",  "yes", "Yes", "YES",
                                                "true", "True", "TRUE", "on", "On",  "ON",  "1"};
    static const std::set<std::string> kFalse = {
        "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0"};
    const std::string& s = value.get_ref<const std::string&>();
    if (kTrue.count(s) > 0) return true;
    if (kFalse.count(s) > 0) return false;
  }
  return std::nullopt;
}

// An integer from a JSON number (without a fraction) or a string of digits.
std::optional<int64_t> ReadInteger(const json& value, bool* out_of_range) {
  *out_of_range = false;
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() &&
        value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      *out_of_range = true;
      return std::nullopt;
    }
    return value.get<int64_t>();
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::floor(d) != d) return std::nullopt;
    if (std::fabs(d) > 9.2e18) {
      *out_of_range = true;
      return std::nullopt;
    }
    return static_cast<int64_t>(d);
  }
  if (value.is_string()) {
    int64_t n = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(value.get_ref<const std::string&>()), &n)) {
      return n;
    }
  }
  return std::nullopt;
}

std::optional<absl::Time> ReadTime(const json& value) {
  bool out_of_range = false;
  if (std::optional<int64_t> ms = ReadInteger(value, &out_of_range)) {
    // Years 1 to 9999, as a Timestamp allows.
    if (*ms < -62135596800000 || *ms > 253402300799999) return std::nullopt;
    return absl::FromUnixMillis(*ms);
  }
  if (value.is_string()) {
    absl::Time t;
    std::string error;
    if (absl::ParseTime(absl::RFC3339_full, value.get_ref<const std::string&>(), &t, &error)) {
      return t;
    }
  }
  return std::nullopt;
}

void JsonToValue(const json& value, pb::Value* out);

void JsonToStruct(const json& object, pb::Struct* out) {
  for (const auto& [key, item] : object.items()) JsonToValue(item, &(*out->mutable_fields())[key]);
}

void JsonToValue(const json& value, pb::Value* out) {
  switch (value.type()) {
    case json::value_t::object:
      JsonToStruct(value, out->mutable_struct_value());
      break;
    case json::value_t::array:
      for (const json& item : value) JsonToValue(item, out->mutable_list_value()->add_values());
      out->mutable_list_value();
      break;
    case json::value_t::string:
      out->set_string_value(value.get<std::string>());
      break;
    case json::value_t::boolean:
      out->set_bool_value(value.get<bool>());
      break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      out->set_number_value(value.get<double>());
      break;
    default:
      out->set_null_value(pb::NULL_VALUE);
  }
}

class Reader {
 public:
  // `views` may be null where only scalars are read (query strings).
  Reader(const RestViews* views, const ReadOptions& options) : views_(views), options_(options) {}

  void Object(const json& object, pb::Message* message, json* errors,
              std::vector<std::string>* paths, const std::string& prefix, bool top) {
    const RestView& view = views_->Of(message->GetDescriptor());
    Fields(view.fields(), view, object, message, errors, paths, prefix, top);
  }

  // Reads one value (an element of a repeated field when `repeated_element`) into `field`; the
  // error, if any, goes to `*error`.
  bool One(const RestField& field, const json& value, pb::Message* holder, bool repeated_element,
           std::string* error, json* nested_errors, std::vector<std::string>* paths,
           const std::string& path) {
    const pb::FieldDescriptor* f = field.field();
    const pb::Reflection* r = holder->GetReflection();
    const bool rep = repeated_element;
    switch (field.kind) {
      case RestKind::kString: {
        std::string text;
        if (value.is_string()) {
          text = value.get<std::string>();
        } else if (value.is_number_integer()) {
          text = value.dump();
        } else if (value.is_number_float()) {
          text = value.dump();
        } else if (value.is_null() && !rep) {
          text.clear();
        } else {
          *error = "Not a valid string.";
          return false;
        }
        rep ? r->AddString(holder, f, std::move(text)) : r->SetString(holder, f, std::move(text));
        return true;
      }
      case RestKind::kBytes: {
        std::string bytes;
        if (!value.is_string() || !absl::Base64Unescape(value.get<std::string>(), &bytes)) {
          *error = "Not valid base64.";
          return false;
        }
        rep ? r->AddString(holder, f, std::move(bytes)) : r->SetString(holder, f, std::move(bytes));
        return true;
      }
      case RestKind::kBool: {
        std::optional<bool> b = ReadBool(value);
        if (!b.has_value()) {
          *error = value.is_null() ? "This field may not be null." : "Must be a valid boolean.";
          return false;
        }
        rep ? r->AddBool(holder, f, *b) : r->SetBool(holder, f, *b);
        return true;
      }
      case RestKind::kInteger: {
        bool out_of_range = false;
        std::optional<int64_t> n = ReadInteger(value, &out_of_range);
        int64_t min = std::numeric_limits<int64_t>::min();
        int64_t max = std::numeric_limits<int64_t>::max();
        switch (f->cpp_type()) {
          case pb::FieldDescriptor::CPPTYPE_INT32:
            min = std::numeric_limits<int32_t>::min();
            max = std::numeric_limits<int32_t>::max();
            break;
          case pb::FieldDescriptor::CPPTYPE_UINT32:
            min = 0;
            max = std::numeric_limits<uint32_t>::max();
            break;
          case pb::FieldDescriptor::CPPTYPE_UINT64:
            min = 0;
            break;
          default:
            break;
        }
        if (n.has_value() && *n < min) {
          *error = absl::StrCat("Ensure this value is greater than or equal to ", min, ".");
          return false;
        }
        if ((n.has_value() && *n > max) || out_of_range) {
          *error = absl::StrCat("Ensure this value is less than or equal to ", max, ".");
          return false;
        }
        if (!n.has_value()) {
          *error = value.is_null() ? "This field may not be null." : "A valid integer is required.";
          return false;
        }
        switch (f->cpp_type()) {
          case pb::FieldDescriptor::CPPTYPE_INT32:
            rep ? r->AddInt32(holder, f, static_cast<int32_t>(*n))
                : r->SetInt32(holder, f, static_cast<int32_t>(*n));
            break;
          case pb::FieldDescriptor::CPPTYPE_UINT32:
            rep ? r->AddUInt32(holder, f, static_cast<uint32_t>(*n))
                : r->SetUInt32(holder, f, static_cast<uint32_t>(*n));
            break;
          case pb::FieldDescriptor::CPPTYPE_UINT64:
            rep ? r->AddUInt64(holder, f, static_cast<uint64_t>(*n))
                : r->SetUInt64(holder, f, static_cast<uint64_t>(*n));
            break;
          default:
            rep ? r->AddInt64(holder, f, *n) : r->SetInt64(holder, f, *n);
        }
        return true;
      }
      case RestKind::kNumber: {
        double d = 0;
        if (value.is_number()) {
          d = value.get<double>();
        } else if (!value.is_string() ||
                   !absl::SimpleAtod(value.get_ref<const std::string&>(), &d) ||
                   !std::isfinite(d)) {
          *error = "A valid number is required.";
          return false;
        }
        if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_FLOAT) {
          rep ? r->AddFloat(holder, f, static_cast<float>(d))
              : r->SetFloat(holder, f, static_cast<float>(d));
        } else {
          rep ? r->AddDouble(holder, f, d) : r->SetDouble(holder, f, d);
        }
        return true;
      }
      case RestKind::kEnum: {
        const pb::EnumValueDescriptor* chosen = nullptr;
        if ((value.is_null() ||
             (value.is_string() && value.get_ref<const std::string&>().empty())) &&
            !rep) {
          chosen = f->enum_type()->FindValueByNumber(0);
        } else if (value.is_string()) {
          chosen = FromShortName(f->enum_type(), value.get_ref<const std::string&>());
        }
        if (chosen == nullptr) {
          *error = absl::StrCat("\"", value.is_string() ? value.get<std::string>() : value.dump(),
                                "\" is not a valid choice.");
          return false;
        }
        rep ? r->AddEnum(holder, f, chosen) : r->SetEnum(holder, f, chosen);
        return true;
      }
      case RestKind::kTimestamp: {
        if (value.is_null() && !rep) {
          r->ClearField(holder, f);
          return true;
        }
        std::optional<absl::Time> t = ReadTime(value);
        if (!t.has_value()) {
          *error =
              "Must be a time: milliseconds since the Unix epoch, or an RFC 3339 date and time.";
          return false;
        }
        auto* ts = static_cast<pb::Timestamp*>(rep ? r->AddMessage(holder, f)
                                                   : r->MutableMessage(holder, f));
        const int64_t micros = absl::ToUnixMicros(*t);
        int64_t seconds = micros / 1000000;
        int64_t rest = micros % 1000000;
        if (rest < 0) {
          rest += 1000000;
          --seconds;
        }
        ts->set_seconds(seconds);
        ts->set_nanos(static_cast<int32_t>(rest * 1000));
        return true;
      }
      case RestKind::kStruct: {
        if (value.is_null() && !rep) {
          r->ClearField(holder, f);
          return true;
        }
        if (!value.is_object()) {
          *error = absl::StrCat("Expected a dictionary of items but got type \"", TypeName(value),
                                "\".");
          return false;
        }
        auto* s =
            static_cast<pb::Struct*>(rep ? r->AddMessage(holder, f) : r->MutableMessage(holder, f));
        s->Clear();
        JsonToStruct(value, s);
        return true;
      }
      case RestKind::kMessage: {
        if (value.is_null() && !rep) {
          r->ClearField(holder, f);
          return true;
        }
        if (!value.is_object()) {
          *error =
              absl::StrCat("Invalid data. Expected a dictionary, but got ", TypeName(value), ".");
          return false;
        }
        pb::Message* inner = rep ? r->AddMessage(holder, f) : r->MutableMessage(holder, f);
        json inner_errors = json::object();
        std::vector<std::string> inner_paths;
        Object(value, inner, &inner_errors, &inner_paths, "", false);
        if (!inner_errors.empty()) {
          *nested_errors = std::move(inner_errors);
          return false;
        }
        if (paths != nullptr && !rep) {
          if (inner_paths.empty()) {
            paths->push_back(path);
          } else {
            for (const std::string& p : inner_paths) paths->push_back(absl::StrCat(path, ".", p));
          }
        }
        return true;
      }
      case RestKind::kGroup:
      case RestKind::kOneof:
        break;
    }
    return false;
  }

 private:
  void Fields(const std::vector<RestField>& fields, const RestView& view, const json& object,
              pb::Message* message, json* errors, std::vector<std::string>* paths,
              const std::string& prefix, bool top) {
    auto find = [&](const std::string& key) -> const RestField* {
      for (const RestField& f : fields) {
        if (f.name == key) return &f;
      }
      return nullptr;
    };
    for (const auto& [key, value] : object.items()) {
      const RestField* field = find(key);
      if (field == nullptr) {
        AddError(errors, key, "Unknown field.");
        continue;
      }
      if (!field->input) continue;
      Field(*field, view, object, value, message, errors, paths, prefix);
    }
    if (top && options_.check_required) {
      for (const RestField& field : fields) {
        if (field.required && field.input && !object.contains(field.name)) {
          AddError(errors, field.name, "This field is required.");
        }
      }
    }
  }

  void Field(const RestField& field, const RestView& view, const json& object, const json& value,
             pb::Message* message, json* errors, std::vector<std::string>* paths,
             const std::string& prefix) {
    if (field.kind == RestKind::kGroup) {
      if (!value.is_object()) {
        AddError(
            errors, field.name,
            absl::StrCat("Invalid data. Expected a dictionary, but got ", TypeName(value), "."));
        return;
      }
      json inner = json::object();
      Fields(field.children, view, value, message, &inner, paths, prefix, false);
      if (!inner.empty()) (*errors)[field.name] = std::move(inner);
      return;
    }
    if (field.kind == RestKind::kOneof) {
      Oneof(field, view, object, value, message, errors, paths, prefix);
      return;
    }
    pb::Message* holder = MutableHolder(message, field);
    const std::string path = prefix + field.ProtoPath();
    std::string error;
    json nested = json::object();
    const pb::Reflection* r = holder->GetReflection();
    if (field.repeated) {
      if (value.is_null()) {
        r->ClearField(holder, field.field());
      } else if (!value.is_array()) {
        AddError(errors, field.name,
                 absl::StrCat("Expected a list of items but got type \"", TypeName(value), "\"."));
        return;
      } else {
        r->ClearField(holder, field.field());
        json items = json::object();
        for (size_t i = 0; i < value.size(); ++i) {
          std::string item_error;
          json item_nested = json::object();
          if (!One(field, value[i], holder, true, &item_error, &item_nested, nullptr, path)) {
            items[std::to_string(i)] = item_error.empty() ? item_nested : json::array({item_error});
          }
        }
        if (!items.empty()) {
          (*errors)[field.name] = std::move(items);
          return;
        }
      }
      if (paths != nullptr) paths->push_back(path);
      return;
    }
    const size_t before = paths == nullptr ? 0 : paths->size();
    if (!One(field, value, holder, false, &error, &nested, paths, path)) {
      if (!error.empty()) {
        AddError(errors, field.name, error);
      } else {
        (*errors)[field.name] = std::move(nested);
      }
      return;
    }
    const bool is_discriminator =
        std::any_of(view.fields().begin(), view.fields().end(), [&](const RestField& other) {
          return other.kind == RestKind::kOneof && other.discriminator == field.field();
        });
    if (paths != nullptr && field.kind != RestKind::kMessage && !is_discriminator &&
        paths->size() == before) {
      paths->push_back(path);
    }
  }

  void Oneof(const RestField& field, const RestView& view, const json& object, const json& value,
             pb::Message* message, json* errors, std::vector<std::string>* paths,
             const std::string& prefix) {
    if (!value.is_object()) {
      AddError(errors, field.name,
               value.is_null() ? std::string("This field may not be null.")
                               : absl::StrCat("Invalid data. Expected a dictionary, but got ",
                                              TypeName(value), "."));
      return;
    }
    const RestField* member = nullptr;
    std::string discriminator_name;
    if (field.discriminator != nullptr) {
      for (const RestField& f : view.fields()) {
        if (f.field() == field.discriminator) discriminator_name = f.name;
      }
    }
    auto named = object.find(discriminator_name);
    if (!discriminator_name.empty() && named != object.end() && named->is_string()) {
      for (const RestField& m : field.children) {
        if (m.name == named->get<std::string>()) member = &m;
      }
      if (member == nullptr) return;  // The discriminator's own error says why.
    } else {
      // The one member whose fields include every key given.
      for (const RestField& m : field.children) {
        const RestView& member_view = views_->Of(m.field()->message_type());
        bool all = true;
        for (const auto& [key, unused] : value.items()) {
          if (member_view.Find(key) == nullptr) all = false;
        }
        if (all) {
          if (member != nullptr) {
            member = nullptr;
            break;
          }
          member = &m;
        }
      }
      if (member == nullptr) {
        AddError(errors, field.name,
                 discriminator_name.empty()
                     ? std::string("These keys do not belong to one kind.")
                     : absl::StrCat("These keys do not belong to one kind; give ",
                                    discriminator_name, "."));
        return;
      }
    }
    pb::Message* inner = message->GetReflection()->MutableMessage(message, member->field());
    json inner_errors = json::object();
    std::vector<std::string> inner_paths;
    Object(value, inner, &inner_errors, &inner_paths, "", false);
    if (!inner_errors.empty()) {
      (*errors)[field.name] = std::move(inner_errors);
      return;
    }
    if (paths != nullptr) {
      for (const std::string& p : inner_paths) {
        paths->push_back(absl::StrCat(prefix, member->field()->name(), ".", p));
      }
    }
  }

  const RestViews* const views_;
  const ReadOptions& options_;
};

}  // namespace

void WriteJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      // Runs of plain ASCII are the common case: copy them at once.
      size_t j = i + 1;
      while (j < n) {
        const auto d = static_cast<unsigned char>(text[j]);
        if (d < 0x20 || d >= 0x80 || d == '"' || d == '\\') break;
        ++j;
      }
      out->append(text.data() + i, j - i);
      i = j;
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        default:
          absl::StrAppend(out, absl::StrFormat("\\u%04x", c));
      }
      ++i;
      continue;
    }
    // A multi-byte sequence: copied when well-formed (no overlong forms, no surrogates, at most
    // U+10FFFF), else one U+FFFD for its first byte.
    size_t length = 0;
    uint32_t code = 0;
    uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2, code = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, code = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, code = c & 0x07, min = 0x10000;
    }
    bool valid = length > 0 && i + length <= n;
    for (size_t k = 1; valid && k < length; ++k) {
      const auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xC0) != 0x80) valid = false;
      code = (code << 6) | (d & 0x3F);
    }
    valid = valid && code >= min && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
    if (valid) {
      out->append(text.data() + i, length);
      i += length;
    } else {
      out->append("\xEF\xBF\xBD");
      ++i;
    }
  }
  out->push_back('"');
}

void WriteJson(const RestViews& views, const pb::Message& message, std::string* out) {
  WriteMessage(views, message, out);
}

void ReadJson(const RestViews& views, const json& object, const ReadOptions& options,
              pb::Message* message, json* errors, std::vector<std::string>* paths) {
  if (!object.is_object()) {
    AddError(errors, "non_field_errors",
             absl::StrCat("Invalid data. Expected a dictionary, but got ", TypeName(object), "."));
    return;
  }
  Reader(&views, options).Object(object, message, errors, paths, "", true);
}

bool ReadQueryField(const RestField& field, const std::vector<std::string>& values,
                    pb::Message* message, std::string* error) {
  switch (field.kind) {
    case RestKind::kString:
    case RestKind::kBool:
    case RestKind::kInteger:
    case RestKind::kNumber:
    case RestKind::kEnum:
    case RestKind::kTimestamp:
      break;
    default:
      *error = "This field cannot be given in the query string.";
      return false;
  }
  ReadOptions options;
  Reader reader(nullptr, options);  // Scalars never reach for a view.
  pb::Message* holder = MutableHolder(message, field);
  if (!field.repeated) {
    const std::string& text = values.back();
    json value = text;
    if (field.kind == RestKind::kEnum && text.empty()) value = nullptr;
    json unused;
    return reader.One(field, value, holder, false, error, &unused, nullptr, "");
  }
  holder->GetReflection()->ClearField(holder, field.field());
  for (const std::string& text : values) {
    for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
      json unused;
      if (!reader.One(field, json(std::string(item)), holder, true, error, &unused, nullptr, "")) {
        return false;
      }
    }
  }
  return true;
}

bool SetPathField(absl::string_view path, absl::string_view value, pb::Message* message) {
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  pb::Message* m = message;
  for (size_t i = 0; i < parts.size(); ++i) {
    const pb::FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    if (f == nullptr || f->is_repeated()) return false;
    const pb::Reflection* r = m->GetReflection();
    if (i + 1 < parts.size()) {
      if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) return false;
      m = r->MutableMessage(m, f);
      continue;
    }
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING) return false;
    r->SetString(m, f, std::string(value));
  }
  return true;
}

std::vector<std::string> RestPathOf(const RestViews& views, const RestView& view,
                                    absl::string_view path) {
  std::vector<std::string> keys;
  const RestView* current = &view;
  std::string rest(path);
  while (!rest.empty() && current != nullptr) {
    // The longest proto path a field of this view takes from the front of `rest`.
    const RestField* found = nullptr;
    const RestField* owner = nullptr;  // The group or oneof that holds `found`.
    size_t consumed = 0;
    auto consider = [&](const RestField& f, const RestField* parent) {
      const std::string p = f.ProtoPath();
      if ((rest == p || absl::StartsWith(rest, p + ".")) && p.size() > consumed) {
        found = &f;
        owner = parent;
        consumed = p.size();
      }
    };
    for (const RestField& f : current->fields()) {
      if (f.kind == RestKind::kGroup || f.kind == RestKind::kOneof) {
        for (const RestField& child : f.children) consider(child, &f);
      } else {
        consider(f, nullptr);
      }
    }
    if (found == nullptr) break;
    if (owner != nullptr) keys.push_back(owner->name);
    if (owner == nullptr || owner->kind == RestKind::kGroup) keys.push_back(found->name);
    rest = rest.size() > consumed ? rest.substr(consumed + 1) : "";
    current =
        found->kind == RestKind::kMessage ? &views.Of(found->field()->message_type()) : nullptr;
  }
  if (!rest.empty()) return {};
  return keys;
}

json ParseBody(absl::string_view text, int max_depth) {
  bool too_deep = false;
  json parsed = json::parse(
      text.begin(), text.end(),
      [&](int depth, json::parse_event_t, json&) {
        if (depth > max_depth) too_deep = true;
        return !too_deep;
      },
      false);
  if (too_deep) return json(json::value_t::discarded);
  return parsed;
}

}  // namespace notify::gateway
