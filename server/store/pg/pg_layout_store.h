// LayoutStore on PostgreSQL.
#ifndef NOTIFY_SERVER_STORE_PG_PG_LAYOUT_STORE_H_
#define NOTIFY_SERVER_STORE_PG_PG_LAYOUT_STORE_H_

#include "server/common/clock.h"
#include "server/store/layout_store.h"
#include "server/store/pg/pool.h"

namespace notify::pg {

class PgLayoutStore final : public LayoutStore {
 public:
  PgLayoutStore(PgPool* pool, const Clock* clock) : pool_(pool), clock_(clock) {}

  absl::StatusOr<notifications::v1::Layout> Create(absl::string_view company,
                                                   notifications::v1::Layout layout) override;
  absl::StatusOr<notifications::v1::Layout> Get(absl::string_view company,
                                                absl::string_view id) override;
  absl::StatusOr<std::vector<notifications::v1::Layout>> List(absl::string_view company,
                                                              const LayoutFilter& filter,
                                                              absl::string_view after_id, int limit,
                                                              int skip) override;
  absl::StatusOr<int> Count(absl::string_view company, const LayoutFilter& filter) override;
  absl::StatusOr<notifications::v1::Layout> Update(
      absl::string_view company, absl::string_view id,
      const std::function<absl::Status(notifications::v1::Layout&)>& change) override;
  absl::Status Delete(absl::string_view company, absl::string_view id) override;

 private:
  PgPool* const pool_;
  const Clock* const clock_;
};

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_PG_LAYOUT_STORE_H_
