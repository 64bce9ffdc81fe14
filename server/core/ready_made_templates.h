// The ready-made notifications and layouts shipped with the extension (core/templates/), for admins
// to copy into their own.
#ifndef NOTIFY_SERVER_CORE_READY_MADE_TEMPLATES_H_
#define NOTIFY_SERVER_CORE_READY_MADE_TEMPLATES_H_

#include <vector>

#include "absl/strings/string_view.h"

#include "notifications/v1/resources.pb.h"

namespace notify {

// Every template, by id. Read once; a build whose data does not parse fails its tests.
const std::vector<notifications::v1::Template>& ReadyMadeTemplates();

// The ready-made layouts (core/templates/ready_made_layouts.json), by id; templates name theirs in
// their notification's `layout`.
const std::vector<notifications::v1::Layout>& ReadyMadeLayouts();

// The template, or the layout, of that id; null when there is none.
const notifications::v1::Template* FindReadyMadeTemplate(absl::string_view id);
const notifications::v1::Layout* FindReadyMadeLayout(absl::string_view id);

}  // namespace notify

#endif  // NOTIFY_SERVER_CORE_READY_MADE_TEMPLATES_H_
