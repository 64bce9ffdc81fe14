#include "server/core/notification_rules.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/common/crypto.h"
#include "server/common/status.h"
#include "server/core/ingest.h"
#include "server/core/template/expression.h"
#include "server/core/template/template.h"

namespace notify {
namespace {

namespace v1 = notifications::v1;

bool Blank(absl::string_view text) { return absl::StripAsciiWhitespace(text).empty(); }

absl::Status CheckTemplate(const TemplateChecker& templates, TemplateSyntax syntax,
                           absl::string_view field, absl::string_view text) {
  absl::Status status = templates.Check(text, syntax);
  if (status.ok()) return status;
  if (absl::IsResourceExhausted(status)) {
    return WithField(
        WithReason(absl::ResourceExhaustedError(absl::StrCat(field, ": ", status.message())),
                   "TEMPLATE_BUDGET"),
        field);
  }
  return InvalidField(field, status.message(), "TEMPLATE_INVALID");
}

absl::Status CheckSyntax(v1::TemplateSyntax syntax) {
  if (v1::TemplateSyntax_IsValid(syntax)) return absl::OkStatus();
  return InvalidField("syntax", "the syntax is django or liquid");
}

}  // namespace

TemplateSyntax EngineSyntax(v1::TemplateSyntax syntax) {
  return syntax == v1::TEMPLATE_SYNTAX_LIQUID ? TemplateSyntax::kLiquid : TemplateSyntax::kDjango;
}

bool IsTemplateText(absl::string_view text) {
  return absl::StrContains(text, "{{") || absl::StrContains(text, "{%");
}

bool IsEmailAddress(absl::string_view text) {
  const size_t at = text.find('@');
  if (at == absl::string_view::npos || at == 0 || text.rfind('@') != at) return false;
  const absl::string_view domain = text.substr(at + 1);
  const size_t dot = domain.rfind('.');
  if (dot == absl::string_view::npos || dot == 0 || dot + 2 > domain.size()) return false;
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) || c == ',' || c == '<' || c == '>') {
      return false;
    }
  }
  return true;
}

bool IsE164Number(absl::string_view text) {
  if (text.size() < 8 || text.size() > 16 || text[0] != '+' || text[1] == '0') return false;
  for (char c : text.substr(1)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::Status ValidateNotification(const v1::Notification& n, const TemplateChecker& templates) {
  if (n.type() == v1::NOTIFICATION_TYPE_UNSPECIFIED) {
    return InvalidField("type", "a type is required: EMAIL, SMS, PUSH or SYSTEM");
  }
  if (Blank(n.name())) return InvalidField("name", "a name is required");
  NOTIFY_RETURN_IF_ERROR(CheckSyntax(n.syntax()));
  if (Blank(n.event()))
    return InvalidField("event", "an event is required, such as transaction.create");
  if (!IsKnownEvent(n.event())) {
    return InvalidField("event",
                        absl::StrCat("\"", n.event(), "\" is not an event the platform sends"));
  }
  switch (n.type()) {
    case v1::NOTIFICATION_TYPE_EMAIL:
      if (Blank(n.subject())) return InvalidField("subject", "an email needs a subject");
      if (Blank(n.text_message()) && Blank(n.html_message())) {
        return InvalidField("text_message", "an email needs a text_message or an html_message");
      }
      break;
    case v1::NOTIFICATION_TYPE_SMS:
      if (Blank(n.sms_message())) return InvalidField("sms_message", "an SMS needs an sms_message");
      break;
    case v1::NOTIFICATION_TYPE_PUSH:
      if (Blank(n.push_message()))
        return InvalidField("push_message", "a push needs a push_message");
      break;
    case v1::NOTIFICATION_TYPE_SYSTEM:
      if (Blank(n.subject()) && Blank(n.text_message())) {
        return InvalidField("text_message", "an in-app message needs a subject or a text_message");
      }
      break;
    default:
      return InvalidField("type", "unknown type");
  }
  if (!n.to_email().empty() && !IsTemplateText(n.to_email()) && !IsEmailAddress(n.to_email())) {
    return InvalidField("to_email", absl::StrCat("\"", n.to_email(), "\" is not an email address"));
  }
  if (!n.from_email().empty() && !IsTemplateText(n.from_email()) &&
      !IsEmailAddress(n.from_email())) {
    return InvalidField("from_email",
                        absl::StrCat("\"", n.from_email(), "\" is not an email address"));
  }
  if (!n.to_mobile().empty() && !IsTemplateText(n.to_mobile()) && !IsE164Number(n.to_mobile())) {
    return InvalidField("to_mobile",
                        absl::StrCat("\"", n.to_mobile(),
                                     "\" is not a mobile number in E.164 form (+27821234567)"));
  }
  if (!n.to_user().empty() && !IsTemplateText(n.to_user()) && !IsUuid(n.to_user())) {
    return InvalidField("to_user", "a user is given by their platform id, a UUID");
  }
  const std::vector<std::pair<const char*, const std::string*>> fields = {
      {"subject", &n.subject()},           {"text_message", &n.text_message()},
      {"html_message", &n.html_message()}, {"sms_message", &n.sms_message()},
      {"push_message", &n.push_message()}, {"to_email", &n.to_email()},
      {"to_mobile", &n.to_mobile()},       {"to_user", &n.to_user()},
      {"from_email", &n.from_email()}};
  const TemplateSyntax syntax = EngineSyntax(n.syntax());
  for (const auto& [field, text] : fields)
    NOTIFY_RETURN_IF_ERROR(CheckTemplate(templates, syntax, field, *text));
  if (absl::Status s = templates.CheckExpression(n.expression(), syntax); !s.ok()) {
    return InvalidField("expression", s.message(), "EXPRESSION_INVALID");
  }
  return absl::OkStatus();
}

absl::Status EngineTemplateChecker::Check(absl::string_view text, TemplateSyntax syntax) const {
  NOTIFY_ASSIGN_OR_RETURN(Template parsed, Template::Parse(text, syntax));
  // A trial render over no data: work that no event's data changes (a loop over a huge range, a
  // string doubled until it is megabytes) runs past the budget in every delivery, so it is refused
  // now. Any other failure may well depend on the data, and is left to the preview.
  absl::StatusOr<std::string> trial = parsed.Render(nlohmann::json::object(), render_);
  if (absl::IsResourceExhausted(trial.status())) return trial.status();
  return absl::OkStatus();
}

absl::Status EngineTemplateChecker::CheckExpression(absl::string_view text,
                                                    TemplateSyntax syntax) const {
  return Expression::Parse(text, syntax).status();
}

absl::Status ValidateLayout(const v1::Layout& layout, const TemplateChecker& templates) {
  if (Blank(layout.name())) return InvalidField("name", "a name is required");
  NOTIFY_RETURN_IF_ERROR(CheckSyntax(layout.syntax()));
  const TemplateSyntax syntax = EngineSyntax(layout.syntax());
  const std::vector<std::pair<const char*, const std::string*>> fields = {
      {"html_message", &layout.html_message()},
      {"text_message", &layout.text_message()},
      {"sms_message", &layout.sms_message()},
      {"push_message", &layout.push_message()}};
  for (const auto& [field, text] : fields)
    NOTIFY_RETURN_IF_ERROR(CheckTemplate(templates, syntax, field, *text));
  return absl::OkStatus();
}

}  // namespace notify
