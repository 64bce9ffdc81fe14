// Our side of the conformance protocol (README.md here): one JSON request per stdin line,
// {"syntax": "django"|"liquid", "template": "...", "context": {...}, "autoescape": bool}, one
// answer per stdout line, {"output": "..."} or {"error": "<code>: message"}. A request's
// "partials" ({"name": "template", ...}) are what Liquid's include and render show.
#include <iostream>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "server/core/template/template.h"

namespace {

// The request's partials, parsed in its syntax when first shown.
class MapPartials final : public notify::PartialSource {
 public:
  MapPartials(const nlohmann::json& partials, notify::TemplateSyntax syntax)
      : partials_(partials), syntax_(syntax) {}

  absl::StatusOr<notify::Template> Find(absl::string_view name) const override {
    auto it = partials_.find(name);
    if (it == partials_.end() || !it->is_string()) return absl::NotFoundError("no such partial");
    return notify::Template::Parse(it->get<std::string>(), syntax_);
  }

 private:
  const nlohmann::json& partials_;
  notify::TemplateSyntax syntax_;
};

nlohmann::json Answer(const std::string& line) {
  const nlohmann::json request = nlohmann::json::parse(line, nullptr, false);
  if (!request.is_object()) return {{"error", "bad request: not a JSON object"}};
  const std::optional<notify::TemplateSyntax> syntax =
      notify::SyntaxFromName(request.value("syntax", "django"));
  if (!syntax.has_value()) return {{"error", "bad request: unknown syntax"}};
  absl::StatusOr<notify::Template> parsed =
      notify::Template::Parse(request.value("template", ""), *syntax);
  if (!parsed.ok()) return {{"error", parsed.status().ToString()}};
  notify::RenderOptions options;
  // Django's Engine escapes by default; Liquid never does.
  options.html_escape = request.value("autoescape", *syntax == notify::TemplateSyntax::kDjango);
  const nlohmann::json context = request.value("context", nlohmann::json::object());
  const nlohmann::json partials = request.value("partials", nlohmann::json::object());
  const MapPartials source(partials, *syntax);
  options.partials = &source;
  absl::StatusOr<std::string> rendered = parsed->Render(context, options);
  if (!rendered.ok()) return {{"error", rendered.status().ToString()}};
  return {{"output", *rendered}};
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    std::cout << Answer(line).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << std::endl;
  }
  return 0;
}
