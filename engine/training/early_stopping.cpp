#include "engine/training/early_stopping.hpp"

#include <spdlog/spdlog.h>

namespace hearth {

std::optional<TrainOutcome> EarlyStopping::verdict(const EpochReport& report) {
  if (patience_ <= 0 || report.bad_epochs < patience_) return std::nullopt;
  spdlog::info("early stop: {} did not improve by more than {} for {} epochs", monitor_, min_delta_, patience_);
  return TrainOutcome::stopped_early;
}

}  // namespace hearth
