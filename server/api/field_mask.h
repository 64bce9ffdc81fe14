// Update masks (AIP-134).
#ifndef NOTIFY_SERVER_API_FIELD_MASK_H_
#define NOTIFY_SERVER_API_FIELD_MASK_H_

#include <set>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

namespace notify::api {

// Copies the fields of `source` named in `mask` onto `target` (a named message field is replaced
// whole, so "smtp" replaces the SMTP settings and "smtp.password" only the password). An empty mask
// names every field of `source` that is set to a non-default value. Fields in `output_only` (such
// as "id", "created") may not be named. InvalidArgument (reason INVALID_UPDATE_MASK, field
// "update_mask") for a path that is not a field of the message or may not be changed.
absl::Status ApplyUpdateMask(const google::protobuf::Message& source,
                             const google::protobuf::FieldMask& mask,
                             const std::set<std::string>& output_only,
                             google::protobuf::Message* target);

}  // namespace notify::api

#endif  // NOTIFY_SERVER_API_FIELD_MASK_H_
