#include "engine/training/early_stopping.hpp"

#include <spdlog/spdlog.h>

namespace hearth {

std::optional<TrainOutcome> EarlyStopping::verdict(const EpochReport& report) {
  return decide(report.bad_epochs, by_steps_ ? "validations" : "epochs");
}

std::optional<TrainOutcome> EarlyStopping::verdict_validation(const StepValidation& v) {
  return decide(v.bad_validations, "validations");
}

std::optional<TrainOutcome> EarlyStopping::decide(int64_t bad, const char* what) const {
  if (patience_ <= 0 || bad < patience_) return std::nullopt;
  spdlog::info("early stop: {} did not improve by more than {} for {} {}", monitor_, min_delta_, patience_, what);
  return TrainOutcome::stopped_early;
}

}  // namespace hearth
