#include "server/core/event_planner.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/common/enum_names.h"
#include "server/common/json.h"
#include "server/common/status.h"
#include "server/core/notification_rules.h"
#include "server/core/template/expression.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;
using json = nlohmann::json;

// Devices read per page when listing a user's devices.
constexpr int kDevicePage = 100;
// Most devices one message goes to.
constexpr int kMaxDevices = 50;

// The event's own user: `data.user` (an object or an id); for user.* events without one, the
// resource itself.
std::pair<std::string, json> EventUser(absl::string_view event_name, const json& data) {
  if (!data.is_object()) return {"", nullptr};
  if (auto it = data.find("user"); it != data.end()) {
    if (it->is_object()) return {StringField(*it, "id"), *it};
    if (it->is_string()) return {it->get<std::string>(), nullptr};
  }
  if (absl::StartsWith(event_name, "user.") && !StringField(data, "id").empty()) {
    return {StringField(data, "id"), data};
  }
  return {"", nullptr};
}

// Events whose own address is where the message must go (the one being verified), not the user's
// primary one.
std::string EventEmail(absl::string_view event_name, const json& data) {
  if (event_name == "user.email.verify" || event_name == "email.create" ||
      event_name == "email.update") {
    return StringField(data, "email");
  }
  return "";
}

std::string EventMobile(absl::string_view event_name, const json& data) {
  if (event_name == "user.mobile.verify" || event_name == "mfa.sms.verify" ||
      event_name == "mobile.create" || event_name == "mobile.update") {
    return StringField(data, "mobile");
  }
  return "";
}

absl::Status Annotate(const absl::Status& status, absl::string_view part) {
  return absl::Status(status.code(), absl::StrCat(part, ": ", status.message()));
}

// An integer member of `object` (the platform's amounts are integers), or nullopt.
std::optional<int64_t> IntegerField(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned() &&
      it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::numeric_limits<int64_t>::max();
  }
  return it->get<int64_t>();
}

// Event data is the company's own, any integer: sums and magnitudes saturate rather than overflow.
int64_t Add(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
}

int64_t Magnitude(int64_t value) {
  if (value == std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::max();
  return value < 0 ? -value : value;
}

// `computed` of a transaction event (see Context). The platform signs amounts by direction (a
// debit's amount and fee are negative), and its total_amount is amount + fee; messages want
// magnitudes. A transaction without a top-level fee gives the sum of its `fees` list.
json Computed(const json& tx) {
  const int64_t amount = IntegerField(tx, "amount").value_or(0);
  std::optional<int64_t> fee = IntegerField(tx, "fee");
  if (!fee.has_value()) {
    int64_t sum = 0;
    auto fees = tx.find("fees");
    if (fees != tx.end() && fees->is_array()) {
      for (const json& f : *fees) {
        if (f.is_object()) sum = Add(sum, IntegerField(f, "amount").value_or(0));
      }
    }
    fee = sum;
  }
  const int64_t total = IntegerField(tx, "total_amount").value_or(Add(amount, *fee));
  return {{"fee", Magnitude(*fee)}, {"total_amount", Magnitude(total)}};
}

absl::StatusOr<std::string> RenderText(absl::string_view text, v1::TemplateSyntax syntax,
                                       const json& context, const RenderOptions& options) {
  if (text.empty()) return std::string();
  NOTIFY_ASSIGN_OR_RETURN(Template t, Template::Parse(text, EngineSyntax(syntax)));
  return t.Render(context, options);
}

// The company's layouts by name, as Liquid's include and render show them: the same part of the
// layout (subjects show text parts) in the layout's syntax. Each name is read once per Render,
// whatever the parts that show it, and parsed once per part.
class LayoutPartials final : public PartialSource {
 public:
  using Part = const std::string& (v1::Layout::*)() const;

  LayoutPartials(LayoutStore& layouts, absl::string_view company, Part part)
      : layouts_(layouts), company_(company), part_(part) {}

  void set_part(Part part) {
    if (part != part_) parsed_.clear();
    part_ = part;
  }

  absl::StatusOr<Template> Find(absl::string_view name) const override {
    auto it = parsed_.find(name);
    if (it == parsed_.end()) {
      const absl::StatusOr<v1::Layout>& layout = Read(name);
      it = parsed_
               .emplace(std::string(name),
                        layout.ok()
                            ? Template::Parse((*layout.*part_)(), EngineSyntax(layout->syntax()))
                            : absl::StatusOr<Template>(layout.status()))
               .first;
    }
    return it->second;
  }

 private:
  const absl::StatusOr<v1::Layout>& Read(absl::string_view name) const {
    auto it = layouts_read_.find(name);
    if (it != layouts_read_.end()) return it->second;
    LayoutFilter filter;
    filter.name = std::string(name);
    // Names are not unique: two rows tell one from several.
    absl::StatusOr<std::vector<v1::Layout>> named = layouts_.List(company_, filter, "", 2, 0);
    absl::StatusOr<v1::Layout> layout =
        !named.ok()         ? absl::StatusOr<v1::Layout>(named.status())
        : named->empty()    ? absl::NotFoundError(absl::StrCat("no layout is named ", name))
        : named->size() > 1 ? absl::InvalidArgumentError(
                                  "several layouts have that name; rename all but one so that "
                                  "it names one layout")
                            : absl::StatusOr<v1::Layout>(std::move(named->front()));
    return layouts_read_.emplace(std::string(name), std::move(layout)).first->second;
  }

  LayoutStore& layouts_;
  std::string company_;
  Part part_;
  mutable std::map<std::string, absl::StatusOr<v1::Layout>, std::less<>> layouts_read_;
  mutable std::map<std::string, absl::StatusOr<Template>, std::less<>> parsed_;
};

}  // namespace

