#include "server/api/field_mask.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/field_mask_util.h"
#include "server/common/status.h"

namespace notify::api {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::util::FieldMaskUtil;

absl::Status BadPath(const std::string& path, absl::string_view why) {
  return WithField(
      WithReason(absl::InvalidArgumentError(absl::StrCat("update_mask: \"", path, "\" ", why)),
                 "INVALID_UPDATE_MASK"),
      "update_mask");
}

}  // namespace

absl::Status ApplyUpdateMask(const google::protobuf::Message& source,
                             const google::protobuf::FieldMask& mask,
                             const std::set<std::string>& output_only,
                             google::protobuf::Message* target) {
  google::protobuf::FieldMask effective = mask;
  if (effective.paths().empty()) {
    std::vector<const FieldDescriptor*> set_fields;
    source.GetReflection()->ListFields(source, &set_fields);
    for (const FieldDescriptor* field : set_fields) {
      if (!output_only.count(field->name())) effective.add_paths(field->name());
    }
  }
  for (const std::string& path : effective.paths()) {
    const std::string top = path.substr(0, path.find('.'));
    if (output_only.count(top) || output_only.count(path)) {
      return BadPath(path, "cannot be changed");
    }
    std::vector<const FieldDescriptor*> fields;
    if (!FieldMaskUtil::GetFieldDescriptors(source.GetDescriptor(), path, &fields)) {
      return BadPath(path, absl::StrCat("is not a field of ", source.GetDescriptor()->name()));
    }
  }
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(source, effective, options, target);
  return absl::OkStatus();
}

}  // namespace notify::api
