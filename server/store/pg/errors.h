// The one place where libpqxx's exceptions become absl::Status values.
#ifndef NOTIFY_SERVER_STORE_PG_ERRORS_H_
#define NOTIFY_SERVER_STORE_PG_ERRORS_H_

#include <exception>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace notify::pg {

// Converts an exception thrown by libpqxx (or the standard library) while doing `what`:
// a unique violation is AlreadyExists, a serialization failure or deadlock Aborted, a broken
// connection or a server shutting down Unavailable (reason DATABASE_UNAVAILABLE), anything else
// Internal. The SQLSTATE and the server's message are logged; the returned message never carries
// SQL or values.
absl::Status StatusFromException(const std::exception& e, absl::string_view what);

// Whether `status` says the connection it came from is unusable and must be discarded.
bool IsConnectionLost(const absl::Status& status);

}  // namespace notify::pg

#endif  // NOTIFY_SERVER_STORE_PG_ERRORS_H_