// One planning pass over an event: remembers the users it looked up.
class EventPlanner::Run {
 public:
  Run(const EventPlanner& planner, const CompanyContext& company, absl::string_view event_uuid,
      absl::string_view event_name, const json& data)
      : planner_(planner),
        company_(company),
        event_uuid_(event_uuid),
        event_name_(event_name),
        data_(data),
        context_(Context(company, event_name, data)) {}

  const json& context() const { return context_; }

  // Takes `user` as what the platform says of user `id`.
  void Remember(const std::string& id, const json& user) {
    users_[id] = user;
    looked_up_.insert(id);
  }

  // Plans `n` for the given people (user ids; looked up on the platform), or for the event's own
  // recipients when `user_ids` is null.
  absl::Status PlanNotification(const v1::Notification& n, const std::vector<std::string>* user_ids,
                                std::vector<NewDelivery>& out) {
    const v1::NotificationType type = n.type();
    NewDelivery base;
    base.event_id = event_uuid_;
    base.notification_id = n.id();
    base.notification_name = n.name();
    base.event = event_name_;
    base.type = type;
    base.from_email = !n.from_email().empty()          ? n.from_email()
                      : !company_.system_email.empty() ? company_.system_email
                                                       : planner_.options_.default_from_email;

    absl::StatusOr<RenderedParts> parts = planner_.Render(company_, n, context_);
    if (!parts.ok() &&
        (absl::IsUnavailable(parts.status()) || absl::IsDeadlineExceeded(parts.status()))) {
      return parts.status();
    }
    // A templated sender ("{{ context.company.name|slugify }}@example.com") is rendered like the
    // recipients; what is not then an address fails the email as a failing part does.
    if (parts.ok() && type == v1::NOTIFICATION_TYPE_EMAIL && IsTemplateText(n.from_email())) {
      NOTIFY_ASSIGN_OR_RETURN(base.from_email, Fixed(n, n.from_email()));
      if (!IsEmailAddress(base.from_email)) {
        parts = absl::InvalidArgumentError(absl::StrCat(
            "from_email: rendered to \"", base.from_email, "\", which is not an email address"));
      }
    }
    if (parts.ok()) {
      base.subject = parts->subject;
      base.text_message = parts->text_message;
      base.html_message = parts->html_message;
      base.sms_message = parts->sms_message;
      base.push_message = parts->push_message;
    }
    auto add = [&](NewDelivery d, absl::string_view key) {
      d.dedupe_key = absl::StrCat(event_uuid_, "/", n.id(), "/", ShortName(d.type), "/", key);
      if (!parts.ok() && d.status == v1::LOG_STATUS_PENDING) {
        d.status = v1::LOG_STATUS_DEAD;
        d.last_error = absl::StrCat("rendering failed: ", parts.status().message());
      }
      out.push_back(std::move(d));
    };
    auto skip = [&](NewDelivery d, absl::string_view key, std::string reason) {
      d.status = v1::LOG_STATUS_SKIPPED;
      d.last_error = std::move(reason);
      add(std::move(d), key);
    };

    // Fixed addresses: the message goes there, to no user of the event.
    if (user_ids == nullptr && type == v1::NOTIFICATION_TYPE_EMAIL && !n.to_email().empty()) {
      NOTIFY_ASSIGN_OR_RETURN(std::string to, Fixed(n, n.to_email()));
      NewDelivery d = base;
      d.recipient = to;
      if (IsEmailAddress(to)) {
        add(d, to);
      } else {
        skip(d, to, absl::StrCat("not an email address: ", to));
      }
      return absl::OkStatus();
    }
    if (user_ids == nullptr && type == v1::NOTIFICATION_TYPE_SMS && !n.to_mobile().empty()) {
      NOTIFY_ASSIGN_OR_RETURN(std::string to, Fixed(n, n.to_mobile()));
      NewDelivery d = base;
      d.recipient = to;
      if (IsE164Number(to)) {
        add(d, to);
      } else {
        skip(d, to, absl::StrCat("not a mobile number: ", to));
      }
      return absl::OkStatus();
    }

    // People: the chosen users, the notification's fixed user, or the event's user.
    std::vector<std::string> ids;
    bool event_user = false;
    if (user_ids != nullptr) {
      ids = *user_ids;
    } else if (!n.to_user().empty()) {
      NOTIFY_ASSIGN_OR_RETURN(std::string id, Fixed(n, n.to_user()));
      ids.push_back(id);
    } else {
      auto [id, user] = EventUser(event_name_, data_);
      if (!id.empty()) {
        if (user.is_object()) users_.emplace(id, user);
        ids.push_back(id);
        event_user = true;
      }
    }
    if (ids.empty()) {
      skip(base, "none", "the event names no user and the notification no fixed recipient");
      return absl::OkStatus();
    }

    for (const std::string& id : ids) {
      NewDelivery d = base;
      d.user_id = id;
      if (id.empty()) continue;
      if (n.preference_enabled()) {
        absl::StatusOr<UserNotificationRecord> pref =
            planner_.notifications_->GetForUser(company_.id, id, n.id());
        if (!pref.ok() && !absl::IsNotFound(pref.status())) return pref.status();
        if (pref.ok() && !pref->enabled) {
          d.recipient = id;
          skip(d, id, "the user turned this notification off");
          continue;
        }
      }
      if (type == v1::NOTIFICATION_TYPE_SYSTEM) {
        d.recipient = id;
        d.status = v1::LOG_STATUS_SENT;
        add(d, id);
        continue;
      }
      if (n.system_enabled()) {
        // A copy in the user's in-app inbox, whatever becomes of the message itself.
        NewDelivery copy = d;
        copy.type = v1::NOTIFICATION_TYPE_SYSTEM;
        copy.recipient = id;
        copy.status = v1::LOG_STATUS_SENT;
        if (copy.text_message.empty()) {
          copy.text_message = !copy.sms_message.empty() ? copy.sms_message : copy.push_message;
        }
        add(copy, id);
      }
      if (type == v1::NOTIFICATION_TYPE_PUSH) {
        NOTIFY_RETURN_IF_ERROR(PlanPush(d, id, add, skip));
        continue;
      }
      const bool email = type == v1::NOTIFICATION_TYPE_EMAIL;
      std::string address =
          event_user ? (email ? EventEmail(event_name_, data_) : EventMobile(event_name_, data_))
                     : "";
      const char* field = email ? "email" : "mobile";
      if (address.empty()) {
        absl::StatusOr<const json*> user = User(id, field);
        if (!user.ok()) return user.status();
        if (*user == nullptr) {
          d.recipient = id;
          skip(d, id, absl::StrCat("user ", id, " is not a user of the company on the platform"));
          continue;
        }
        address = StringField(**user, field);
      }
      d.recipient = address;
      if (address.empty()) {
        d.recipient = id;
        skip(d, id, absl::StrCat("user ", id, " has no ", field));
      } else if (email ? !IsEmailAddress(address) : !IsE164Number(address)) {
        skip(d, id,
             absl::StrCat("not ", email ? "an email address" : "a mobile number", ": ", address));
      } else {
        add(d, id);
      }
    }
    return absl::OkStatus();
  }

