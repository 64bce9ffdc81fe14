// Conversions between stored records and API messages.
#ifndef NOTIFY_SERVER_API_CONVERT_H_
#define NOTIFY_SERVER_API_CONVERT_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "notifications/v1/resources.pb.h"
#include "server/common/crypto.h"
#include "server/store/company_store.h"
#include "server/store/event_store.h"

namespace notify::api {

void ToTimestamp(absl::Time time, google::protobuf::Timestamp* out);

// The company as admins see it: never its token, nor its webhook secret (which only its own admins
// get, opened by the caller: see api/services.h).
void ToProto(const CompanyRecord& record, notifications::v1::Company* out);

// A stored event, its data as a Struct.
void ToProto(const EventRecord& record, notifications::v1::Event* out);

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

// The company as its own admins see it: ToProto, and its webhook secret opened with `box` (left
// empty, and logged, when it cannot be opened).
void ToAdminProto(const CompanyRecord& record, const SecretBox& box,
                  notifications::v1::Company* out);

// InvalidArgument naming `field` unless `timestamp` lies in years 1 to 9999 with valid nanos.
absl::Status CheckTimestamp(const google::protobuf::Timestamp& timestamp, absl::string_view field);

}  // namespace notify::api

#endif  // NOTIFY_SERVER_API_CONVERT_H_
