#include "engine/jobs/trainer.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <sstream>

#include "engine/core/error.hpp"
#include "engine/export/initial_weights.hpp"
#include "engine/jobs/crash_handler.hpp"
#include "engine/jobs/model_graph.hpp"
#include "engine/jobs/run_recorder.hpp"
#include "engine/plots/graph_picture.hpp"
#include "engine/sweeps/median_rule.hpp"

namespace hearth {
namespace {

/// model.txt (the summary, also logged) and graph.svg in the run. Like the plots, a graph that
/// cannot be drawn is a warning: it never stops training.
void save_model_graph(Session& session, const fs::path& run) {
  try {
    GraphPicture graph = trace_model_graph(session.model(), on_device(example_inputs(session.data(), 2), session.device_name()),
                                           model_title(session.job()));
    std::string summary = graph_summary_text(graph);
    write_file_atomically(run / "model.txt", summary);
    std::istringstream lines(summary);
    for (std::string line; std::getline(lines, line);) spdlog::info("{}", line);
    write_graph_picture(graph, run / "graph.svg");
  } catch (const std::exception& e) {
    spdlog::warn("cannot draw the model graph: {}", e.what());
  }
}

ColumnNames column_names(const JobModules& m) {
  ColumnNames names;
  if (m.losses.size() > 1)
    for (const LossSlot& l : m.losses) names.losses.push_back(l.options.name);
  for (const MetricSlot& s : m.metrics) names.metrics.push_back(s.options.name);
  return names;
}

/// Columns and the monitored value: a `valid.` monitor falls back to `train.` without a valid
/// split, a value the job does not produce is an error naming the job file, and mode `auto`
/// follows the metric's own direction.
MonitorPlan plan_columns(const Job& job, const JobModules& m, bool has_valid) {
  MonitorPlan plan;
  std::vector<std::string>& columns = plan.columns;
  columns = {"epoch", "step", "lr"};
  const ColumnNames names = column_names(m);
  auto add_split_columns = [&](const std::string& split) {
    columns.push_back(split + ".loss");
    for (const std::string& n : names.losses) columns.push_back(split + "." + n);
    for (const std::string& n : names.metrics) columns.push_back(split + "." + n);
  };
  add_split_columns("train");
  if (has_valid) add_split_columns("valid");
  columns.push_back("skipped_steps");
  if (job.options.data.skip_bad_samples) columns.push_back("bad_samples");
  const TrainOptions& t = job.options.train;
  plan.monitor = t.monitor;
  if (!has_valid && plan.monitor.rfind("valid.", 0) == 0) {
    std::string fallback = "train." + plan.monitor.substr(6);
    spdlog::warn("the job has no valid split (set [dataset] valid_fraction); monitoring {} instead of {}", fallback, plan.monitor);
    plan.monitor = fallback;
  }
  if (std::find(columns.begin(), columns.end(), plan.monitor) == columns.end() || plan.monitor == "epoch" || plan.monitor == "step") {
    std::string list;
    for (size_t i = 3; i < columns.size(); ++i)
      if (columns[i] != "skipped_steps" && columns[i] != "bad_samples") list += (list.empty() ? "" : ", ") + columns[i];
    throw UsageError(job.file.string() + ": [train] monitor = \"" + plan.monitor + "\" is not a value of this job; use one of " + list);
  }
  plan.maximize = t.mode == MonitorMode::max;
  if (t.mode == MonitorMode::automatic) {
    std::string value = plan.monitor.substr(plan.monitor.find('.') + 1);
    for (const MetricSlot& s : m.metrics)
      if (s.options.name == value) plan.maximize = s->higher_is_better();
  }
  return plan;
}

/// The epochs of one training run: each trains, validates, judges the monitor, records, and
/// checkpoints; between them it decides whether to go on.
class TrainLoop {
 public:
  /// `recorder` is null on ranks other than 0: they train and decide alike, but write nothing.
  TrainLoop(Session& session, RunFolder& run, const MonitorPlan& plan, RunRecorder* recorder, CheckpointState& record,
            const MedianRule* pruner)
      : session_(session), run_(run), plan_(plan), recorder_(recorder), record_(record), pruner_(pruner),
        train_(session.options().train), progress_(train_.epochs, train_.log_every, recorder != nullptr) {
    if (recorder_) progress_.log_batches_to(run_.path() / "batches.csv");
  }

  TrainOutcome run() {
    for (int64_t epoch = record_.epoch; epoch < train_.epochs; ++epoch) {
      std::optional<TrainOutcome> end = run_epoch(epoch);
      if (end) return *end;
    }
    return TrainOutcome::completed;
  }