  // The user `id` with `field` known: from the event when it carries it, else from the platform.
  // Null when the platform does not know the user.
  absl::StatusOr<const json*> User(const std::string& id, const char* field) {
    auto it = users_.find(id);
    if (it != users_.end() && (it->second.is_null() || !StringField(it->second, field).empty() ||
                               looked_up_.count(id) > 0)) {
      return it->second.is_null() ? nullptr : &it->second;
    }
    if (company_.platform_token.empty()) {
      return absl::UnavailableError("the company has no platform token to look users up with");
    }
    looked_up_.insert(id);
    absl::StatusOr<PlatformUser> user = planner_.platform_->GetUser(company_.platform_token, id);
    if (absl::IsNotFound(user.status())) {
      users_[id] = nullptr;
      return nullptr;
    }
    if (!user.ok()) {
      return absl::Status(user.status().code(),
                          absl::StrCat("looking up user ", id, ": ", user.status().message()));
    }
    users_[id] = PlatformUserJson(*user);
    return &users_[id];
  }

 private:
  template <typename Add, typename Skip>
  absl::Status PlanPush(NewDelivery d, const std::string& user_id, Add& add, Skip& skip) {
    if (!company_.push_enabled) {
      d.recipient = user_id;
      skip(d, user_id, "push is turned off for the company");
      return absl::OkStatus();
    }
    std::vector<v1::Device> devices;
    std::string before;
    while (static_cast<int>(devices.size()) < kMaxDevices) {
      NOTIFY_ASSIGN_OR_RETURN(
          std::vector<v1::Device> page,
          planner_.devices_->List(company_.id, user_id, before, kDevicePage, 0));
      for (auto& device : page) devices.push_back(std::move(device));
      if (static_cast<int>(page.size()) < kDevicePage) break;
      before = devices.back().id();
    }
    if (devices.empty()) {
      d.recipient = user_id;
      skip(d, user_id, "the user has no registered device");
      return absl::OkStatus();
    }
    for (const v1::Device& device : devices) {
      NewDelivery one = d;
      one.device_id = device.id();
      one.device_token = device.token();
      one.recipient = device.name().empty() ? device.id() : device.name();
      add(one, absl::StrCat(user_id, "/", device.id()));
    }
    return absl::OkStatus();
  }

