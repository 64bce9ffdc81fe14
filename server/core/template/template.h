// Templates in two dialects on one engine: Django's template language (the default, as the
// platform's official extension renders) and Shopify's Liquid 5, each rendering as the real engine
// does; tests/templates/ proves it case by case against real Django and real Liquid.
//
// Where we choose to differ from the real engines:
//  * Unknown filters and tags that need files, tag libraries or translations (Django's include,
//    extends, load, url, trans...) are parse errors that say so; Liquid itself would ignore an
//    unknown filter. Liquid's include and render show another template by name, which the
//    renderer's PartialSource gives (a layout of the company); without one they fail to render.
//  * Liquid's render takes `name [with|for value] [as alias] [, key: value]...` and nothing else;
//    Liquid ignores anything it does not recognise in the tag.
//  * A render that fails (a Liquid filter error, a Django filter argument that names nothing, a
//    budget exceeded) fails as a whole with a clear error; Liquid would print "Liquid error" inline
//    and Django would show its context in the exception.
//  * Liquid's increment and decrement count in 64 bits: one that would pass them fails the render
//    (Ruby's integers grow without bound).
//  * JSON objects keep their keys sorted; both engines would keep the document's order.
//  * Liquid outputs in an HTML part (`html_escape`) are escaped unless already safe (a layout's
//    content, a capture rendered escaped, the result of escape or newline_to_br); real Liquid never
//    escapes. Django's autoescaping is Django's own.
//  * Every render has a budget (see budget.h); the real engines have none.
#ifndef NOTIFY_SERVER_CORE_TEMPLATE_TEMPLATE_H_
#define NOTIFY_SERVER_CORE_TEMPLATE_TEMPLATE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "server/common/clock.h"
#include "server/core/template/budget.h"
#include "server/core/template/value.h"

namespace notify {

using TemplateSyntax = tmpl::Syntax;

// The largest template text accepted, in bytes.
inline constexpr std::size_t kMaxTemplateBytes = 64 * 1024;

class Template;

// The templates Liquid's `{% include 'name' %}` and `{% render 'name' %}` show. Implementations
// are used by one render at a time.
class PartialSource {
 public:
  virtual ~PartialSource() = default;
  // The template called `name`, parsed. NotFound when there is none; InvalidArgument when it
  // cannot be shown (it does not parse, the name is ambiguous), with a message that says why; any
  // other error (Unavailable) fails the render as it is.
  virtual absl::StatusOr<Template> Find(absl::string_view name) const = 0;
};

struct RenderOptions {
  // An HTML part: Django autoescapes (as its Engine does by default); Liquid escapes outputs (see
  // above). Text parts (subjects, SMS, push) leave text as it is.
  bool html_escape = false;
  tmpl::Limits limits;
  // Top-level variables bound to text that is already safe HTML (a layout's `content`): never
  // escaped, and they hide a context member of the same name.
  std::map<std::string, std::string> safe_values;
  // Where the deadline and `now` come from; nullptr means the real clock.
  const Clock* clock = nullptr;
  // What include and render show; nullptr: they fail, naming what they asked for.
  const PartialSource* partials = nullptr;
};

namespace tmpl {
struct Tree;
}  // namespace tmpl

// A parsed template. Cheap to copy (the tree is shared and immutable); Render is const and
// thread-safe.
class Template {
 public:
  // InvalidArgument whose message starts with "line L, column C: " (1-based) when `text` does not
  // parse in `syntax`, or is longer than kMaxTemplateBytes.
  static absl::StatusOr<Template> Parse(absl::string_view text,
                                        TemplateSyntax syntax = TemplateSyntax::kDjango);

  // Renders over `context` (usually an object), which is referenced, never copied.
  // ResourceExhausted when the budget runs out; InvalidArgument ("line L, column C: ...") when a
  // filter or tag fails.
  absl::StatusOr<std::string> Render(const nlohmann::json& context,
                                     const RenderOptions& options = {}) const;

  TemplateSyntax syntax() const;
  // The parsed tree, for the engine's own tags (include and render).
  const tmpl::Tree& tree() const;

 private:
  explicit Template(std::shared_ptr<const tmpl::Tree> tree) : tree_(std::move(tree)) {}

  std::shared_ptr<const tmpl::Tree> tree_;
};

// "django" / "liquid"; and back (nullopt for anything else).
absl::string_view SyntaxName(TemplateSyntax syntax);
std::optional<TemplateSyntax> SyntaxFromName(absl::string_view name);

}  // namespace notify

#endif  // NOTIFY_SERVER_CORE_TEMPLATE_TEMPLATE_H_
