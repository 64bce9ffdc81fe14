#include "server/api/convert.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "server/common/log.h"
#include "server/common/status.h"
#include "server/core/lifecycle.h"

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
  out->set_website(record.website);
  out->set_contact_email(record.contact_email);
  out->set_icon_url(record.icon_url);
  out->set_bimi_selector_header(record.bimi_selector_header);
}

void ToAdminProto(const CompanyRecord& record, const SecretBox& box,
                  notifications::v1::Company* out) {
  ToProto(record, out);
  absl::StatusOr<std::string> secret =
      box.Open(record.sealed_webhook_secret, WebhookSecretContext(record.id));
  if (secret.ok()) {
    out->set_webhook_secret(*secret);
  } else {
    log::Error(
        "a company's webhook secret cannot be decrypted; is NOTIFY_SECRET_KEY the one it "
        "was stored with?",
        {{"company", record.id}});
  }
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

absl::Status CheckTimestamp(const google::protobuf::Timestamp& timestamp, absl::string_view field) {
  constexpr int64_t kMin = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  if (timestamp.seconds() < kMin || timestamp.seconds() > kMax || timestamp.nanos() < 0 ||
      timestamp.nanos() > 999999999) {
    return WithField(WithReason(absl::InvalidArgumentError(absl::StrCat(
                                    field, ": must be a time between years 1 and 9999")),
                                "INVALID_FIELD"),
                     field);
  }
  return absl::OkStatus();
}

void ToProto(const EventRecord& record, notifications::v1::Event* out) {
  out->set_id(record.id);
  out->set_event_id(record.event_id);
  out->set_event(record.name);
  // Stored data is always a JSON object (the webhook path checks it), so this parse cannot fail on
  // data we wrote; anything else is left empty rather than failing the whole answer.
  (void)google::protobuf::util::JsonStringToMessage(record.data_json, out->mutable_data());
  out->set_status(record.status);
  out->set_error(record.error);
  out->set_delivery_count(record.delivery_count);
  ToTimestamp(record.received, out->mutable_received());
  if (record.processed.has_value()) ToTimestamp(*record.processed, out->mutable_processed());
}

}  // namespace notify::api
