// Messages to and from the REST face's JSON, through their RestView: REST names, enum spellings,
// times in milliseconds, Structs as plain objects, oneofs and groups as objects, inline messages
// spread. Errors are collected per field, in the platform's shape: {"field": ["What is wrong."]},
// and
// {"object": {"field": [...]}} for a field inside an object.
#ifndef NOTIFY_GATEWAY_REST_JSON_CODEC_H_
#define NOTIFY_GATEWAY_REST_JSON_CODEC_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/rest/rest_view.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

namespace notify::gateway {

// Appends `message` as a JSON object of its output fields. Unset times, messages, Structs, oneofs
// and optional scalars are null, enum values 0 are null; text that is not valid UTF-8 has U+FFFD
// in place of each bad sequence.
void WriteJson(const RestViews& views, const google::protobuf::Message& message, std::string* out);

// Appends `text` as a JSON string (see WriteJson for UTF-8).
void WriteJsonString(absl::string_view text, std::string* out);

// How ReadJson reads.
struct ReadOptions {
  // Fields marked required must be present (a create, a full update).
  bool check_required = false;
};

// Reads the JSON object `object` into `message`. Unknown keys and values of the wrong kind add to
// `errors` (a JSON object); output-only fields are passed over. The dotted proto path of each field
// set is appended to `paths` (the update mask of a partial update): a nested object gives the paths
// of its own fields, a oneof's discriminator none.
void ReadJson(const RestViews& views, const nlohmann::json& object, const ReadOptions& options,
              google::protobuf::Message* message, nlohmann::json* errors,
              std::vector<std::string>* paths);

// Reads one query parameter's values into `field` of `message` (a scalar, an enum, a time, or a
// repeated one of these; commas separate the values of a repeated field too). False with `error`
// set when a value does not fit.
bool ReadQueryField(const RestField& field, const std::vector<std::string>& values,
                    google::protobuf::Message* message, std::string* error);

// Sets the field at the dotted proto `path` of `message` (a string or an integer field) from a path
// parameter. False when the path names no such field.
bool SetPathField(absl::string_view path, absl::string_view value,
                  google::protobuf::Message* message);

// The REST keys that lead to the field at the dotted proto `path` from `view` ("twilio.auth_token"
// is {"credentials", "twilio_token"}); empty when `path` names no REST field.
std::vector<std::string> RestPathOf(const RestViews& views, const RestView& view,
                                    absl::string_view path);

// Parses a request body: a JSON value, or a discarded value when the text is not JSON or nests
// deeper than `max_depth`.
nlohmann::json ParseBody(absl::string_view text, int max_depth = 32);

}  // namespace notify::gateway

#endif  // NOTIFY_GATEWAY_REST_JSON_CODEC_H_
