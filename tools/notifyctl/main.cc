// notifyctl: the command-line client of notification-server (there is no grpcurl in Debian).
//
//   notifyctl [flags] health
//   notifyctl [flags] company get
//   notifyctl [flags] events list [--event NAME] [--page-size N]
//   notifyctl [flags] events get ID
//
// Exit codes: 0 success, 1 the server answered with an error or could not be reached, 2 usage
// errors.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "notifications/v1/admin_service.grpc.pb.h"
#include "server/common/settings.h"

namespace {

namespace v1 = notifications::v1;

constexpr int kUsageError = 2;
constexpr int kServerError = 1;

const char kCommands[] =
    "Commands:\n"
    "  health         whether the server reports SERVING\n"
    "  company get    the caller's company (needs an admin token)\n"
    "  events list    the events received, newest first (--event, --page-size)\n"
    "  events get ID  one event with its data\n";

notify::SettingsParser Parser() {
  return notify::SettingsParser(
      "notifyctl", std::string("Talks to notification-server over gRPC.\n\n") + kCommands,
      {
          {"target", "NOTIFY_TARGET", "127.0.0.1:50051", "The server's gRPC address, HOST:PORT."},
          {"token", "NOTIFY_TOKEN", "", "The platform token sent as `authorization: Token ...`.",
           false, true},
          {"timeout", "NOTIFY_TIMEOUT", "10s", "Deadline of each call."},
          {"json", "NOTIFY_JSON", "false", "Print JSON instead of text.", true},
          {"event", "", "", "events list: only events of this name."},
          {"page-size", "", "50", "events list: events per page (all pages are read)."},
      });
}

struct Options {
  std::string target;
  std::string token;
  absl::Duration timeout;
  bool json = false;
  std::string event;
  int page_size = 50;
};

void Prepare(grpc::ClientContext& context, const Options& options) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  if (!options.token.empty()) context.AddMetadata("authorization", "Token " + options.token);
}

// Prints a failed call: the code, the message and the machine-readable reason.
int Fail(const grpc::Status& status) {
  std::string reason;
  google::rpc::Status details;
  if (details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info)) reason = info.reason();
    }
  }
  static const std::map<grpc::StatusCode, const char*> kNames = {
      {grpc::StatusCode::CANCELLED, "CANCELLED"},
      {grpc::StatusCode::UNKNOWN, "UNKNOWN"},
      {grpc::StatusCode::INVALID_ARGUMENT, "INVALID_ARGUMENT"},
      {grpc::StatusCode::DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED"},
      {grpc::StatusCode::NOT_FOUND, "NOT_FOUND"},
      {grpc::StatusCode::ALREADY_EXISTS, "ALREADY_EXISTS"},
      {grpc::StatusCode::PERMISSION_DENIED, "PERMISSION_DENIED"},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED"},
      {grpc::StatusCode::FAILED_PRECONDITION, "FAILED_PRECONDITION"},
      {grpc::StatusCode::ABORTED, "ABORTED"},
      {grpc::StatusCode::OUT_OF_RANGE, "OUT_OF_RANGE"},
      {grpc::StatusCode::UNIMPLEMENTED, "UNIMPLEMENTED"},
      {grpc::StatusCode::INTERNAL, "INTERNAL"},
      {grpc::StatusCode::UNAVAILABLE, "UNAVAILABLE"},
      {grpc::StatusCode::DATA_LOSS, "DATA_LOSS"},
      {grpc::StatusCode::UNAUTHENTICATED, "UNAUTHENTICATED"},
  };
  auto name = kNames.find(status.error_code());
  std::cerr << "error: " << (name == kNames.end() ? "ERROR" : name->second) << ": "
            << status.error_message();
  if (!reason.empty()) std::cerr << " (" << reason << ")";
  std::cerr << "\n";
  return kServerError;
}

int Print(const google::protobuf::Message& message, const Options& options) {
  std::string out;
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  json.add_whitespace = !options.json;
  json.always_print_primitive_fields = true;
  if (!google::protobuf::util::MessageToJsonString(message, &out, json).ok()) {
    std::cerr << "error: cannot print the answer\n";
    return kServerError;
  }
  std::cout << out << (options.json ? "\n" : "");
  return 0;
}

int Health(const std::shared_ptr<grpc::Channel>& channel, const Options& options) {
  grpc::ClientContext context;
  Prepare(context, options);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = grpc::health::v1::Health::NewStub(channel)->Check(&context, {}, &response);
  if (!status.ok()) return Fail(status);
  const std::string serving =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  std::cout << (options.json ? "{\"status\":\"" + serving + "\"}" : serving) << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : kServerError;
}

