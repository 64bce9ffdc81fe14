// What makes a notification valid, and the hook through which templates are checked.
#ifndef NOTIFY_SERVER_CORE_NOTIFICATION_RULES_H_
#define NOTIFY_SERVER_CORE_NOTIFICATION_RULES_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "notifications/v1/resources.pb.h"
#include "server/core/template/template.h"

namespace notify {

// The engine's dialect of a notification's or layout's `syntax`: UNSPECIFIED is Django's.
TemplateSyntax EngineSyntax(notifications::v1::TemplateSyntax syntax);

// Checks templates and expressions, in a dialect, before they are saved. InvalidArgument whose
// message starts with "line L, column C: " when one does not parse; ResourceExhausted when a
// template runs past its render budget whatever the data. Implementations are thread-safe.
class TemplateChecker {
 public:
  virtual ~TemplateChecker() = default;
  virtual absl::Status Check(absl::string_view text, TemplateSyntax syntax) const = 0;
  virtual absl::Status CheckExpression(absl::string_view text, TemplateSyntax syntax) const = 0;
};

// Checks with the template engine (server/core/template/).
class EngineTemplateChecker final : public TemplateChecker {
 public:
  // Templates are tried with `render`'s limits and clock (those of the deliveries).
  explicit EngineTemplateChecker(RenderOptions render = {}) : render_(std::move(render)) {}

  absl::Status Check(absl::string_view text, TemplateSyntax syntax) const override;
  absl::Status CheckExpression(absl::string_view text, TemplateSyntax syntax) const override;

 private:
  RenderOptions render_;
};

// InvalidArgument naming the field at fault (reason INVALID_FIELD, or TEMPLATE_INVALID for a
// template that does not parse; ResourceExhausted, reason TEMPLATE_BUDGET, for one past its budget
// whatever the data): a type and a name are required; the event must be one the platform
// sends; an email needs a subject and a text or html message, an SMS an sms_message, a push a
// push_message, an in-app message a subject or text_message; fixed addresses, numbers and users are
// well-formed (unless they are templates); every template parses in the notification's syntax.
absl::Status ValidateNotification(const notifications::v1::Notification& notification,
                                  const TemplateChecker& templates);

// A layout needs a name, and its templates must parse in its syntax.
absl::Status ValidateLayout(const notifications::v1::Layout& layout,
                            const TemplateChecker& templates);

bool IsEmailAddress(absl::string_view text);
// Whether a field holds a template ({{ or {%) rather than a fixed value: fixed addresses are
// checked at save, templated ones once rendered.
bool IsTemplateText(absl::string_view text);
bool IsE164Number(absl::string_view text);

}  // namespace notify

#endif  // NOTIFY_SERVER_CORE_NOTIFICATION_RULES_H_
