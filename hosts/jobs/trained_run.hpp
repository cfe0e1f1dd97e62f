// A trained run opened for a command: its job, the checkpoint asked for, and a session whose model
// holds it (eval, infer, export, render --run).
#pragma once

#include <memory>
#include <string>

#include "engine/jobs/session.hpp"
#include "engine/runs/checkpoint.hpp"
#include "hosts/jobs/opened_job.hpp"

namespace hearth::jobs {

/// The run's checkpoint `which`; `best` is repaired first when a kill left it behind `last`.
CheckpointState load_run_checkpoint(const RunFolder& run, CheckpointName which);

/// Whether a command on a trained run opens its dataset.
enum class RunData {
  needed,  ///< eval, infer, sample: a run whose data came from a program (no [dataset]) is refused
  if_any,  ///< export: the dataset, or the inputs an embedded session kept
  none,    ///< render --run: the model alone, as render takes its data from its own job
};

/// A run's job opened as a session whose model holds the checkpoint `which` ("best" or "last"),
/// in eval mode: what eval, infer, export and render --run work with. Neither copied nor moved:
/// the session refers to the job it holds.
class TrainedRun {
 public:
  TrainedRun(const RequestBase& base, const std::string& run_folder, CheckpointName which, RunData data = RunData::needed);
  TrainedRun(const TrainedRun&) = delete;
  TrainedRun& operator=(const TrainedRun&) = delete;

  RunFolder& run() { return opened_.run; }
  const CheckpointState& state() const { return state_; }
  Session& session() { return *session_; }

 private:
  OpenedRun opened_;
  CheckpointState state_;
  std::unique_ptr<Session> session_;
};

}  // namespace hearth::jobs
