#include "engine/training/train_loop.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include "engine/core/error.hpp"
#include "engine/jobs/augment.hpp"
#include "engine/jobs/crash_handler.hpp"
#include "engine/jobs/session.hpp"

namespace hearth {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Holds the weights' average in the model for the rest of the epoch (validation, the observers)
/// and puts the weights back when it goes, however the epoch ends.
class AverageInModel {
 public:
  explicit AverageInModel(WeightAverage* average) : average_(average) {
    if (average_) average_->swap();
  }
  ~AverageInModel() {
    if (average_ && average_->in_model()) average_->swap();
  }
  AverageInModel(const AverageInModel&) = delete;
  AverageInModel& operator=(const AverageInModel&) = delete;

 private:
  WeightAverage* average_;
};

}  // namespace

TrainLoop::TrainLoop(Session& session, const MonitorPlan& plan, Progress& progress, LoopStart start)
    : session_(session), plan_(plan), progress_(progress), start_(start), step_(session), chain_(session, plan) {}

TrainOutcome TrainLoop::run() {
  for (int64_t epoch = start_.epoch; epoch < session_.options().train.epochs; ++epoch)
    if (std::optional<TrainOutcome> end = run_epoch(epoch)) return *end;
  return TrainOutcome::completed;
}

std::optional<TrainOutcome> TrainLoop::run_epoch(int64_t epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  OptimizerModule& optimizer = session_.optimizer();
  const double lr = optimizer.lr(0);
  TrainedEpoch trained = train_batches(epoch, epoch == start_.epoch ? start_.batch_in_epoch : 0);
  if (trained.ended) return trained.ended;  // its validation's checkpoint is where it ended
  const double train_seconds = seconds_since(t0);
  optimizer.train(false);  // validation and checkpoints see the evaluation-mode parameters
  AverageInModel averaged(session_.average());  // and the weights' average, with [train] ema
  if (trained.interrupted && !trained.complete()) {
    chain_.interrupted(epoch, trained.batches_done);
    return TrainOutcome::interrupted;
  }
  EpochReport report = report_of(epoch, trained, lr);
  report.timing = {0, train_seconds, trained.data_wait_seconds, std::nullopt};
  chain_.end_epoch(report, t0);
  optimizer.train(true);
  return decide(report, trained.interrupted || session_.parallel().stop_between_epochs());
}

int64_t TrainLoop::planned_batches(int64_t batch_count, int64_t done) const {
  const TrainOptions& t = session_.options().train;
  if (t.max_steps <= 0) return batch_count;
  // max_steps counts optimizer steps: with accumulation, each takes `accumulate` batches.
  const int64_t steps_left = std::max<int64_t>(0, t.max_steps - session_.step());
  return std::min(batch_count, done + steps_left * std::max<int64_t>(1, t.accumulate));
}

TrainedEpoch TrainLoop::train_batches(int64_t epoch, int64_t skip) {
  const Augmentation& augmentation = session_.options().data.augmentation;
  BatchLoader& batches = session_.loader(SplitName::train);
  JobModules& m = session_.modules();
  for (MetricSlot& metric : m.metrics) metric->reset();
  EpochTally tally(m.losses.size());
  TrainedEpoch result;
  result.batch_count = batches.batch_count();
  int64_t& done = result.batches_done;
  batches.start_epoch(epoch, skip);
  done = skip;
  progress_.start_epoch(epoch, planned_batches(batches.batch_count(), skip), skip);
  step_.start_epoch();
  m.model->train(true);
  while (auto batch = batches.next()) {
    if (batch->size == 0) {  // every sample of it was bad and left out
      session_.parallel().pass_over_empty_batch(epoch, done++);
      continue;
    }
    note_training_position(epoch + 1, done + 1, session_.step());
    session_.parallel().set_activity("training", epoch + 1, done + 1);
    const std::string& device = session_.device_name();
    std::vector<at::Tensor> inputs = on_device(batch->inputs, device), targets = on_device(batch->targets, device);
    if (augmentation.any()) inputs = augment_batch(inputs, augmentation, session_.options().general.seed, epoch, done);
    const double lr = session_.optimizer().lr(0);  // before the step: a per-batch schedule moves it after
    const StepResult stepped = step_.run(inputs, targets, batch->size, epoch, done, batches.batch_count(), tally);
    ++done;
    if (stepped.skipped) continue;
    progress_.batch(batch->size, stepped.loss, session_.step(), lr);
    result.interrupted = stepped.stop;
    if (result.interrupted || session_.step_limit_reached()) break;
    if (validates_inside(done, batches.batch_count()) && (result.ended = validate_inside(epoch, done))) break;
  }
  progress_.end_epoch();
  result.row = tally.row("train", m.losses, m.metrics);
  result.data_wait_seconds = batches.wait_seconds();
  return result;
}

