// notifyctl: the command-line client of notification-server (there is no grpcurl in Debian).
//
// Exit codes: 0 success, 1 the server answered with an error or could not be reached, 2 usage
// errors.
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "notify_client/client.h"
#include "server/common/settings.h"

namespace {

namespace v1 = notifications::v1;
using Stub = v1::AdminService::Stub;

constexpr int kUsageError = 2;
constexpr int kServerError = 1;

const char kCommands[] =
    "Commands:\n"
    "  health                              whether the server reports SERVING\n"
    "  company get | update --file F       the caller's company (update: JSON Company, --mask)\n"
    "  notifications list [--event E] [--name N] | get ID | create --file F\n"
    "                | update ID --file F [--mask a,b] | delete ID\n"
    "  layouts list | get ID | create --file F | update ID --file F [--mask a,b] | delete ID\n"
    "  templates list | get ID\n"
    "  events list [--event E] | get ID | replay ID\n"
    "  logs list | get ID | resend ID\n"
    "  preview --file NOTIFICATION.json [--data EVENT-DATA.json]\n"
    "--file - reads standard input. Lists print a table; --json prints JSON.\n";

notify::SettingsParser Parser() {
  return notify::SettingsParser(
      "notifyctl", std::string("Talks to notification-server over gRPC.\n\n") + kCommands,
      {
          {"target", "NOTIFY_TARGET", "127.0.0.1:50051", "The server's gRPC address, HOST:PORT."},
          {"token", "NOTIFY_TOKEN", "", "The platform token sent as `authorization: Token ...`.",
           false, true},
          {"timeout", "NOTIFY_TIMEOUT", "10s", "Deadline of each call."},
          {"json", "NOTIFY_JSON", "false", "Print JSON instead of text.", true},
          {"file", "", "", "A JSON file (or - for standard input) for create, update and preview."},
          {"data", "", "", "preview: a JSON file with the event's data."},
          {"mask", "", "", "update: the fields to change, comma-separated."},
          {"event", "", "", "list: only this event name."},
          {"name", "", "", "list: only names containing this text."},
          {"page-size", "", "50", "list: items per page (every page is read)."},
      });
}

struct Context {
  notify_client::Client* client;
  const notify::Settings* settings;
  std::vector<std::string> args;  // The words after the command.
  bool json = false;
};

int Fail(const absl::Status& status) {
  const notify_client::ErrorDetails details = notify_client::DetailsOf(status);
  std::cerr << "error: " << absl::StatusCodeToString(status.code()) << ": " << status.message();
  if (!details.reason.empty()) std::cerr << " (" << details.reason << ")";
  if (!details.field.empty()) std::cerr << " [field " << details.field << "]";
  std::cerr << "\n";
  return kServerError;
}

int Usage(const std::string& message) {
  std::cerr << "error: " << message << "\n\n" << kCommands;
  return kUsageError;
}

int PrintJson(const google::protobuf::Message& message, bool compact) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = !compact;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::cout << out << (compact ? "\n" : "");
  return 0;
}

// Reads --file (or --data) into `message`. Usage errors say what is wrong with the file.
absl::Status ReadJson(const Context& c, const char* flag, google::protobuf::Message* message) {
  const std::string& path = c.settings->Get(flag);
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, " is required"));
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
    text << in.rdbuf();
  }
  google::protobuf::util::JsonParseOptions options;
  auto status = google::protobuf::util::JsonStringToMessage(text.str(), message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a JSON ",
                                                   message->GetDescriptor()->name(), ": ",
                                                   std::string(status.message())));
  }
  return absl::OkStatus();
}

void Mask(const Context& c, google::protobuf::FieldMask* mask) {
  for (absl::string_view path : absl::StrSplit(c.settings->Get("mask"), ',', absl::SkipEmpty())) {
    mask->add_paths(std::string(path));
  }
}

void Table(const std::vector<std::string>& header,
           const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(widths[i] - cells[i].size() + 2, ' ');
    }
    std::cout << out << "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
}