  // A fixed recipient field of `n`, rendered (it may be a template such as {{ user.email }}).
  absl::StatusOr<std::string> Fixed(const v1::Notification& n, absl::string_view text) {
    absl::StatusOr<std::string> rendered =
        RenderText(text, n.syntax(), context_, planner_.options_.render);
    if (!rendered.ok()) return std::string();  // Planned as skipped: not an address.
    return std::string(absl::StripAsciiWhitespace(*rendered));
  }

  const EventPlanner& planner_;
  const CompanyContext& company_;
  std::string event_uuid_;
  std::string event_name_;
  const json& data_;
  json context_;
  std::map<std::string, json> users_;
  std::set<std::string> looked_up_;
};

EventPlanner::EventPlanner(Options options, NotificationStore* notifications, LayoutStore* layouts,
                           DeviceStore* devices, PlatformClient* platform)
    : options_(std::move(options)),
      notifications_(notifications),
      layouts_(layouts),
      devices_(devices),
      platform_(platform) {}

json EventPlanner::Context(const CompanyContext& company, absl::string_view event_name,
                           const json& data) {
  json context = data.is_object() ? data : json::object();
  if (absl::StartsWith(event_name, "transaction.")) context["computed"] = Computed(context);
  context["context"] = {{"company",
                         {{"id", company.id},
                          {"name", company.name},
                          {"system_email", company.system_email},
                          {"support_email", company.support_email},
                          {"logo", company.logo},
                          {"icon", company.icon},
                          {"website", company.website}}}};
  return context;
}

absl::StatusOr<RenderedParts> EventPlanner::Render(const CompanyContext& company,
                                                   const v1::Notification& n,
                                                   const json& context) const {
  v1::Layout layout;
  if (!n.layout().empty()) {
    absl::StatusOr<v1::Layout> found = layouts_->Get(company.id, n.layout());
    if (found.ok()) {
      layout = *std::move(found);
    } else if (!absl::IsNotFound(found.status())) {
      return found.status();
    }
  }
  LayoutPartials partials(*layouts_, company.id, &v1::Layout::text_message);
  RenderOptions text = options_.render;
  text.html_escape = false;
  text.partials = &partials;
  RenderOptions html = text;
  html.html_escape = true;

  auto part = [&](absl::string_view name, const std::string& body, const std::string& wrapper,
                  const RenderOptions& options,
                  LayoutPartials::Part partial_part) -> absl::StatusOr<std::string> {
    partials.set_part(partial_part);
    absl::StatusOr<std::string> content = RenderText(body, n.syntax(), context, options);
    if (!content.ok()) return Annotate(content.status(), name);
    if (wrapper.empty() || content->empty()) return content;
    RenderOptions wrapped = options;
    wrapped.safe_values["content"] = *content;
    absl::StatusOr<std::string> out = RenderText(wrapper, layout.syntax(), context, wrapped);
    if (!out.ok()) return Annotate(out.status(), absl::StrCat("layout ", name));
    return out;
  };
  RenderedParts parts;
  NOTIFY_ASSIGN_OR_RETURN(parts.subject,
                          part("subject", n.subject(), "", text, &v1::Layout::text_message));
  NOTIFY_ASSIGN_OR_RETURN(parts.text_message,
                          part("text_message", n.text_message(), layout.text_message(), text,
                               &v1::Layout::text_message));
  NOTIFY_ASSIGN_OR_RETURN(parts.html_message,
                          part("html_message", n.html_message(), layout.html_message(), html,
                               &v1::Layout::html_message));
  NOTIFY_ASSIGN_OR_RETURN(
      parts.sms_message,
      part("sms_message", n.sms_message(), layout.sms_message(), text, &v1::Layout::sms_message));
  NOTIFY_ASSIGN_OR_RETURN(parts.push_message,
                          part("push_message", n.push_message(), layout.push_message(), text,
                               &v1::Layout::push_message));
  return parts;
}

