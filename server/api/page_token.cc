#include "server/api/page_token.h"

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/common/status.h"

namespace notify::api {
namespace {

// The request without its paging fields, hashed: what a token is bound to besides list and company.
std::string Fingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const google::protobuf::Descriptor* descriptor = copy->GetDescriptor();
  const google::protobuf::Reflection* reflection = copy->GetReflection();
  for (const char* name : {"page_size", "page_token", "skip"}) {
    if (const auto* field = descriptor->FindFieldByName(name))
      reflection->ClearField(copy.get(), field);
  }
  std::string bytes;
  copy->SerializeToString(&bytes);  // Deterministic enough for one binary and one message.
  return HexEncode(Sha256(bytes));
}

std::string Context(absl::string_view list, absl::string_view company) {
  return absl::StrCat("page_token:", list, ":", company);
}

absl::Status BadPageToken() {
  return WithField(WithReason(absl::InvalidArgumentError(
                                  "The page_token is not one this list gave for this request."),
                              "INVALID_PAGE_TOKEN"),
                   "page_token");
}

}  // namespace

absl::StatusOr<int> PageSize(int requested) {
  if (requested < 0) {
    return WithField(WithReason(absl::InvalidArgumentError("The page_size must not be negative."),
                                "INVALID_FIELD"),
                     "page_size");
  }
  if (requested == 0) return kDefaultPageSize;
  return std::min(requested, kMaxPageSize);
}

absl::StatusOr<int> PageSkip(int requested) {
  if (requested < 0) {
    return WithField(
        WithReason(absl::InvalidArgumentError("skip: must not be negative"), "INVALID_FIELD"),
        "skip");
  }
  return requested;
}

std::string PageTokens::Make(absl::string_view list, absl::string_view company,
                             const google::protobuf::Message& request,
                             const nlohmann::json& cursor) const {
  const nlohmann::json body = {{"f", Fingerprint(request)}, {"c", cursor}};
  return absl::WebSafeBase64Escape(box_->Seal(body.dump(), Context(list, company)));
}

absl::StatusOr<nlohmann::json> PageTokens::Read(absl::string_view list, absl::string_view company,
                                                const google::protobuf::Message& request,
                                                absl::string_view token) const {
  if (token.empty()) return nlohmann::json(nullptr);
  std::string sealed;
  if (!absl::WebSafeBase64Unescape(token, &sealed)) return BadPageToken();
  absl::StatusOr<std::string> opened = box_->Open(sealed, Context(list, company));
  if (!opened.ok()) return BadPageToken();
  nlohmann::json body = nlohmann::json::parse(*opened, nullptr, false);
  if (!body.is_object() || body.value("f", "") != Fingerprint(request) || !body.contains("c")) {
    return BadPageToken();
  }
  return body["c"];
}

}  // namespace notify::api
