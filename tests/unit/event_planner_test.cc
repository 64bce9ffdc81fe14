// The planner's rendering over a counting layout store: what it reads to render a notification.
#include "server/core/event_planner.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace notify {
namespace {

namespace v1 = notifications::v1;

// Layouts in memory; counts the lists (the lookups by name).
class CountingLayouts final : public LayoutStore {
 public:
  void Add(v1::Layout layout) { layouts_.push_back(std::move(layout)); }
  int lists() const { return lists_; }

  absl::StatusOr<v1::Layout> Create(absl::string_view, v1::Layout) override {
    return absl::UnimplementedError("not here");
  }
  absl::StatusOr<v1::Layout> Get(absl::string_view, absl::string_view) override {
    return absl::NotFoundError("no layout");
  }
  absl::StatusOr<std::vector<v1::Layout>> List(absl::string_view, const LayoutFilter& filter,
                                               absl::string_view, int limit, int) override {
    ++lists_;
    std::vector<v1::Layout> out;
    for (const v1::Layout& l : layouts_) {
      if (static_cast<int>(out.size()) < limit && l.name() == filter.name) out.push_back(l);
    }
    return out;
  }
  absl::StatusOr<int> Count(absl::string_view, const LayoutFilter&) override {
    return absl::UnimplementedError("not here");
  }
  absl::StatusOr<v1::Layout> Update(absl::string_view, absl::string_view,
                                    const std::function<absl::Status(v1::Layout&)>&) override {
    return absl::UnimplementedError("not here");
  }
  absl::Status Delete(absl::string_view, absl::string_view) override {
    return absl::UnimplementedError("not here");
  }

 private:
  std::vector<v1::Layout> layouts_;
  int lists_ = 0;
};

TEST(EventPlannerTest, APartialShownByEveryPartIsReadOnceAndShowsThatPart) {
  CountingLayouts layouts;
  v1::Layout footer;
  footer.set_name("footer");
  footer.set_syntax(v1::TEMPLATE_SYNTAX_LIQUID);
  footer.set_text_message("text {{ x }}");
  footer.set_html_message("<i>{{ x }}</i>");
  footer.set_sms_message("sms {{ x }}");
  footer.set_push_message("push {{ x }}");
  layouts.Add(footer);
  EventPlanner planner({}, nullptr, &layouts, nullptr, nullptr);

  v1::Notification n;
  n.set_syntax(v1::TEMPLATE_SYNTAX_LIQUID);
  const std::string twice = "{% render 'footer', x: 1 %}|{% render 'footer', x: '<2>' %}";
  n.set_subject(twice);
  n.set_text_message(twice);
  n.set_html_message(twice);
  n.set_sms_message(twice);
  n.set_push_message(twice);
  CompanyContext company;
  company.id = "acme";
  absl::StatusOr<RenderedParts> parts = planner.Render(company, n, nlohmann::json::object());
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->subject, "text 1|text <2>");
  EXPECT_EQ(parts->text_message, "text 1|text <2>");
  EXPECT_EQ(parts->html_message, "<i>1</i>|<i>&lt;2&gt;</i>");
  EXPECT_EQ(parts->sms_message, "sms 1|sms <2>");
  EXPECT_EQ(parts->push_message, "push 1|push <2>");
  EXPECT_EQ(layouts.lists(), 1) << "ten renders of one name, one read";
}

}  // namespace
}  // namespace notify
