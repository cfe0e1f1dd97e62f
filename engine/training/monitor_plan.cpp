#include "engine/training/monitor_plan.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/core/error.hpp"

namespace hearth {

ColumnNames column_names(const JobModules& m) {
  ColumnNames names;
  if (m.losses.size() > 1)
    for (const LossSlot& l : m.losses) names.losses.push_back(l.options.name);
  for (const MetricSlot& s : m.metrics) names.metrics.push_back(s.options.name);
  return names;
}

MonitorPlan plan_columns(const Job& job, const JobModules& m, bool has_valid) {
  MonitorPlan plan;
  std::vector<std::string>& columns = plan.columns;
  columns = {"epoch", "step", "lr"};
  const ColumnNames names = column_names(m);
  auto add_split_columns = [&](const std::string& split) {
    columns.push_back(split + ".loss");
    for (const std::string& n : names.losses) columns.push_back(split + "." + n);
    for (const std::string& n : names.metrics) columns.push_back(split + "." + n);
  };
  add_split_columns("train");
  if (has_valid) add_split_columns("valid");
  columns.push_back("skipped_steps");
  if (job.options.data.skip_bad_samples) columns.push_back("bad_samples");
  const TrainOptions& t = job.options.train;
  plan.monitor = t.monitor;
  if (!has_valid && plan.monitor.rfind("valid.", 0) == 0) {
    std::string fallback = "train." + plan.monitor.substr(6);
    spdlog::warn("the job has no valid split (set [dataset] valid_fraction); monitoring {} instead of {}", fallback, plan.monitor);
    plan.monitor = fallback;
  }
  if (std::find(columns.begin(), columns.end(), plan.monitor) == columns.end() || plan.monitor == "epoch" || plan.monitor == "step") {
    std::string list;
    for (size_t i = 3; i < columns.size(); ++i)
      if (columns[i] != "skipped_steps" && columns[i] != "bad_samples") list += (list.empty() ? "" : ", ") + columns[i];
    throw UsageError(job.file.string() + ": [train] monitor = \"" + plan.monitor + "\" is not a value of this job; use one of " + list);
  }
  plan.maximize = t.mode == MonitorMode::max;
  if (t.mode == MonitorMode::automatic) {
    std::string value = plan.monitor.substr(plan.monitor.find('.') + 1);
    for (const MetricSlot& s : m.metrics)
      if (s.options.name == value) plan.maximize = s->higher_is_better();
  }
  return plan;
}

}  // namespace hearth
