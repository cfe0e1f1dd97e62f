#include "engine/training/observer_chain.hpp"

#include <spdlog/spdlog.h>

#include <cmath>

#include "engine/jobs/session.hpp"

namespace hearth {

void ObserverChain::end_epoch(EpochReport& report, std::chrono::steady_clock::time_point epoch_start) {
  for (EpochObserver* o : observers_) o->judge(report);
  for (EpochObserver* o : observers_) o->record(report);
  report.timing.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
  report.timing.allreduce_wait_seconds = session_.parallel().take_wait_seconds();
  log_epoch(report);
  for (EpochObserver* o : observers_) o->checkpoint(report);
  for (EpochObserver* o : observers_) o->after_checkpoint(report);
}

std::optional<TrainOutcome> ObserverChain::verdict(const EpochReport& report) {
  for (EpochObserver* o : observers_)
    if (std::optional<TrainOutcome> end = o->verdict(report)) return end;
  return std::nullopt;
}

std::optional<TrainOutcome> ObserverChain::validation(StepValidation& v) {
  if (auto it = v.values.find(plan_.monitor); it != v.values.end()) v.monitored = it->second;
  for (EpochObserver* o : observers_) o->judge_validation(v);
  for (EpochObserver* o : observers_) o->record_validation(v);
  spdlog::info("step {} (epoch {}, batch {}): {} = {:.5g}{}", v.step, v.epoch + 1, v.batches_done, plan_.monitor,
               v.monitored.value_or(NAN), v.improved ? " (best)" : "");
  for (EpochObserver* o : observers_) o->checkpoint_validation(v);
  for (EpochObserver* o : observers_) o->after_checkpoint_validation(v);
  for (EpochObserver* o : observers_)
    if (std::optional<TrainOutcome> end = o->verdict_validation(v)) return end;
  return std::nullopt;
}

void ObserverChain::interrupted(int64_t epoch, int64_t batches_done) {
  for (EpochObserver* o : observers_) o->interrupted(epoch, batches_done);
}

void ObserverChain::log_epoch(const EpochReport& report) const {
  spdlog::info("epoch {}/{}: {} = {:.5g}{} ({:.1f} s, data wait {:.2f} s)", report.epoch + 1, session_.options().train.epochs,
               plan_.monitor, report.monitored.value_or(NAN), report.improved ? " (best)" : "", report.timing.seconds,
               report.timing.data_wait_seconds);
}

}  // namespace hearth
