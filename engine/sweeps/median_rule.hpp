// Early stopping of bad trials: the median rule (as Optuna's MedianPruner and Vizier's median
// stopping). After epoch e, a trial whose monitored value is worse than the median of the
// completed trials' values after epoch e stops, marked pruned, so a sweep spends its minutes on
// the good region. The trials share nothing but their sweep folder: each reads the others'
// metrics.csv, so the rule works alike for `hearth sweep` and for array tasks on many machines.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "engine/sweeps/sweep_index.hpp"

namespace hearth {

class MedianRule {
 public:
  /// For the trial whose run folder is `self`, judging `monitor` (higher better when `maximize`).
  MedianRule(SweepIndex index, std::filesystem::path self, std::string monitor, bool maximize);

  /// After epoch `epoch` (1-based) with monitored `value`: why the trial should stop, or nullopt
  /// to go on (too early, too few completed trials, or not worse than their median).
  std::optional<std::string> verdict(int64_t epoch, double value) const;

 private:
  SweepIndex index_;
  std::filesystem::path self_;
  std::string monitor_;
  bool maximize_;
};

/// The median of `values` (not empty): the middle one, or the mean of the two middle ones.
double median_of(std::vector<double> values);

}  // namespace hearth
