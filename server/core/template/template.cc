#include "server/core/template/template.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/common/status.h"
#include "server/core/template/ast.h"
#include "server/core/template/lexer.h"
#include "server/core/template/parser.h"
#include "server/core/template/render.h"

namespace notify {

absl::StatusOr<Template> Template::Parse(absl::string_view text, TemplateSyntax syntax) {
  if (text.size() > kMaxTemplateBytes) {
    return absl::InvalidArgumentError(absl::StrCat("line 1, column 1: the template is ",
                                                   text.size(), " bytes; at most ",
                                                   kMaxTemplateBytes, " are allowed"));
  }
  const tmpl::LineMap lines(text);
  NOTIFY_ASSIGN_OR_RETURN(std::vector<tmpl::Piece> pieces, tmpl::Lex(text, syntax, lines));
  tmpl::Parser parser(std::move(pieces), syntax, lines);
  auto tree = std::make_shared<tmpl::Tree>();
  tree->syntax = syntax;
  NOTIFY_ASSIGN_OR_RETURN(tree->nodes, parser.ParseDocument());
  return Template(std::move(tree));
}

absl::StatusOr<std::string> Template::Render(const nlohmann::json& context,
                                             const RenderOptions& options) const {
  const Clock* clock = options.clock != nullptr ? options.clock : RealClock::Get();
  tmpl::Budget budget(options.limits, clock);
  tmpl::RenderState state(tree_->syntax, context, budget, options.html_escape, clock->Now(),
                          options.safe_values);
  state.set_partials(options.partials);
  std::string out;
  absl::Status status = state.RenderList(tree_->nodes, out);
  if (status.code() == absl::StatusCode::kNotFound) {
    return absl::InvalidArgumentError(status.message());
  }
  NOTIFY_RETURN_IF_ERROR(status);
  return out;
}

TemplateSyntax Template::syntax() const { return tree_->syntax; }

const tmpl::Tree& Template::tree() const { return *tree_; }

absl::string_view SyntaxName(TemplateSyntax syntax) {
  return syntax == TemplateSyntax::kLiquid ? "liquid" : "django";
}

std::optional<TemplateSyntax> SyntaxFromName(absl::string_view name) {
  if (name == "django") return TemplateSyntax::kDjango;
  if (name == "liquid") return TemplateSyntax::kLiquid;
  return std::nullopt;
}

}  // namespace notify
