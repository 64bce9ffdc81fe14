#include "server/core/template/filters.h"

#include <algorithm>

namespace notify::tmpl {

const FilterSpec* FindSorted(absl::Span<const FilterSpec> specs, absl::string_view name) {
  const auto it = std::lower_bound(
      specs.begin(), specs.end(), name,
      [](const FilterSpec& spec, absl::string_view key) { return spec.name < key; });
  return it != specs.end() && it->name == name ? &*it : nullptr;
}

}  // namespace notify::tmpl
