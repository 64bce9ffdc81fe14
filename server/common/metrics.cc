#include "server/common/metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace notify::metrics {
namespace {

std::string Number(double value) {
  if (value == static_cast<double>(static_cast<int64_t>(value)) && std::abs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrFormat("%.9g", value);
}

std::string LabelText(const std::vector<std::string>& names, const Labels& values,
                      const std::string& extra = "") {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    absl::StrAppend(&out, out.empty() ? "" : ",", names[i], "=\"", EscapeLabelValue(values[i]),
                    "\"");
  }
  if (!extra.empty()) absl::StrAppend(&out, out.empty() ? "" : ",", extra);
  return out.empty() ? "" : absl::StrCat("{", out, "}");
}

}  // namespace

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds->size()]) {
  for (size_t i = 0; i < bounds->size(); ++i) buckets_[i] = 0;
}

void Histogram::Observe(double seconds) {
  // Buckets are cumulative at render time; here each observation lands in its first bucket only.
  const auto it = std::lower_bound(bounds_->begin(), bounds_->end(), seconds);
  if (it != bounds_->end()) buckets_[it - bounds_->begin()].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.Increment(seconds);
}

template <typename Metric>
Metric& Family<Metric>::With(const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(labels);
  if (it != index_.end()) return *it->second;
  if constexpr (std::is_same_v<Metric, Histogram>) {
    storage_.emplace_back(&bounds_);
  } else {
    storage_.emplace_back();
  }
  index_[labels] = &storage_.back();
  return storage_.back();
}

template <typename Metric>
std::vector<std::pair<Labels, const Metric*>> Family<Metric>::Series() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<Labels, const Metric*>> out;
  for (const auto& [labels, metric] : index_) out.emplace_back(labels, metric);
  return out;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Family<Counter>& Registry::AddCounter(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_.emplace_back(std::move(name), std::move(help), std::move(label_names));
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help,
                                  std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  return gauges_.emplace_back(std::move(name), std::move(help), std::move(label_names));
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  return histograms_.emplace_back(std::move(name), std::move(help), std::move(label_names),
                                  std::move(bounds));
}

std::vector<double> Registry::DefaultLatencyBounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string Registry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& family : counters_) {
    absl::StrAppend(&out, "# HELP ", family.name(), " ", family.help(), "\n# TYPE ", family.name(),
                    " counter\n");
    for (const auto& [labels, counter] : family.Series()) {
      absl::StrAppend(&out, family.name(), LabelText(family.label_names(), labels), " ",
                      Number(counter->value()), "\n");
    }
  }
  for (const auto& family : gauges_) {
    absl::StrAppend(&out, "# HELP ", family.name(), " ", family.help(), "\n# TYPE ", family.name(),
                    " gauge\n");
    for (const auto& [labels, gauge] : family.Series()) {
      absl::StrAppend(&out, family.name(), LabelText(family.label_names(), labels), " ",
                      Number(gauge->value()), "\n");
    }
  }
  for (const auto& family : histograms_) {
    absl::StrAppend(&out, "# HELP ", family.name(), " ", family.help(), "\n# TYPE ", family.name(),
                    " histogram\n");
    for (const auto& [labels, histogram] : family.Series()) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < histogram->bounds().size(); ++i) {
        cumulative += histogram->bucket(i);
        absl::StrAppend(&out, family.name(), "_bucket",
                        LabelText(family.label_names(), labels,
                                  absl::StrCat("le=\"", Number(histogram->bounds()[i]), "\"")),
                        " ", cumulative, "\n");
      }
      absl::StrAppend(&out, family.name(), "_bucket",
                      LabelText(family.label_names(), labels, "le=\"+Inf\""), " ",
                      histogram->count(), "\n");
      absl::StrAppend(&out, family.name(), "_sum", LabelText(family.label_names(), labels), " ",
                      Number(histogram->sum()), "\n");
      absl::StrAppend(&out, family.name(), "_count", LabelText(family.label_names(), labels), " ",
                      histogram->count(), "\n");
    }
  }
  return out;
}

}  // namespace notify::metrics
