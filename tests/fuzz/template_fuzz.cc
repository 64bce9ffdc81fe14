// Fuzzes the template engine in both dialects: any text either parses into a template or fails with
// a positioned InvalidArgument, and a parsed template renders (in a text part and in an HTML part,
// with layouts to include) or fails with InvalidArgument or ResourceExhausted, never anything else,
// and never past its budget's bytes.
//
// Input: the first byte picks the dialect (bit 0: Liquid) and the part (bit 1: HTML); the rest is
// the template.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "server/core/template/template.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using notify::Template;
using notify::TemplateSyntax;

// Layouts by name, as a company's would be: one plain, one that shows another, one that shows
// itself (the budget's depth ends it).
class Layouts final : public notify::PartialSource {
 public:
  explicit Layouts(TemplateSyntax syntax) : syntax_(syntax) {}
  absl::StatusOr<Template> Find(absl::string_view name) const override {
    if (name == "plain") return Template::Parse("<p>{{ user.first_name }}</p>", syntax_);
    if (name == "nested") return Template::Parse("[{% render 'plain' %}]", syntax_);
    if (name == "loop") return Template::Parse("{% include 'loop' %}", syntax_);
    return absl::NotFoundError("no layout of that name");
  }

 private:
  TemplateSyntax syntax_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const TemplateSyntax syntax =
      (data[0] & 1) != 0 ? TemplateSyntax::kLiquid : TemplateSyntax::kDjango;
  const absl::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  absl::StatusOr<Template> parsed = Template::Parse(text, syntax);
  if (!parsed.ok()) {
    notify::fuzz::Require(parsed.status().code() == absl::StatusCode::kInvalidArgument,
                          "a template that does not parse is InvalidArgument", parsed.status());
    notify::fuzz::Require(absl::StartsWith(parsed.status().message(), "line ") ||
                              text.size() > notify::kMaxTemplateBytes,
                          "a parse error says where", parsed.status());
    return 0;
  }
  const Layouts layouts(syntax);
  notify::RenderOptions options;
  options.html_escape = (data[0] & 2) != 0;
  options.partials = &layouts;
  options.safe_values = {{"content", "<b>safe</b>"}};
  absl::StatusOr<std::string> rendered = parsed->Render(notify::fuzz::EventContext(), options);
  if (rendered.ok()) {
    notify::fuzz::Require(rendered->size() <= options.limits.max_bytes,
                          "the output stays within the budget's bytes", absl::OkStatus());
    return 0;
  }
  const absl::StatusCode code = rendered.status().code();
  notify::fuzz::Require(
      code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kResourceExhausted,
      "a render fails with InvalidArgument or ResourceExhausted", rendered.status());
  return 0;
}