 private:
  std::optional<TrainOutcome> run_epoch(int64_t epoch) {
    auto t0 = std::chrono::steady_clock::now();
    OptimizerModule& optimizer = session_.optimizer();
    const double lr = optimizer.lr(0);
    TrainedEpoch trained = session_.train_epoch(epoch, epoch == record_.epoch ? record_.batch_in_epoch : 0, progress_);
    const double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    optimizer.train(false);  // validation and checkpoints see the evaluation-mode parameters
    if (trained.interrupted && !trained.complete()) {
      snapshot(epoch, trained.batches_done);
      return TrainOutcome::interrupted;
    }
    std::map<std::string, double>& row = trained.row;
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
    const bool improved = judge(epoch, row);
    if (SchedulerModule* scheduler = session_.scheduler(); scheduler && scheduler->interval() == HEARTH_STEP_EPOCH) {
      auto it = row.find(plan_.monitor);
      scheduler->step_and_apply(optimizer, it != row.end() ? std::optional<double>(it->second) : std::nullopt);
    }
    if (recorder_) recorder_->row(epoch, row);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info("epoch {}/{}: {} = {:.5g}{} ({:.1f} s, data wait {:.2f} s)", epoch + 1, train_.epochs, plan_.monitor,
                 row.count(plan_.monitor) ? row[plan_.monitor] : NAN, improved ? " (best)" : "", seconds,
                 trained.data_wait_seconds);
    snapshot(epoch + 1, 0);
    if (improved) copy_last_to_best();
    std::optional<BestSoFar> best;
    if (record_.has_best) best = BestSoFar{record_.best, record_.best_epoch};
    EpochTiming timing{seconds, train_seconds, trained.data_wait_seconds, std::nullopt};
    if (session_.group()) timing.allreduce_wait_seconds = session_.take_sync_wait_seconds();
    if (recorder_) recorder_->epoch_done(epoch, session_.step(), session_.skipped_steps(), timing, best);
    optimizer.train(true);
    if (pruned(epoch, row)) return TrainOutcome::pruned;
    // Alone, an interrupt during validation also ends the run here; a group stops only where all
    // ranks agreed to (in the step).
    return decide(trained.interrupted || (session_.group() == nullptr && interrupt_requested()));
  }

  /// A sweep's median rule, after the epoch's checkpoint: whether this trial stops here.
  bool pruned(int64_t epoch, const std::map<std::string, double>& row) {
    if (!pruner_ || epoch + 1 >= train_.epochs) return false;
    auto it = row.find(plan_.monitor);
    if (it == row.end()) return false;
    const std::optional<std::string> why = pruner_->verdict(epoch + 1, it->second);
    if (!why) return false;
    spdlog::info("pruned: {}", *why);
    run_.info()["pruned"] = *why;
    return true;
  }

  /// The valid split's values into `row`, every validate_every epochs and after the last.
  void validate(int64_t epoch, std::map<std::string, double>& row) {
    if (session_.plan().indices(SplitName::valid).empty()) return;
    bool last_epoch = epoch + 1 == train_.epochs || session_.step_limit_reached();
    if ((epoch + 1) % train_.validate_every != 0 && !last_epoch) return;
    std::map<std::string, double> values = session_.evaluate(SplitName::valid);
    if (!train_.skip_nan)
      for (const auto& [k, value] : values)
        if (std::isnan(value))
          throw Error("the " + k + " is NaN after epoch " + std::to_string(epoch + 1) +
                      "; lower the learning rate, clip gradients ([train] clip_norm) or set nan_policy = \"skip\"");
    row.insert(values.begin(), values.end());
  }

  /// Whether the monitored value improved; keeps the best and the epochs without improvement.
  bool judge(int64_t epoch, const std::map<std::string, double>& row) {
    auto it = row.find(plan_.monitor);
    if (it == row.end() || !std::isfinite(it->second)) return false;
    const double value = it->second, delta = train_.min_delta;
    bool improved = !record_.has_best || (plan_.maximize ? value > record_.best + delta : value < record_.best - delta);
    if (!improved) {
      ++record_.bad_epochs;
      return false;
    }
    record_.best = value;
    record_.has_best = true;
    record_.best_epoch = epoch + 1;
    record_.bad_epochs = 0;
    return true;
  }

  std::optional<TrainOutcome> decide(bool interrupted) const {
    if (train_.patience > 0 && record_.bad_epochs >= train_.patience) {
      spdlog::info("early stop: {} did not improve by more than {} for {} epochs", plan_.monitor, train_.min_delta,
                   train_.patience);
      return TrainOutcome::stopped_early;
    }
    if (session_.step_limit_reached()) return TrainOutcome::completed;
    if (interrupted) return TrainOutcome::interrupted;
    return std::nullopt;
  }

  /// `last`: the session's state with this loop's bookkeeping (rank 0 writes it).
  void snapshot(int64_t epochs_done, int64_t batch_in_epoch) {
    record_.epoch = epochs_done;
    record_.batch_in_epoch = batch_in_epoch;
    if (!recorder_) {
      // For the crash record of a rank that writes none: rank 0 writes it before its next step,
      // which this rank cannot finish without it.
      note_checkpoint_epoch(epochs_done);
      return;
    }
    CheckpointState state = session_.save_state();
    state.epoch = epochs_done;
    state.batch_in_epoch = batch_in_epoch;
    state.best = record_.best;
    state.has_best = record_.has_best;
    state.best_epoch = record_.best_epoch;
    state.bad_epochs = record_.bad_epochs;
    save_checkpoint(run_.checkpoint("last"), state);
    note_checkpoint_epoch(epochs_done);
  }

