// A sweep trial's median rule (docs/sweeps.md), judged after each epoch's checkpoint: a trial
// clearly worse than the median of the completed ones at the same epoch ends `pruned`, with the
// reason in run.json.
#pragma once

#include <cstdint>
#include <memory>

#include "engine/runs/run_folder.hpp"
#include "engine/sweeps/median_rule.hpp"
#include "engine/training/epoch_observer.hpp"

namespace hearth {

class SweepPruning final : public EpochObserver {
 public:
  /// The pruning of the sweep whose trial `run` is (run.json "sweep"), or null when the run is no
  /// trial or its sweep does not prune. Only a run of one process (`alone`): ranks would have to
  /// agree on what each read of the others' files.
  static std::unique_ptr<SweepPruning> of_run(RunFolder& run, const MonitorPlan& plan, int64_t epochs, bool alone);

  std::optional<TrainOutcome> verdict(const EpochReport& report) override;

 private:
  SweepPruning(RunFolder& run, MedianRule rule, int64_t epochs) : run_(run), rule_(std::move(rule)), epochs_(epochs) {}
  RunFolder& run_;
  MedianRule rule_;
  int64_t epochs_;
};

}  // namespace hearth
