// Pagination (AIP-158): page sizes and opaque page tokens.
#ifndef NOTIFY_SERVER_API_PAGE_TOKEN_H_
#define NOTIFY_SERVER_API_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"
#include "server/common/crypto.h"

namespace notify::api {

inline constexpr int kDefaultPageSize = 15;
inline constexpr int kMaxPageSize = 250;

// 0 means the default, more than the maximum means the maximum; negative is InvalidArgument.
absl::StatusOr<int> PageSize(int requested);

// Page tokens are sealed (SecretBox) so that clients can neither read nor forge them, and bound to
// the list, the company and the request's filters, so that a token is only good for the request
// that produced it. Thread-safe.
class PageTokens {
 public:
  explicit PageTokens(const SecretBox* box) : box_(box) {}

  // A token that resumes `list` for `company` after `cursor`. `request` is the list request; every
  // field but page_size and page_token must stay the same for the token to be accepted.
  std::string Make(absl::string_view list, absl::string_view company,
                   const google::protobuf::Message& request, const nlohmann::json& cursor) const;

  // The cursor in `token`, or null for an empty token. InvalidArgument (INVALID_PAGE_TOKEN) when
  // the token was not made by Make for this list, company and filters.
  absl::StatusOr<nlohmann::json> Read(absl::string_view list, absl::string_view company,
                                      const google::protobuf::Message& request,
                                      absl::string_view token) const;

 private:
  const SecretBox* const box_;
};

}  // namespace notify::api

#endif  // NOTIFY_SERVER_API_PAGE_TOKEN_H_