  void copy_last_to_best() {
    // A kill before this completes leaves `last` saying it is the best: resume repairs `best`.
    if (recorder_) copy_checkpoint(run_.checkpoint("last"), run_.checkpoint("best"));
  }

  Session& session_;
  RunFolder& run_;
  const MonitorPlan& plan_;
  RunRecorder* recorder_;
  CheckpointState& record_;
  const MedianRule* pruner_;
  const TrainOptions& train_;
  Progress progress_;
};

const char* status_of(TrainOutcome outcome) {
  switch (outcome) {
    case TrainOutcome::completed: return "completed";
    case TrainOutcome::stopped_early: return "stopped_early";
    case TrainOutcome::interrupted: return "interrupted";
    case TrainOutcome::pruned: return "pruned";
  }
  return "?";
}

/// The median rule of the sweep whose trial this run is (run.json "sweep"), when it prunes. Only
/// a run of one process: ranks would have to agree on what each read of the others' files.
std::optional<MedianRule> sweep_pruner(RunFolder& run, const MonitorPlan& plan, RankGroup* group) {
  const nlohmann::json& info = run.info();
  if (!info.contains("sweep") || !info["sweep"].is_object()) return std::nullopt;
  const fs::path dir = info["sweep"].value("dir", "");
  SweepIndex index = read_sweep_index(dir);
  if (!index.prune.enabled()) return std::nullopt;
  if (group) {
    spdlog::warn("sweep pruning is off for a trial trained on several processes");
    return std::nullopt;
  }
  spdlog::info("sweep trial: the median rule may stop it after epoch {} once {} trials have completed", index.prune.warmup + 1,
               index.prune.min_trials);
  return MedianRule(std::move(index), run.path(), plan.monitor, plan.maximize);
}

/// [model] init: a new run's model takes the weights it names (every rank alike) and run.json
/// records where they came from.
void start_from_weights(Session& session, RunFolder& run, bool writer) {
  const Job& job = session.job();
  InitialWeights w = load_initial_weights(session.model(), job.options.init, job.file.string());
  spdlog::info("model starts from {} ({} tensors, SHA-256 {})", w.file, w.loaded, w.sha256);
  for (const std::string& n : w.not_loaded) spdlog::warn("[model] init, strict = false: {}", n);
  if (!writer) return;
  run.info()["init"] = w.json();
  run.save_info();
}

/// The session's part of train(): everything up to the outcome, with `recorder` made once the
/// columns are known.
TrainOutcome train_in_session(const Job& job, RunFolder& run, const std::optional<CheckpointState>& resume,
                              RankGroup* group, int64_t train_batch, std::optional<RunRecorder>& recorder) {
  const bool writer = group == nullptr || group->rank() == 0;
  SessionOptions options;
  if (writer) options.analysis_dir = run.path() / "analysis";
  options.group = group;
  options.train_batch = train_batch;
  Session session(job, options);
  if (!resume && !job.options.init.source.empty()) start_from_weights(session, run, writer);
  session.start_training();
  if (!resume && writer) save_model_graph(session, run.path());
  const MonitorPlan plan = plan_columns(job, session.modules(), !session.plan().indices(SplitName::valid).empty());
  CheckpointState record;  // the epoch bookkeeping; the session keeps the rest
  if (resume) {
    record = *resume;
    session.restore_state(record);
    note_checkpoint_epoch(record.epoch);
    spdlog::info("resuming {} at epoch {} (step {}, batch {} of that epoch)", run.path().string(), record.epoch + 1,
                 record.step, record.batch_in_epoch);
  }
  // Checkpoints hold the evaluation-mode parameters (for schedule-free optimizers, the average x).
  session.optimizer().train(true);
  if (writer) recorder.emplace(run, plan, column_names(session.modules()), resume ? record.epoch : -1);
  const std::optional<MedianRule> pruner = writer ? sweep_pruner(run, plan, group) : std::nullopt;
  return TrainLoop(session, run, plan, recorder ? &*recorder : nullptr, record, pruner ? &*pruner : nullptr).run();
}

}  // namespace

TrainOutcome train(const Job& job, RunFolder& run, const std::optional<CheckpointState>& resume, RankGroup* group,
                   int64_t train_batch) {
  std::optional<RunRecorder> recorder;
  TrainOutcome outcome;
  // run.json's final status is written after the session (its loader threads, its group's
  // traffic) is gone, so that whoever watches run.json sees a run that has really ended.
  try {
    outcome = train_in_session(job, run, resume, group, train_batch, recorder);
  } catch (const std::exception& e) {
    // Also before the first epoch (a plugin that cannot be made, a bad dataset): the run says so.
    if (recorder) recorder->finish("failed", e.what());
    else if (group == nullptr || group->rank() == 0) record_failure(run, e.what());
    throw;
  }
  if (recorder) recorder->finish(status_of(outcome));
  return outcome;
}

}  // namespace hearth
