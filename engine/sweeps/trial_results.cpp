#include "engine/sweeps/trial_results.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "engine/core/byte_text.hpp"
#include "engine/runs/run_condition.hpp"

namespace hearth {
namespace {

void read_one(const SweepIndex& index, bool maximize, TrialResult& r) {
  const fs::path folder = index.trial_folder(*r.trial);
  std::error_code ec;
  if (!fs::exists(folder / "run.json", ec)) return;  // pending
  try {
    const RunRecord record = read_run_record(folder);
    const RunCondition condition = assess_run(folder, record);
    r.status = condition.status;
    r.detail = condition.detail;
    if (r.status == "failed") r.detail = record.error;
    r.minutes = record.trained_seconds() / 60.0;
    if (!fs::exists(folder / "metrics.csv", ec)) return;
    r.curves = read_run_curves(folder);
    r.epochs = static_cast<int64_t>(r.curves->values["epoch"].size());
    if (auto b = best_of(*r.curves, index.metric, maximize)) {
      r.best = b->first;
      r.best_epoch = b->second;
    }
  } catch (const std::exception& e) {
    r.status = "damaged";
    r.detail = e.what();
  }
}

}  // namespace

std::optional<std::pair<double, int64_t>> best_of(const RunCurves& curves, const std::string& column, bool maximize) {
  auto it = curves.values.find(column);
  auto epochs = curves.values.find("epoch");
  if (it == curves.values.end() || epochs == curves.values.end()) return std::nullopt;
  std::optional<std::pair<double, int64_t>> best;
  for (size_t i = 0; i < it->second.size(); ++i) {
    const double v = it->second[i];
    if (!std::isfinite(v)) continue;
    if (!best || (maximize ? v > best->first : v < best->first))
      best = std::make_pair(v, static_cast<int64_t>(epochs->second[i]));
  }
  return best;
}

bool sweep_direction(const SweepIndex& index) {
  if (index.mode == "max") return true;
  if (index.mode == "min") return false;
  for (const IndexedTrial& t : index.trials) {
    try {
      const RunRecord record = read_run_record(index.trial_folder(t));
      if (record.monitor && record.monitor->name == index.metric) return record.monitor->maximize;
    } catch (const std::exception&) {
      continue;  // not run yet, or damaged: another trial may tell
    }
  }
  return index.metric.find("loss") == std::string::npos;
}

std::vector<TrialResult> read_trial_results(const SweepIndex& index, bool maximize) {
  std::vector<TrialResult> out;
  for (const IndexedTrial& t : index.trials) {
    TrialResult r;
    r.trial = &t;
    read_one(index, maximize, r);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace hearth
