// Where a company's layouts are kept (records are notifications.v1.Layout messages).
#ifndef NOTIFY_SERVER_STORE_LAYOUT_STORE_H_
#define NOTIFY_SERVER_STORE_LAYOUT_STORE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "notifications/v1/resources.pb.h"

namespace notify {

struct LayoutFilter {
  std::string name_contains;  // Case-insensitive; empty: any.
  std::string name;           // Exactly this name; empty: any.
  // Layouts for that type or for any; UNSPECIFIED: any.
  notifications::v1::NotificationType type = notifications::v1::NOTIFICATION_TYPE_UNSPECIFIED;
};

// Errors: NotFound (reason LAYOUT_NOT_FOUND) for an id not in the company, Unavailable.
// Thread-safe.
class LayoutStore {
 public:
  virtual ~LayoutStore() = default;
  virtual absl::StatusOr<notifications::v1::Layout> Create(absl::string_view company,
                                                           notifications::v1::Layout layout) = 0;
  virtual absl::StatusOr<notifications::v1::Layout> Get(absl::string_view company,
                                                        absl::string_view id) = 0;
  // Up to `limit` layouts in id order after `after_id` (and `skip` more) that match `filter`.
  virtual absl::StatusOr<std::vector<notifications::v1::Layout>> List(absl::string_view company,
                                                                      const LayoutFilter& filter,
                                                                      absl::string_view after_id,
                                                                      int limit, int skip) = 0;
  virtual absl::StatusOr<int> Count(absl::string_view company, const LayoutFilter& filter) = 0;
  // Reads the layout locked, lets `change` edit it, writes it back, in one transaction.
  virtual absl::StatusOr<notifications::v1::Layout> Update(
      absl::string_view company, absl::string_view id,
      const std::function<absl::Status(notifications::v1::Layout&)>& change) = 0;
  // Notifications that used it are left without a layout.
  virtual absl::Status Delete(absl::string_view company, absl::string_view id) = 0;
};

}  // namespace notify

#endif  // NOTIFY_SERVER_STORE_LAYOUT_STORE_H_
