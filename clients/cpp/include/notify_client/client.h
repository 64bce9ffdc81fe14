// The C++ client of the notifications extension: channels with the caller's credentials, deadlines,
// errors with their machine-readable reason, and lists read across all their pages.
//
//   notify_client::Client client({.target = "127.0.0.1:50051", .token = token});
//   absl::StatusOr<Notification> n = client.Admin(&AdminService::Stub::GetNotification, request);
//   for (const auto& n : client.AllNotifications({})) ...
#ifndef NOTIFY_CLIENT_CLIENT_H_
#define NOTIFY_CLIENT_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "notifications/v1/user_service.grpc.pb.h"
#include "notifications/v1/webhook_service.grpc.pb.h"

namespace notify_client {

struct Options {
  std::string target;  // HOST:PORT of notification-server.
  std::string token;   // A platform token, for AdminService and UserService.
  std::string secret;  // A company's webhook secret, for WebhookService.
  absl::Duration timeout = absl::Seconds(10);  // Deadline of each call.
  bool tls = false;                            // TLS with the system's roots.
};

// A failed call's details beyond code and message: the ErrorInfo reason and field, and RetryInfo.
struct ErrorDetails {
  std::string reason;
  std::string field;
  absl::Duration retry_after = absl::ZeroDuration();
};

// The details carried by a status this client returned ("" and zero when there are none).
ErrorDetails DetailsOf(const absl::Status& status);

// The gRPC status as an absl::Status with the details attached.
absl::Status FromGrpc(const grpc::Status& status);

// Thread-safe; calls share one channel.
class Client {
 public:
  explicit Client(Options options);

  // Calls an AdminService, UserService or WebhookService method with this client's credentials and
  // deadline. Example: client.Call(admin(), &AdminService::Stub::GetCompany, request).
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(Stub* stub,
                                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                const Request& request) const {
    grpc::ClientContext context;
    Prepare(context, std::is_same_v<Stub, notifications::v1::WebhookService::Stub>);
    Response response;
    grpc::Status status = (stub->*method)(&context, request, &response);
    if (!status.ok()) return FromGrpc(status);
    return response;
  }

  notifications::v1::AdminService::Stub* admin() const { return admin_.get(); }
  notifications::v1::UserService::Stub* user() const { return user_.get(); }
  notifications::v1::WebhookService::Stub* webhook() const { return webhook_.get(); }

  // Every page of a list: `request` is sent with each next_page_token until the last page; `take`
  // receives each page. Stops at the first error.
  template <typename Stub, typename Request, typename Response>
  absl::Status ForEachPage(
      Stub* stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
      Request request, const std::function<void(const Response&)>& take) const {
    while (true) {
      absl::StatusOr<Response> page = Call(stub, method, request);
      if (!page.ok()) return page.status();
      take(*page);
      if (page->next_page_token().empty()) return absl::OkStatus();
      request.set_page_token(page->next_page_token());
    }
  }

  // Conveniences for the most used calls.
  absl::StatusOr<std::vector<notifications::v1::Notification>> AllNotifications(
      notifications::v1::ListNotificationsRequest request) const;
  absl::StatusOr<notifications::v1::Company> GetCompany() const;
  // Sends a platform event (the raw JSON) with the webhook secret.
  absl::StatusOr<notifications::v1::ReceiveEventResponse> ReceiveEvent(
      const std::string& payload) const;

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  void Prepare(grpc::ClientContext& context, bool webhook) const;

  Options options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<notifications::v1::AdminService::Stub> admin_;
  std::unique_ptr<notifications::v1::UserService::Stub> user_;
  std::unique_ptr<notifications::v1::WebhookService::Stub> webhook_;
};

}  // namespace notify_client

#endif  // NOTIFY_CLIENT_CLIENT_H_
