// CredentialStore on PostgreSQL.
#ifndef NOTIFY_SERVER_STORE_PG_PG_CREDENTIAL_STORE_H_
#define NOTIFY_SERVER_STORE_PG_PG_CREDENTIAL_STORE_H_

#include "server/common/clock.h"
#include "server/store/credential_store.h"
#include "server/store/pg/pool.h"

namespace notify::pg {

class PgCredentialStore final : public CredentialStore {
 public:
  PgCredentialStore(PgPool* pool, const Clock* clock) : pool_(pool), clock_(clock) {}
  absl::StatusOr<CredentialRecord> Create(absl::string_view company,
                                          const CredentialRecord& record) override;
  absl::StatusOr<CredentialRecord> Get(absl::string_view company, absl::string_view id) override;
  absl::StatusOr<std::vector<CredentialRecord>> List(absl::string_view company,
                                                     absl::string_view type,
                                                     absl::string_view after_id, int limit,
                                                     int skip) override;
  absl::StatusOr<int> Count(absl::string_view company, absl::string_view type) override;
  absl::StatusOr<CredentialRecord> Update(
      absl::string_view company, absl::string_view id,
      const std::function<absl::Status(CredentialRecord&)>& change) override;
  absl::Status Delete(absl::string_view company, absl::string_view id) override;

 private:
  PgPool* const pool_;
  const Clock* const clock_;
};

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_PG_CREDENTIAL_STORE_H_
