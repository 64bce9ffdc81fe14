#include "server/api/convert.h"

namespace notify::api {

void ToTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(time);
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
}

void ToProto(const CompanyRecord& record, notifications::v1::Company* out) {
  out->set_id(record.id);
  out->set_name(record.name);
  out->set_mode(record.mode);
  out->set_active(record.active);
  out->set_system_email(record.system_email);
  out->set_support_email(record.support_email);
  out->set_logo_url(record.logo_url);
  out->set_push_enabled(record.push_enabled);
  out->set_email_daily_quota(record.email_daily_quota);
  out->set_sms_daily_quota(record.sms_daily_quota);
  out->set_push_daily_quota(record.push_daily_quota);
  if (record.activated.has_value()) ToTimestamp(*record.activated, out->mutable_activated());
  if (record.deactivated.has_value()) ToTimestamp(*record.deactivated, out->mutable_deactivated());
  ToTimestamp(record.created, out->mutable_created());
  ToTimestamp(record.updated, out->mutable_updated());
}

}  // namespace notify::api
