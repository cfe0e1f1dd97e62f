#include "engine/training/sweep_pruning.hpp"

#include <spdlog/spdlog.h>

#include "engine/sweeps/sweep_index.hpp"

namespace hearth {

std::unique_ptr<SweepPruning> SweepPruning::of_run(RunFolder& run, const MonitorPlan& plan, int64_t epochs, bool alone) {
  if (!run.record().sweep) return nullptr;
  SweepIndex index = read_sweep_index(run.record().sweep->dir);
  if (!index.prune.enabled()) return nullptr;
  if (!alone) {
    spdlog::warn("sweep pruning is off for a trial trained on several processes");
    return nullptr;
  }
  spdlog::info("sweep trial: the median rule may stop it after epoch {} once {} trials have completed", index.prune.warmup + 1,
               index.prune.min_trials);
  MedianRule rule(std::move(index), run.path(), plan.monitor, plan.maximize);
  return std::unique_ptr<SweepPruning>(new SweepPruning(run, std::move(rule), epochs));
}

std::optional<TrainOutcome> SweepPruning::verdict(const EpochReport& report) {
  if (report.epoch + 1 >= epochs_ || !report.monitored) return std::nullopt;
  const std::optional<std::string> why = rule_.verdict(report.epoch + 1, *report.monitored);
  if (!why) return std::nullopt;
  spdlog::info("pruned: {}", *why);
  run_.record().pruned = *why;
  return TrainOutcome::pruned;
}

}  // namespace hearth
