#include "engine/sweeps/trial_results.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/run_condition.hpp"
#include "engine/core/run_info_check.hpp"

namespace hearth {
namespace {

nlohmann::json read_info(const fs::path& folder) {
  const fs::path file = folder / "run.json";
  std::ifstream in(file);
  nlohmann::json info = nlohmann::json::parse(in);
  check_run_info(info, file);
  return info;
}

void read_one(const SweepIndex& index, bool maximize, TrialResult& r) {
  const fs::path folder = index.trial_folder(*r.trial);
  std::error_code ec;
  if (!fs::exists(folder / "run.json", ec)) return;  // pending
  try {
    const nlohmann::json info = read_info(folder);
    const RunCondition condition = assess_run(folder, info);
    r.status = condition.status;
    r.detail = condition.detail;
    if (r.status == "failed") r.detail = info.value("error", "");
    for (const nlohmann::json& t : info.value("timing", nlohmann::json::array())) r.minutes += t.value("seconds", 0.0) / 60.0;
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
      const nlohmann::json info = read_info(index.trial_folder(t));
      const nlohmann::json& m = info.at("monitor");
      if (m.at("name").get<std::string>() == index.metric) return m.at("mode").get<std::string>() == "max";
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