ExpressionResult EventPlanner::Evaluate(const v1::Notification& n, const json& context) {
  if (absl::StripAsciiWhitespace(n.expression()).empty()) return {true, ""};
  absl::StatusOr<Expression> expression =
      Expression::Parse(n.expression(), EngineSyntax(n.syntax()));
  absl::StatusOr<bool> holds =
      expression.ok() ? expression->Evaluate(context) : expression.status();
  if (!holds.ok()) return {false, std::string(holds.status().message())};
  return {*holds, ""};
}

absl::StatusOr<std::vector<v1::Notification>> EventPlanner::EnabledNotifications(
    absl::string_view company, absl::string_view event_name) const {
  NotificationFilter filter;
  filter.event = std::string(event_name);
  filter.enabled = true;
  std::vector<v1::Notification> all;
  std::string after;
  for (;;) {
    NOTIFY_ASSIGN_OR_RETURN(std::vector<v1::Notification> page,
                            notifications_->List(company, filter, after, 100, 0));
    const bool last = page.size() < 100;
    for (v1::Notification& n : page) all.push_back(std::move(n));
    if (last) break;
    after = all.back().id();
  }
  return all;
}

absl::StatusOr<EventPlan> EventPlanner::Plan(const CompanyContext& company,
                                             absl::string_view event_uuid,
                                             absl::string_view event_name, const json& data) const {
  NOTIFY_ASSIGN_OR_RETURN(std::vector<v1::Notification> notifications,
                          EnabledNotifications(company.id, event_name));
  return Plan(company, event_uuid, event_name, data, notifications);
}

absl::StatusOr<EventPlan> EventPlanner::Plan(
    const CompanyContext& company, absl::string_view event_uuid, absl::string_view event_name,
    const json& data, const std::vector<v1::Notification>& notifications) const {
  EventPlan plan;
  Run run(*this, company, event_uuid, event_name, data);
  for (const v1::Notification& n : notifications) {
    ExpressionResult holds = Evaluate(n, run.context());
    if (!holds.error.empty()) {
      plan.problems.push_back(absl::StrCat("notification \"", n.name(), "\" (", n.id(),
                                           "): expression: ", holds.error));
    }
    if (!holds.fires) continue;
    NOTIFY_RETURN_IF_ERROR(run.PlanNotification(n, nullptr, plan.deliveries));
  }
  return plan;
}

absl::StatusOr<std::vector<NewDelivery>> EventPlanner::PlanTrigger(
    const CompanyContext& company, absl::string_view event_uuid, const v1::Notification& n,
    const json& data, const std::vector<std::string>& user_ids,
    const std::map<std::string, json>& known) const {
  std::vector<NewDelivery> deliveries;
  for (const std::string& id : user_ids) {
    json user_data = data.is_object() ? data : json::object();
    const json* user = nullptr;
    Run lookup(*this, company, event_uuid, n.event(), data);
    if (auto it = known.find(id); it != known.end()) {
      user = &it->second;
    } else {
      absl::StatusOr<const json*> found = lookup.User(id, "id");
      if (!found.ok()) return found.status();
      user = *found;
    }
    const std::vector<std::string> one = {id};
    if (user == nullptr) {  // Not a user of the company: planned as skipped, with the reason.
      NOTIFY_RETURN_IF_ERROR(lookup.PlanNotification(n, &one, deliveries));
      continue;
    }
    if (!user_data.contains("user")) user_data["user"] = *user;
    Run run(*this, company, event_uuid, n.event(), user_data);
    run.Remember(id, *user);
    NOTIFY_RETURN_IF_ERROR(run.PlanNotification(n, &one, deliveries));
  }
  return deliveries;
}

}  // namespace notify
