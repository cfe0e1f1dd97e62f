#include "engine/training/trainer.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <vector>

#include "engine/core/atomic_file.hpp"
#include "engine/export/initial_weights.hpp"
#include "engine/jobs/crash_handler.hpp"
#include "engine/jobs/job_hparams.hpp"
#include "engine/jobs/model_graph.hpp"
#include "engine/jobs/session.hpp"
#include "engine/plots/graph_picture.hpp"
#include "engine/runs/run_classes.hpp"
#include "engine/training/checkpointer.hpp"
#include "engine/training/diagnostics_observer.hpp"
#include "engine/training/early_stopping.hpp"
#include "engine/training/epoch_scheduler.hpp"
#include "engine/training/monitor_plan.hpp"
#include "engine/training/plot_redraw.hpp"
#include "engine/training/run_recorder.hpp"
#include "engine/training/sweep_pruning.hpp"
#include "engine/training/train_loop.hpp"

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

RunStatus status_of(TrainOutcome outcome) {
  switch (outcome) {
    case TrainOutcome::completed: return RunStatus::completed;
    case TrainOutcome::stopped_early: return RunStatus::stopped_early;
    case TrainOutcome::interrupted: return RunStatus::interrupted;
    case TrainOutcome::pruned: return RunStatus::pruned;
  }
  return RunStatus::failed;
}

/// [model] init: a new run's model takes the weights it names (every rank alike) and run.json
/// records where they came from.
void start_from_weights(Session& session, RunFolder& run, bool writer) {
  const Job& job = session.job();
  InitialWeights w = load_initial_weights(session.model(), job.options.init, job.file.string());
  spdlog::info("model starts from {} ({} tensors, SHA-256 {})", w.file, w.loaded, w.sha256);
  for (const std::string& n : w.not_loaded) spdlog::warn("[model] init, strict = false: {}", n);
  if (!writer) return;
  run.record().init = w.record();
  run.save_record();
}

/// The observers of one run, in the order each phase reaches them (epoch_observer.hpp).
struct Observers {
  std::unique_ptr<Checkpointer> checkpointer;
  std::unique_ptr<EpochScheduler> scheduler;
  std::unique_ptr<PlotRedraw> plots;
  std::unique_ptr<SweepPruning> pruning;
  std::unique_ptr<DiagnosticsObserver> diagnostics;
  std::unique_ptr<EarlyStopping> early_stopping;
};

/// Everything of train() up to the outcome, with `recorder` made once the columns are known.
TrainOutcome train_in_session(const Job& job, RunFolder& run, const std::optional<CheckpointState>& resume,
                              RankGroup* group, int64_t train_batch, std::optional<RunRecorder>& recorder) {
  const bool writer = group == nullptr || group->rank() == 0;
  SessionOptions options;
  if (writer) options.analysis_dir = run.path() / "analysis";
  options.group = group;
  options.train_batch = train_batch;
  Session session(job, options);
  if (resume) check_run_classes(run, session.data().class_names(), session.data().module().label());
  if (!resume && !job.options.init.source.empty()) start_from_weights(session, run, writer);
  session.start_training();
  if (!resume && writer) save_model_graph(session, run.path());
  const MonitorPlan plan = plan_columns(job, session.modules(), !session.plan().indices(SplitName::valid).empty());
  LoopStart start;
  if (resume) {
    session.restore_state(*resume);
    note_checkpoint_epoch(resume->epoch);
    start = {resume->epoch, resume->batch_in_epoch};
    spdlog::info("resuming {} at epoch {} (step {}, batch {} of that epoch)", run.path().string(), resume->epoch + 1,
                 resume->step, resume->batch_in_epoch);
  }
  // Checkpoints hold the evaluation-mode parameters (for schedule-free optimizers, the average x).
  session.optimizer().train(true);
  const TrainOptions& t = job.options.train;
  Progress progress(t.epochs, t.log_every, writer);
  if (group != nullptr) progress.set_world_size(group->size());
  if (writer) progress.log_batches_to(run.path() / "batches.csv");
  TrainLoop loop(session, plan, progress, start);
  Observers o;
  o.checkpointer = std::make_unique<Checkpointer>(session, writer ? &run : nullptr, plan, resume ? &*resume : nullptr);
  o.scheduler = std::make_unique<EpochScheduler>(session);
  loop.observe(*o.checkpointer);
  loop.observe(*o.scheduler);
  if (writer) {
    run.record().device = session.device_name();  // the device this run trains on now (saved just below)
    run.record().classes = session.data().class_names();
    recorder.emplace(run, plan, column_names(session.modules()), resume ? resume->epoch : -1, resume ? resume->step : -1,
                     t.validate_every_steps > 0);
    recorder->start_hparams(job_hparams(job));
    o.plots = std::make_unique<PlotRedraw>(run.path(), plan);
    o.pruning = SweepPruning::of_run(run, plan, t.epochs, group == nullptr);
    loop.observe(*recorder);
    loop.observe(*o.plots);
    if (o.pruning) loop.observe(*o.pruning);
    // After the recorder: its run.json save comes first, and the diagnostics' time joins it.
    o.diagnostics = DiagnosticsObserver::of_job(session, run, recorder->tensorboard());
    if (o.diagnostics) loop.observe(*o.diagnostics);
  }
  o.early_stopping = std::make_unique<EarlyStopping>(plan.monitor, t.patience, t.min_delta, t.validate_every_steps > 0);
  loop.observe(*o.early_stopping);
  return loop.run();
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
    if (recorder) recorder->finish(RunStatus::failed, e.what());
    else if (group == nullptr || group->rank() == 0) record_failure(run, e.what());
    throw;
  }
  if (recorder) recorder->finish(status_of(outcome));
  return outcome;
}

}  // namespace hearth
