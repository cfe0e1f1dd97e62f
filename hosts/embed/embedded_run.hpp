// An embedded session (sdk/include/hearth/embed.h): a job opened inside another program, whose
// batches come from the program's own tensors. It trains through the same TrainStep and ends
// its epochs through the same observers as `hearth run` (ObserverChain), so the run folder is an
// ordinary one: metrics.csv, checkpoints, run.json, TensorBoard, the studio. Processes started by
// a launcher (mpirun, srun, torchrun) join one data-parallel group as `hearth run`'s ranks do:
// each trains on its own arrays, gradients are averaged, rank 0 writes the run.
#pragma once

#include <ATen/Tensor.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/jobs/epoch_tally.hpp"
#include "engine/jobs/session.hpp"
#include "engine/runs/run_folder.hpp"
#include "engine/runs/run_lock.hpp"
#include "engine/training/checkpointer.hpp"
#include "engine/training/early_stopping.hpp"
#include "engine/training/epoch_scheduler.hpp"
#include "engine/training/observer_chain.hpp"
#include "engine/training/plot_redraw.hpp"
#include "engine/training/run_recorder.hpp"
#include "engine/training/train_step.hpp"
#include "hosts/jobs/opened_job.hpp"
#include "hosts/jobs/rank_setup.hpp"
#include "hosts/jobs/run_log.hpp"

namespace hearth::embed {

/// An array whose shape or dtype does not fit what the session takes.
struct ShapeMismatch : UsageError {
  using UsageError::UsageError;
};

/// A call the session cannot take as made: a null name, a step after the session finished.
struct BadArgument : UsageError {
  using UsageError::UsageError;
};

/// What a program asks for (hearth_embed_params, read into C++).
struct EmbedRequest {
  std::string job_file;     ///< or
  std::string job_toml;     ///< the job's text
  std::string runs_dir;     ///< empty: [job] runs, beside the job file (the current folder for text)
  std::string resume;       ///< a run folder to continue; empty: a new run
  std::vector<std::string> plugin_paths;
};

/// The shapes and dtypes (batch dimension left out) a session's arrays had at its first step:
/// later steps must match them.
struct ArraySignature {
  std::vector<std::vector<int64_t>> shapes;
  std::vector<at::ScalarType> dtypes;
};

class EmbeddedRun {
 public:
  /// Opens the job (its [dataset] optional), the run folder (new, or `resume`'s with its `last`
  /// checkpoint) and the session, and takes the run's lock. Throws Error or UsageError.
  explicit EmbeddedRun(const EmbedRequest& request);
  ~EmbeddedRun();
  EmbeddedRun(const EmbeddedRun&) = delete;
  EmbeddedRun& operator=(const EmbeddedRun&) = delete;

  /// One batch of training; returns its loss.
  double train_step(const std::vector<at::Tensor>& inputs, const std::vector<at::Tensor>& targets);
  /// One batch scored for the epoch's valid.* values; returns its loss.
  double eval_step(const std::vector<at::Tensor>& inputs, const std::vector<at::Tensor>& targets);
  /// The model's outputs in evaluation mode.
  std::vector<at::Tensor> predict(const std::vector<at::Tensor>& inputs);
  void log_scalar(const std::string& name, double value);
  /// The epoch's end through the observers; returns whether training should stop here.
  bool end_epoch();
  /// `last` now, inside the epoch.
  void save();
  /// run.json's final status; the session stays usable for predict.
  void finish();
  /// A call that failed: its message goes into the run's log too.
  void record_error(const std::string& message);

  const RunFolder& run() const { return run_; }
  int64_t steps() const { return session_->step(); }
  /// This process's place among the program's ranks (rank 0 of 1 alone).
  const World& world() const { return joined_.world; }

 private:
  void open_run(const EmbedRequest& request);
  /// Opens `resume` to continue it: every rank reads its `last` checkpoint, rank 0 records the resume.
  void open_resumed(const EmbedRequest& request, const jobs::RequestBase& base);
  /// Makes the run folder (rank 0) and tells the other ranks where it is.
  void open_new(const EmbedRequest& request, const jobs::RequestBase& base);
  /// Joins the ranks the program's launcher started, when there are several.
  void join_ranks();
  /// Whether this process writes the run's files (rank 0, or the only one).
  bool writer() const { return joined_.writer(); }
  void start_observers();
  /// Refuses arrays whose shapes or dtypes differ from those of the first step, naming which.
  void check_signature(const std::vector<at::Tensor>& tensors, const std::optional<ArraySignature>& first, const char* what) const;
  /// The first step that succeeded sets the signature later steps are held to.
  static void remember_signature(const std::vector<at::Tensor>& tensors, std::optional<ArraySignature>& first);
  /// The recorder and plots, made at the first epoch's end: logged scalars are columns by then.
  void start_recording();
  /// The first step's inputs (a few samples) kept in the run, for `hearth export` to trace with.
  void keep_example(const std::vector<at::Tensor>& inputs);
  /// The epoch's row, pooled over the ranks of a group, and the value its observers judge.
  EpochReport epoch_report();

  jobs::OpenedJob opened_;  // first: the session's job and registry live in it
  jobs::JoinedWorld joined_;  // before the session, which trains with its group
  RunFolder run_;
  std::optional<jobs::RunLog> log_;  ///< hearth.log (hearth.rank-K.log), from the run's opening on
  std::optional<RunLock> lock_;
  std::unique_ptr<Session> session_;
  std::optional<CheckpointState> resumed_;
  MonitorPlan plan_;
  std::unique_ptr<ObserverChain> chain_;
  std::unique_ptr<TrainStep> step_;
  std::unique_ptr<Checkpointer> checkpointer_;
  std::unique_ptr<EpochScheduler> scheduler_;
  std::unique_ptr<EarlyStopping> early_stopping_;
  std::optional<RunRecorder> recorder_;
  std::unique_ptr<PlotRedraw> plots_;
  std::vector<MetricSlot> valid_metrics_;  ///< a second set, so eval steps never mix into train.*
  std::unique_ptr<EpochTally> train_tally_, valid_tally_;
  std::map<std::string, double> logged_;
  std::vector<std::string> logged_order_;
  std::optional<ArraySignature> inputs_, targets_;
  int64_t epoch_ = 0;           ///< 0-based: the epoch being trained
  int64_t batches_ = 0;         ///< of it, so far
  std::chrono::steady_clock::time_point epoch_start_;
  double train_seconds_ = 0;
  bool stopped_early_ = false;
  bool any_epoch_ = false;
  bool recording_ = false;      ///< whether the first epoch's end added the last observers
  bool example_kept_ = false;   ///< whether the first step's inputs were looked at for the run
  bool finished_ = false;
};

}  // namespace hearth::embed
