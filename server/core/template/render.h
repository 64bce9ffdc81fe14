// The state of one render: variables in scopes, the budget, autoescaping, loop and tag state; and
// the evaluation of expressions, filter chains and conditions, each as its dialect defines them.
#ifndef NOTIFY_SERVER_CORE_TEMPLATE_RENDER_H_
#define NOTIFY_SERVER_CORE_TEMPLATE_RENDER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "server/core/template/ast.h"
#include "server/core/template/budget.h"
#include "server/core/template/value.h"

namespace notify {
class PartialSource;
}  // namespace notify

namespace notify::tmpl {

// Not thread-safe: one per render. `context`, `budget` and `safe_values` must outlive it.
class RenderState {
 public:
  RenderState(Syntax syntax, const nlohmann::json& context, Budget& budget, bool autoescape,
              absl::Time now, const std::map<std::string, std::string>& safe_values);
  // The state of a template Liquid's render shows from `parent`'s: no variables but the
  // context's (`context`: usually an empty object), its own counters, the same budget, nesting
  // depth and partials, and include refused.
  struct Isolated {};
  RenderState(Isolated, const RenderState& parent, const nlohmann::json& context);

  Syntax syntax() const { return syntax_; }
  const PartialSource* partials() const { return partials_; }
  void set_partials(const PartialSource* partials) { partials_ = partials; }
  // Inside a template that render shows, where Liquid refuses include.
  bool isolated() const { return isolated_; }
  Budget& budget() { return budget_; }
  absl::Time now() const { return now_; }
  bool autoescape() const { return autoescape_; }
  void set_autoescape(bool on) { autoescape_ = on; }

  // Renders `nodes` one level deeper (ResourceExhausted past the depth limit), a step per node;
  // stops early when a Liquid break/continue is pending.
  absl::Status RenderList(const NodeList& nodes, std::string& out);
  // Appends `text`, charging its bytes.
  absl::Status Append(std::string& out, absl::string_view text);
  // `{{ value }}`: prints as the dialect prints output, escaping when autoescaping is on and the
  // value is not safe.
  absl::Status Output(const Value& value, std::string& out);

  absl::StatusOr<Value> Eval(const Expr& expr);
  // A filter chain. `in_condition`: Django resolves an undefined base to None inside `if` and
  // similar tags and to "" in output (its string_if_invalid) before the filters run.
  absl::StatusOr<Value> Eval(const FilterExpr& expr, bool in_condition = false);
  // Applies `filters` to `value` in order (Django's filter tag starts from rendered text).
  absl::StatusOr<Value> ApplyFilters(Value value, const std::vector<FilterCall>& filters);
  // A condition's value (Django's `or` gives an operand) and its truth.
  absl::StatusOr<Value> Eval(const Condition& condition);
  absl::StatusOr<bool> Test(const Condition& condition);

  // Variables: the innermost scope first, then the outermost (Liquid's assigns), then the context.
  Value Lookup(absl::string_view name) const;
  // A top-level member of the render's data alone (Liquid's counters start from it).
  Value LookupData(absl::string_view name) const;
  void PushScope() { scopes_.emplace_back(); }
  void PopScope() { scopes_.pop_back(); }
  // Binds in the innermost scope (loop variables, Django's `with` and `as`).
  void Set(absl::string_view name, Value value);
  // Binds in the outermost scope (Liquid's assign and capture).
  void SetGlobal(absl::string_view name, Value value);
  // Django's set_upward: rebinds `name` in the innermost scope that has it, else binds it in the
  // innermost scope.
  void SetUpward(absl::string_view name, Value value);

  // A for loop over `length` items, in a scope of its own: before each item (a step each),
  // `forloop` is bound to a copy of `loop` with the item's index0, the length and the enclosing
  // loop as its parent; then `each(i)` binds the item and renders the body, and says whether to go
  // on (false: a break). Stops at the first error.
  absl::Status ForEach(LoopInfo loop, std::int64_t length,
                       absl::FunctionRef<absl::StatusOr<bool>(std::int64_t)> each);

  // A number unique to this render, for telling loop runs apart.
  std::uint64_t NextId() { return ++next_id_; }
  // Django's ifchanged memory, per tag and loop run.
  std::map<std::pair<const void*, std::uint64_t>, std::string>& ifchanged() { return ifchanged_; }

  // Per-tag state of this render, keyed by the node (cycle positions, increment counters...).
  std::int64_t& Counter(const void* key) { return counters_[key]; }
  std::map<std::string, std::int64_t>& named_counters() { return named_counters_; }
  std::map<std::string, std::int64_t>& for_offsets() { return for_offsets_; }
  std::map<std::string, std::int64_t>& cycle_positions() { return cycle_positions_; }
  std::string& last_ifchanged() { return last_ifchanged_; }
  std::shared_ptr<const LoopInfo>& current_loop() { return current_loop_; }

  // Liquid's break and continue travel up to the nearest loop.
  enum class Interrupt { kNone, kBreak, kContinue };
  Interrupt interrupt = Interrupt::kNone;

 private:
  absl::StatusOr<Value> Step(const Value& from, const Expr::Step& step);
  absl::StatusOr<Value> Compare(Condition::Op op, const Value& left, const Value& right,
                                Position pos);

  Syntax syntax_;
  const nlohmann::json& context_;
  Budget& budget_;
  bool autoescape_;
  absl::Time now_;
  const PartialSource* partials_ = nullptr;
  bool isolated_ = false;
  int depth_ = 0;
  std::vector<std::vector<std::pair<std::string, Value>>> scopes_;
  absl::flat_hash_map<const void*, std::int64_t> counters_;
  std::map<std::string, std::int64_t> named_counters_;
  std::map<std::string, std::int64_t> for_offsets_;
  std::map<std::string, std::int64_t> cycle_positions_;
  std::string last_ifchanged_;
  std::map<std::pair<const void*, std::uint64_t>, std::string> ifchanged_;
  std::uint64_t next_id_ = 0;
  std::shared_ptr<const LoopInfo> current_loop_;
};

}  // namespace notify::tmpl

#endif  // NOTIFY_SERVER_CORE_TEMPLATE_RENDER_H_
