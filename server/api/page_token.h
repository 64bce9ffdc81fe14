// Pagination (AIP-158): page sizes and opaque page tokens.
#ifndef NOTIFY_SERVER_API_PAGE_TOKEN_H_
#define NOTIFY_SERVER_API_PAGE_TOKEN_H_

#include <string>
#include <utility>
#include <vector>

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

// How many results to skip before a page (AIP-158 `skip`); negative is InvalidArgument.
absl::StatusOr<int> PageSkip(int requested);

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

// One page of a list: its size, the results to skip, and where the previous page ended (the cursor
// its token carries; null on the first page).
struct PageRequest {
  int size = kDefaultPageSize;
  int skip = 0;
  nlohmann::json cursor;

  // The cursor as a string (for lists ordered by id), or "" on the first page.
  std::string after_id() const { return cursor.is_string() ? cursor.get<std::string>() : ""; }
};

// Reads page_size, skip and page_token of a list request (see PageSize, PageSkip and
// PageTokens::Read).
template <typename Request>
absl::StatusOr<PageRequest> ReadPage(const PageTokens& tokens, absl::string_view list,
                                     absl::string_view scope, const Request& request) {
  PageRequest page;
  absl::StatusOr<int> size = PageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<int> skip = PageSkip(request.skip());
  if (!skip.ok()) return skip.status();
  absl::StatusOr<nlohmann::json> cursor = tokens.Read(list, scope, request, request.page_token());
  if (!cursor.ok()) return cursor.status();
  page.size = *size;
  page.skip = *skip;
  page.cursor = *std::move(cursor);
  return page;
}

// Trims `items`, read with a limit of page.size + 1, to the page, and returns the next page's
// token: made from `cursor_of(last item)` when an item was left over, else "".
template <typename Request, typename T, typename CursorOf>
std::string FinishPage(const PageTokens& tokens, absl::string_view list, absl::string_view scope,
                       const Request& request, const PageRequest& page, std::vector<T>* items,
                       CursorOf cursor_of) {
  if (static_cast<int>(items->size()) <= page.size) return "";
  items->resize(page.size);
  return tokens.Make(list, scope, request, cursor_of(items->back()));
}

}  // namespace notify::api

#endif  // NOTIFY_SERVER_API_PAGE_TOKEN_H_