int CompanyGet(const std::shared_ptr<grpc::Channel>& channel, const Options& options) {
  grpc::ClientContext context;
  Prepare(context, options);
  v1::GetCompanyResponse response;
  grpc::Status status = v1::AdminService::NewStub(channel)->GetCompany(&context, {}, &response);
  if (!status.ok()) return Fail(status);
  return Print(response.company(), options);
}

int EventsList(const std::shared_ptr<grpc::Channel>& channel, const Options& options) {
  auto stub = v1::AdminService::NewStub(channel);
  v1::ListEventsRequest request;
  request.set_event(options.event);
  request.set_page_size(options.page_size);
  v1::ListEventsResponse all;
  while (true) {
    grpc::ClientContext context;
    Prepare(context, options);
    v1::ListEventsResponse page;
    grpc::Status status = stub->ListEvents(&context, request, &page);
    if (!status.ok()) return Fail(status);
    for (auto& event : *page.mutable_events()) *all.add_events() = std::move(event);
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (options.json) return Print(all, options);
  std::printf("%-36s  %-24s  %-30s  %-9s  %s\n", "ID", "EVENT ID", "EVENT", "STATUS", "RECEIVED");
  for (const auto& event : all.events()) {
    std::string status = v1::EventStatus_Name(event.status());
    status = status.substr(std::string("EVENT_STATUS_").size());
    std::printf(
        "%-36s  %-24s  %-30s  %-9s  %s\n", event.id().c_str(), event.event_id().c_str(),
        event.event().c_str(), status.c_str(),
        absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixSeconds(event.received().seconds()),
                         absl::UTCTimeZone())
            .c_str());
  }
  return 0;
}

int EventsGet(const std::shared_ptr<grpc::Channel>& channel, const Options& options,
              const std::string& id) {
  grpc::ClientContext context;
  Prepare(context, options);
  v1::GetEventRequest request;
  request.set_id(id);
  v1::GetEventResponse response;
  grpc::Status status = v1::AdminService::NewStub(channel)->GetEvent(&context, request, &response);
  if (!status.ok()) return Fail(status);
  return Print(response.event(), options);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words;
  std::vector<std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("-", 0) == 0) {
      flags.push_back(arg);
      // A flag's value may follow as its own argument.
      if (arg.find('=') == std::string::npos && arg != "--json" && arg != "--help" && arg != "-h" &&
          arg != "--version" && i + 1 < argc) {
        flags.push_back(argv[++i]);
      }
    } else {
      words.push_back(arg);
    }
  }
  const notify::SettingsParser parser = Parser();
  absl::StatusOr<notify::Settings> settings = parser.Parse(flags, notify::ProcessEnv());
  if (!settings.ok()) {
    std::cerr << "error: " << settings.status().message() << "\n";
    return kUsageError;
  }
  if (settings->help_requested() || words.empty()) {
    std::cout << parser.Usage();
    return words.empty() && !settings->help_requested() ? kUsageError : 0;
  }
  Options options;
  absl::StatusOr<std::string> target = settings->GetHostPort("target");
  absl::StatusOr<absl::Duration> timeout = settings->GetDuration("timeout", absl::Milliseconds(1));
  absl::StatusOr<bool> json = settings->GetBool("json");
  for (const absl::Status& s : {target.status(), timeout.status(), json.status()}) {
    if (!s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      return kUsageError;
    }
  }
  options.target = *target;
  options.token = settings->Get("token");
  options.timeout = *timeout;
  options.json = *json;
  options.event = settings->Get("event");
  absl::StatusOr<int64_t> page_size = settings->GetInt("page-size", 1, 250);
  if (!page_size.ok()) {
    std::cerr << "error: " << page_size.status().message() << "\n";
    return kUsageError;
  }
  options.page_size = static_cast<int>(*page_size);

  auto channel = grpc::CreateChannel(options.target, grpc::InsecureChannelCredentials());
  const std::string command = absl::StrJoin(words, " ");
  if (command == "health") return Health(channel, options);
  if (command == "company get") return CompanyGet(channel, options);
  if (command == "events list") return EventsList(channel, options);
  if (words.size() == 3 && words[0] == "events" && words[1] == "get") {
    return EventsGet(channel, options, words[2]);
  }
  std::cerr << "error: unknown command \"" << command << "\"\n\n" << kCommands;
  return kUsageError;
}
