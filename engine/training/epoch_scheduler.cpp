#include "engine/training/epoch_scheduler.hpp"

#include "engine/jobs/session.hpp"

namespace hearth {

void EpochScheduler::judge(EpochReport& report) {
  SchedulerModule* scheduler = session_.scheduler();
  if (scheduler && scheduler->interval() == HEARTH_STEP_EPOCH) scheduler->step_and_apply(session_.optimizer(), report.monitored);
}

}  // namespace hearth
