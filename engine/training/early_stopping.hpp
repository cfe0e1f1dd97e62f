// Early stopping: training ends once the monitored value has not improved by more than
// [train] min_delta for [train] patience validations (the checkpointer counts them): epochs, and
// with [train] validate_every_steps the validations inside epochs too, where training then ends.
#pragma once

#include <cstdint>
#include <string>

#include "engine/training/epoch_observer.hpp"

namespace hearth {

class EarlyStopping final : public EpochObserver {
 public:
  /// `by_steps`: the job validates inside epochs too ([train] validate_every_steps).
  EarlyStopping(std::string monitor, int64_t patience, double min_delta, bool by_steps)
      : monitor_(std::move(monitor)), patience_(patience), min_delta_(min_delta), by_steps_(by_steps) {}
  std::optional<TrainOutcome> verdict(const EpochReport& report) override;
  std::optional<TrainOutcome> verdict_validation(const StepValidation& v) override;

 private:
  std::string monitor_;
  int64_t patience_;
  double min_delta_;
  bool by_steps_;
  /// Whether to stop after `bad` validations without improvement; `what` names them in the log.
  std::optional<TrainOutcome> decide(int64_t bad, const char* what) const;
};

}  // namespace hearth
