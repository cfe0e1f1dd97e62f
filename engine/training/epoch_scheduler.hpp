// A schedule stepped once an epoch (the job's scheduler with interval "epoch"): it sees the
// epoch's monitored value (plateau schedules), before the epoch's checkpoint saves its state.
#pragma once

#include "engine/training/epoch_observer.hpp"

namespace hearth {

class Session;

class EpochScheduler final : public EpochObserver {
 public:
  explicit EpochScheduler(Session& session) : session_(session) {}
  void judge(EpochReport& report) override;

 private:
  Session& session_;
};

}  // namespace hearth