void TrainLoop::validate(int64_t epoch, std::map<std::string, double>& row) {
  const TrainOptions& t = session_.options().train;
  if (session_.plan().indices(SplitName::valid).empty()) return;
  const bool last_epoch = epoch + 1 == t.epochs || session_.step_limit_reached();
  if ((epoch + 1) % t.validate_every != 0 && !last_epoch) return;
  // Every rank scores the same model, so all decide alike. Data-parallel ranks hold the same
  // weights (and the same average of them) by construction: one that does not has met a bug.
  if (const int64_t differed = session_.follow_rank0_model())
    spdlog::warn("{} of the model's parameters{} differed from rank 0's after epoch {}; every rank now validates rank 0's",
                 differed, session_.average() ? " (their average, [train] ema)" : "", epoch + 1);
  std::map<std::string, double> values = session_.evaluate(SplitName::valid);
  if (!t.skip_nan)
    for (const auto& [k, value] : values)
      if (std::isnan(value))
        throw Error("the " + k + " is NaN after epoch " + std::to_string(epoch + 1) +
                    "; lower the learning rate, clip gradients ([train] clip_norm) or set nan_policy = \"skip\"");
  row.insert(values.begin(), values.end());
}

bool TrainLoop::validates_inside(int64_t done, int64_t batch_count) const {
  const int64_t every = session_.options().train.validate_every_steps;
  // At the epoch's last batch the epoch's own validation follows.
  return every > 0 && session_.step() % every == 0 && done < batch_count && !session_.plan().indices(SplitName::valid).empty();
}

std::optional<TrainOutcome> TrainLoop::validate_inside(int64_t epoch, int64_t done) {
  OptimizerModule& optimizer = session_.optimizer();
  optimizer.train(false);  // as at an epoch's end: evaluation-mode parameters, the weights' average
  StepValidation v;
  v.epoch = epoch;
  v.batches_done = done;
  v.step = session_.step();
  std::optional<TrainOutcome> end;
  {
    AverageInModel averaged(session_.average());
    if (const int64_t differed = session_.follow_rank0_model())
      spdlog::warn("{} of the model's parameters differed from rank 0's at step {}; every rank now validates rank 0's", differed,
                   session_.step());
    v.values = session_.evaluate(SplitName::valid);
    end = chain_.validation(v);
  }
  optimizer.train(true);
  session_.modules().model->train(true);
  return end;
}

EpochReport TrainLoop::report_of(int64_t epoch, TrainedEpoch& trained, double lr) {
  EpochReport report;
  report.epoch = epoch;
  std::map<std::string, double>& row = report.row;
  row = std::move(trained.row);
  validate(epoch, row);
  row["epoch"] = static_cast<double>(epoch + 1);
  row["step"] = static_cast<double>(session_.step());
  row["lr"] = lr;
  row["skipped_steps"] = static_cast<double>(session_.skipped_steps());
  if (session_.options().data.skip_bad_samples) {
    const int64_t bad = session_.bad_samples(SplitName::train) + session_.bad_samples(SplitName::valid);
    row["bad_samples"] = static_cast<double>(bad);
    if (bad > 0) spdlog::warn("epoch {}: {} bad sample(s) left out (bad_samples = \"skip\"; each is named above)", epoch + 1, bad);
  }
  if (auto it = row.find(plan_.monitor); it != row.end()) report.monitored = it->second;
  report.step = session_.step();
  report.skipped_steps = session_.skipped_steps();
  return report;
}

std::optional<TrainOutcome> TrainLoop::decide(const EpochReport& report, bool interrupted) {
  if (std::optional<TrainOutcome> end = chain_.verdict(report)) return end;
  if (session_.step_limit_reached()) return TrainOutcome::completed;
  if (interrupted) return TrainOutcome::interrupted;
  return std::nullopt;
}

}  // namespace hearth