std::string Time(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

template <typename Enum>
std::string Short(const std::string& name, const char* prefix) {
  return name.substr(std::string(prefix).size());
}

// The single argument an ID command needs.
bool OneId(const Context& c, std::string* id) {
  if (c.args.size() != 1) return false;
  *id = c.args[0];
  return true;
}

template <typename Request, typename Response>
int Unary(const Context& c,
          grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
          const Request& request,
          const std::function<const google::protobuf::Message&(const Response&)>& pick) {
  absl::StatusOr<Response> response = c.client->Call(c.client->admin(), method, request);
  if (!response.ok()) return Fail(response.status());
  return PrintJson(pick(*response), c.json);
}

int Health(const Context& c) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status =
      grpc::health::v1::Health::NewStub(c.client->channel())->Check(&context, {}, &response);
  if (!status.ok()) return Fail(notify_client::FromGrpc(status));
  const std::string serving =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  std::cout << (c.json ? "{\"status\":\"" + serving + "\"}" : serving) << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : kServerError;
}

int Run(const std::string& group, const std::string& verb, Context& c) {
  std::string id;
  const int page_size = std::stoi(c.settings->Get("page-size"));
  if (group == "health") return Health(c);
  if (group == "company" && verb == "get") {
    auto company = c.client->GetCompany();
    return company.ok() ? PrintJson(*company, c.json) : Fail(company.status());
  }
  if (group == "company" && verb == "update") {
    v1::UpdateCompanyRequest request;
    if (auto s = ReadJson(c, "file", request.mutable_company()); !s.ok())
      return Usage(std::string(s.message()));
    Mask(c, request.mutable_update_mask());
    return Unary<v1::UpdateCompanyRequest, v1::UpdateCompanyResponse>(
        c, &Stub::UpdateCompany, request, [](const auto& r) -> const auto& { return r.company(); });
  }
  if (group == "notifications") {
    if (verb == "list") {
      v1::ListNotificationsRequest request;
      request.set_page_size(page_size);
      request.set_event(c.settings->Get("event"));
      request.set_name(c.settings->Get("name"));
      auto all = c.client->AllNotifications(request);
      if (!all.ok()) return Fail(all.status());
      if (c.json) {
        v1::ListNotificationsResponse out;
        for (const auto& n : *all) *out.add_notifications() = n;
        return PrintJson(out, true);
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& n : *all) {
        rows.push_back({n.id(),
                        Short<int>(v1::NotificationType_Name(n.type()), "NOTIFICATION_TYPE_"),
                        n.event(), n.enabled() ? "yes" : "no", n.name()});
      }
      Table({"ID", "TYPE", "EVENT", "ENABLED", "NAME"}, rows);
      return 0;
    }
    if (verb == "get" && OneId(c, &id)) {
      v1::GetNotificationRequest request;
      request.set_id(id);
      return Unary<v1::GetNotificationRequest, v1::GetNotificationResponse>(
          c, &Stub::GetNotification, request,
          [](const auto& r) -> const auto& { return r.notification(); });
    }
    if (verb == "create") {
      v1::CreateNotificationRequest request;
      if (auto s = ReadJson(c, "file", request.mutable_notification()); !s.ok())
        return Usage(std::string(s.message()));
      return Unary<v1::CreateNotificationRequest, v1::CreateNotificationResponse>(
          c, &Stub::CreateNotification, request,
          [](const auto& r) -> const auto& { return r.notification(); });
    }
    if (verb == "update" && OneId(c, &id)) {
      v1::UpdateNotificationRequest request;
      if (auto s = ReadJson(c, "file", request.mutable_notification()); !s.ok())
        return Usage(std::string(s.message()));
      request.mutable_notification()->set_id(id);
      Mask(c, request.mutable_update_mask());
      return Unary<v1::UpdateNotificationRequest, v1::UpdateNotificationResponse>(
          c, &Stub::UpdateNotification, request,
          [](const auto& r) -> const auto& { return r.notification(); });
    }
    if (verb == "delete" && OneId(c, &id)) {
      v1::DeleteNotificationRequest request;
      request.set_id(id);
      auto done = c.client->Call(c.client->admin(), &Stub::DeleteNotification, request);
      return done.ok() ? 0 : Fail(done.status());
    }
  }
  if (group == "layouts") {
    if (verb == "list") {
      v1::ListLayoutsRequest request;
      request.set_page_size(page_size);
      request.set_name(c.settings->Get("name"));
      std::vector<std::vector<std::string>> rows;
      v1::ListLayoutsResponse all;
      absl::Status s = c.client->ForEachPage<Stub, v1::ListLayoutsRequest, v1::ListLayoutsResponse>(
          c.client->admin(), &Stub::ListLayouts, request, [&](const v1::ListLayoutsResponse& page) {
            for (const auto& l : page.layouts()) {
              *all.add_layouts() = l;
              rows.push_back({l.id(), l.name()});
            }
          });
      if (!s.ok()) return Fail(s);
      if (c.json) return PrintJson(all, true);
      Table({"ID", "NAME"}, rows);
      return 0;
    }
    if (verb == "get" && OneId(c, &id)) {
      v1::GetLayoutRequest request;
      request.set_id(id);
      return Unary<v1::GetLayoutRequest, v1::GetLayoutResponse>(
          c, &Stub::GetLayout, request, [](const auto& r) -> const auto& { return r.layout(); });
    }
    if (verb == "create") {
      v1::CreateLayoutRequest request;
      if (auto s = ReadJson(c, "file", request.mutable_layout()); !s.ok())
        return Usage(std::string(s.message()));
      return Unary<v1::CreateLayoutRequest, v1::CreateLayoutResponse>(
          c, &Stub::CreateLayout, request, [](const auto& r) -> const auto& { return r.layout(); });
    }
    if (verb == "update" && OneId(c, &id)) {
      v1::UpdateLayoutRequest request;
      if (auto s = ReadJson(c, "file", request.mutable_layout()); !s.ok())
        return Usage(std::string(s.message()));
      request.mutable_layout()->set_id(id);
      Mask(c, request.mutable_update_mask());
      return Unary<v1::UpdateLayoutRequest, v1::UpdateLayoutResponse>(
          c, &Stub::UpdateLayout, request, [](const auto& r) -> const auto& { return r.layout(); });
    }
    if (verb == "delete" && OneId(c, &id)) {
      v1::DeleteLayoutRequest request;
      request.set_id(id);
      auto done = c.client->Call(c.client->admin(), &Stub::DeleteLayout, request);
      return done.ok() ? 0 : Fail(done.status());
    }
  }
  if (group == "templates") {
    if (verb == "list") {
      auto all =
          c.client->Call(c.client->admin(), &Stub::ListTemplates, v1::ListTemplatesRequest());
      if (!all.ok()) return Fail(all.status());
      if (c.json) return PrintJson(*all, true);
      std::vector<std::vector<std::string>> rows;
      for (const auto& t : all->templates()) {
        rows.push_back({t.id(), t.notification().event(), t.name()});
      }
      Table({"ID", "EVENT", "NAME"}, rows);
      return 0;
    }
    if (verb == "get" && OneId(c, &id)) {
      v1::GetTemplateRequest request;
      request.set_id(id);
      return Unary<v1::GetTemplateRequest, v1::GetTemplateResponse>(
          c, &Stub::GetTemplate, request,
          [](const auto& r) -> const auto& { return r.template_(); });
    }
  }
  if (group == "events") {
    if (verb == "list") {
      v1::ListEventsRequest request;
      request.set_page_size(page_size);
      request.set_event(c.settings->Get("event"));
      v1::ListEventsResponse all;
      absl::Status s = c.client->ForEachPage<Stub, v1::ListEventsRequest, v1::ListEventsResponse>(
          c.client->admin(), &Stub::ListEvents, request, [&](const v1::ListEventsResponse& page) {
            for (const auto& e : page.events()) *all.add_events() = e;
          });
      if (!s.ok()) return Fail(s);
      if (c.json) return PrintJson(all, true);
      std::vector<std::vector<std::string>> rows;
      for (const auto& e : all.events()) {
        rows.push_back({e.id(), e.event_id(), e.event(),
                        Short<int>(v1::EventStatus_Name(e.status()), "EVENT_STATUS_"),
                        Time(e.received())});
      }
      Table({"ID", "EVENT ID", "EVENT", "STATUS", "RECEIVED"}, rows);
      return 0;
    }
    if (verb == "get" && OneId(c, &id)) {
      v1::GetEventRequest request;
      request.set_id(id);
      return Unary<v1::GetEventRequest, v1::GetEventResponse>(
          c, &Stub::GetEvent, request, [](const auto& r) -> const auto& { return r.event(); });
    }
    if (verb == "replay" && OneId(c, &id)) {
      v1::ReplayEventRequest request;
      request.set_id(id);
      return Unary<v1::ReplayEventRequest, v1::ReplayEventResponse>(
          c, &Stub::ReplayEvent, request, [](const auto& r) -> const auto& { return r.event(); });
    }
  }
  if (group == "logs") {
    if (verb == "list") {
      v1::ListLogsRequest request;
      request.set_page_size(page_size);
      v1::ListLogsResponse all;
      absl::Status s = c.client->ForEachPage<Stub, v1::ListLogsRequest, v1::ListLogsResponse>(
          c.client->admin(), &Stub::ListLogs, request, [&](const v1::ListLogsResponse& page) {
            for (const auto& l : page.logs()) *all.add_logs() = l;
          });
      if (!s.ok()) return Fail(s);
      if (c.json) return PrintJson(all, true);
      std::vector<std::vector<std::string>> rows;
      for (const auto& l : all.logs()) {
        rows.push_back({l.id(),
                        Short<int>(v1::NotificationType_Name(l.type()), "NOTIFICATION_TYPE_"),
                        Short<int>(v1::LogStatus_Name(l.status()), "LOG_STATUS_"), l.recipient(),
                        Time(l.created())});
      }
      Table({"ID", "TYPE", "STATUS", "RECIPIENT", "CREATED"}, rows);
      return 0;
    }
    if (verb == "get" && OneId(c, &id)) {
      v1::GetLogRequest request;
      request.set_id(id);
      return Unary<v1::GetLogRequest, v1::GetLogResponse>(
          c, &Stub::GetLog, request, [](const auto& r) -> const auto& { return r.log(); });
    }
    if (verb == "resend" && OneId(c, &id)) {
      v1::ResendLogRequest request;
      request.set_id(id);
      return Unary<v1::ResendLogRequest, v1::ResendLogResponse>(
          c, &Stub::ResendLog, request, [](const auto& r) -> const auto& { return r.log(); });
    }
  }
  if (group == "preview") {
    v1::PreviewNotificationRequest request;
    if (auto s = ReadJson(c, "file", request.mutable_notification()); !s.ok())
      return Usage(std::string(s.message()));
    if (!c.settings->Get("data").empty()) {
      if (auto s = ReadJson(c, "data", request.mutable_data()); !s.ok())
        return Usage(std::string(s.message()));
    }
    auto preview = c.client->Call(c.client->admin(), &Stub::PreviewNotification, request);
    return preview.ok() ? PrintJson(*preview, c.json) : Fail(preview.status());
  }
  return Usage("unknown command \"" + absl::StrJoin({group, verb}, " ") + "\" or a missing ID");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words;
  std::vector<std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("-", 0) == 0 && arg != "-") {
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
  if (!settings.ok()) return Usage(std::string(settings.status().message()));
  if (settings->help_requested() || words.empty()) {
    std::cout << parser.Usage();
    return words.empty() && !settings->help_requested() ? kUsageError : 0;
  }
  absl::StatusOr<std::string> target = settings->GetHostPort("target");
  absl::StatusOr<absl::Duration> timeout = settings->GetDuration("timeout", absl::Milliseconds(1));
  absl::StatusOr<bool> json = settings->GetBool("json");
  absl::StatusOr<int64_t> page_size = settings->GetInt("page-size", 1, 250);
  for (const absl::Status& s :
       {target.status(), timeout.status(), json.status(), page_size.status()}) {
    if (!s.ok()) return Usage(std::string(s.message()));
  }
  notify_client::Client client(
      {.target = *target, .token = settings->Get("token"), .timeout = *timeout});
  Context context{&client, &*settings, {}, *json};
  const std::string group = words[0];
  const std::string verb = words.size() > 1 ? words[1] : "";
  if (words.size() > 2) context.args.assign(words.begin() + 2, words.end());
  return Run(group, verb, context);
}
