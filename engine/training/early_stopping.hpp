// Early stopping: training ends once the monitored value has not improved by more than
// [train] min_delta for [train] patience epochs (the checkpointer counts them).
#pragma once

#include <cstdint>
#include <string>

#include "engine/training/epoch_observer.hpp"

namespace hearth {

class EarlyStopping final : public EpochObserver {
 public:
  EarlyStopping(std::string monitor, int64_t patience, double min_delta)
      : monitor_(std::move(monitor)), patience_(patience), min_delta_(min_delta) {}
  std::optional<TrainOutcome> verdict(const EpochReport& report) override;

 private:
  std::string monitor_;
  int64_t patience_;
  double min_delta_;
};

}  // namespace hearth
