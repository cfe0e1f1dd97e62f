#include "engine/sweeps/median_rule.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "engine/runs/metrics_table.hpp"
#include "engine/runs/run_record.hpp"

namespace hearth {
namespace {

/// The trial's monitored value after `epoch`, when it completed (stopped early counts: it
/// finished its training) and recorded that epoch.
std::optional<double> completed_value(const fs::path& folder, const std::string& monitor, int64_t epoch) {
  try {
    std::error_code ec;
    if (!fs::exists(folder / "run.json", ec)) return std::nullopt;
    const RunStatus status = read_run_record(folder).status;
    if (status != RunStatus::completed && status != RunStatus::stopped_early) return std::nullopt;
    const MetricsTable table = read_metrics_table(folder / "metrics.csv");
    if (!table.index_of("epoch") || !table.index_of(monitor)) return std::nullopt;
    const std::vector<double> epochs = table.column("epoch"), values = table.column(monitor);
    for (size_t i = 0; i < epochs.size(); ++i)
      if (static_cast<int64_t>(epochs[i]) == epoch && std::isfinite(values[i])) return values[i];
  } catch (const std::exception&) {
    // A trial whose records cannot be read (being written, damaged) is not counted.
  }
  return std::nullopt;
}

}  // namespace

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

MedianRule::MedianRule(SweepIndex index, std::filesystem::path self, std::string monitor, bool maximize)
    : index_(std::move(index)), self_(std::move(self)), monitor_(std::move(monitor)), maximize_(maximize) {}

std::optional<std::string> MedianRule::verdict(int64_t epoch, double value) const {
  const PruneOptions& o = index_.prune;
  if (!o.enabled() || epoch <= o.warmup) return std::nullopt;
  std::vector<double> others;
  std::error_code ec;
  for (const IndexedTrial& t : index_.trials) {
    const fs::path folder = index_.trial_folder(t);
    if (fs::equivalent(folder, self_, ec)) continue;
    if (auto v = completed_value(folder, monitor_, epoch)) others.push_back(*v);
  }
  if (static_cast<int64_t>(others.size()) < o.min_trials) return std::nullopt;
  const double median = median_of(others);
  const bool worse = !std::isfinite(value) || (maximize_ ? value < median : value > median);
  if (!worse) return std::nullopt;
  std::ostringstream why;
  why.precision(5);
  why << monitor_ << " = " << value << " after epoch " << epoch << " is worse than the median " << median << " of "
      << others.size() << " completed trials";
  return why.str();
}

}  // namespace hearth
