#include "notify_client/client.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace notify_client {
namespace {

constexpr char kReasonUrl[] = "notify_client/reason";
constexpr char kFieldUrl[] = "notify_client/field";
constexpr char kRetryUrl[] = "notify_client/retry_after_seconds";

}  // namespace

absl::Status FromGrpc(const grpc::Status& status) {
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details())) {
    return out;
  }
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&info)) {
      out.SetPayload(kReasonUrl, absl::Cord(info.reason()));
      if (auto it = info.metadata().find("field"); it != info.metadata().end()) {
        out.SetPayload(kFieldUrl, absl::Cord(it->second));
      }
    } else if (any.UnpackTo(&retry)) {
      out.SetPayload(kRetryUrl, absl::Cord(absl::StrCat(retry.retry_delay().seconds())));
    }
  }
  return out;
}

ErrorDetails DetailsOf(const absl::Status& status) {
  ErrorDetails details;
  if (auto reason = status.GetPayload(kReasonUrl)) details.reason = std::string(*reason);
  if (auto field = status.GetPayload(kFieldUrl)) details.field = std::string(*field);
  if (auto retry = status.GetPayload(kRetryUrl)) {
    int64_t seconds = 0;
    if (absl::SimpleAtoi(std::string(*retry), &seconds))
      details.retry_after = absl::Seconds(seconds);
  }
  return details;
}

Client::Client(Options options) : options_(std::move(options)) {
  channel_ = grpc::CreateChannel(options_.target,
                                 options_.tls ? grpc::SslCredentials(grpc::SslCredentialsOptions())
                                              : grpc::InsecureChannelCredentials());
  admin_ = notifications::v1::AdminService::NewStub(channel_);
  user_ = notifications::v1::UserService::NewStub(channel_);
  webhook_ = notifications::v1::WebhookService::NewStub(channel_);
}

void Client::Prepare(grpc::ClientContext& context, bool webhook) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  if (webhook) {
    if (!options_.secret.empty()) context.AddMetadata("authorization", "Secret " + options_.secret);
  } else if (!options_.token.empty()) {
    context.AddMetadata("authorization", "Token " + options_.token);
  }
}

absl::StatusOr<std::vector<notifications::v1::Notification>> Client::AllNotifications(
    notifications::v1::ListNotificationsRequest request) const {
  std::vector<notifications::v1::Notification> all;
  absl::Status status = ForEachPage<notifications::v1::AdminService::Stub,
                                    notifications::v1::ListNotificationsRequest,
                                    notifications::v1::ListNotificationsResponse>(
      admin(), &notifications::v1::AdminService::Stub::ListNotifications, std::move(request),
      [&all](const notifications::v1::ListNotificationsResponse& page) {
        all.insert(all.end(), page.notifications().begin(), page.notifications().end());
      });
  if (!status.ok()) return status;
  return all;
}

absl::StatusOr<notifications::v1::Company> Client::GetCompany() const {
  absl::StatusOr<notifications::v1::GetCompanyResponse> response =
      Call(admin(), &notifications::v1::AdminService::Stub::GetCompany,
           notifications::v1::GetCompanyRequest());
  if (!response.ok()) return response.status();
  return response->company();
}

absl::StatusOr<notifications::v1::ReceiveEventResponse> Client::ReceiveEvent(
    const std::string& payload) const {
  notifications::v1::ReceiveEventRequest request;
  request.set_payload(payload);
  return Call(webhook(), &notifications::v1::WebhookService::Stub::ReceiveEvent, request);
}

}  // namespace notify_client
