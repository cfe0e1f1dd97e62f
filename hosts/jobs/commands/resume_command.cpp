#include "hosts/jobs/commands/resume_command.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <optional>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/runs/run_condition.hpp"
#include "hosts/jobs/opened_job.hpp"
#include "hosts/jobs/rank_setup.hpp"
#include "hosts/jobs/run_history.hpp"
#include "hosts/jobs/run_ownership.hpp"
#include "hosts/jobs/run_scope.hpp"
#include "hosts/jobs/train_to_end.hpp"

namespace hearth::jobs {
namespace {

/// This rank's train batch for a run resumed on `world`: the global batch (the job's batch times
/// the world size the run started with) stays what it was, so every step still takes the same
/// samples of the epoch's order. 0 when the world size is the one the run started with.
int64_t train_batch_on(RunFolder& run, const Job& job, const World& world) {
  const int64_t started = run.record().distributed ? run.record().distributed->world_size : 1;
  if (started == world.size) return 0;
  const int64_t global = job.options.data.batch_size * started;
  if (started < 1 || global % world.size != 0)
    throw UsageError("run " + run.path().string() + " trained with a global batch of " + std::to_string(global) + " (" +
                     std::to_string(started) + " x batch_size " + std::to_string(job.options.data.batch_size) +
                     ") that does not split over " + std::to_string(world.size) +
                     " processes; resume on a number of processes that divides " + std::to_string(global));
  spdlog::info("the run started on {} process(es) and resumes on {}: each takes {} samples of every global batch of {}",
               started, world.size, global / world.size, global);
  return global / world.size;
}

/// Whether the run has written a checkpoint at all (a damaged one counts: it is refused by name
/// when loaded, never silently replaced by a fresh start).
bool has_checkpoint(const RunFolder& run) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(run.checkpoint(CheckpointName::last), ec)) ||
         fs::exists(fs::symlink_status(run.checkpoint(CheckpointName::best), ec));
}

}  // namespace

int execute(const ResumeRequest& request) {
  OpenedRun opened = open_run(request.base, request.run);
  RunFolder& run = opened.run;
  const RunStatus status = run.record().status;
  if (status == RunStatus::completed || status == RunStatus::stopped_early || status == RunStatus::pruned) {
    std::cout << "run " << run.path().string() << " is already " << status_name(status) << "; nothing to resume\n";
    return 0;
  }
  if (!opened.job.dataset.entry)
    throw UsageError("run " + printable(run.path().string()) + " was trained by a program through hearth/embed.h, which gave it its "
                     "data: `hearth resume` has none to train on. Continue it from that program: open a session with "
                     "hearth_embed_params.resume = \"" + printable(run.path().string()) + "\"");
  const CheckpointName which = checkpoint_name(request.checkpoint);
  // Judged before this process claims the run: afterwards its recorded process is this one.
  const RunCondition found = assess_run(run.path(), run.record());
  const World world = this_world();
  RunOwnership owner(run, world);
  std::optional<CheckpointState> state;
  if (which == CheckpointName::last && !has_checkpoint(run)) {
    spdlog::warn("run {} ended before its first checkpoint: it starts again from its first epoch", run.path().string());
  } else {
    state = load_resume_checkpoint(run, which);
    if (world.rank == 0 && which == CheckpointName::last) repair_best_checkpoint(run, *state);
  }
  // Every rank of the group refuses alike, so none is left waiting for the others.
  JoinedWorld joined = join_world(opened.job);
  const int64_t train_batch = train_batch_on(run, opened.job, joined.world);
  RunLog log(log_file(run, joined.world));
  return log.recording_errors([&] {
    joined.log();
    if (state)
      spdlog::info("resume {} from its {} checkpoint, epoch {} ({})", run.path().string(), request.checkpoint, state->epoch,
                   request.base.command_line);
    if (joined.writer())
      record_resume(run, opened.job, request.base.command_line, found, state ? request.checkpoint : "none", joined.world.size);
    return train_to_end(opened.job, run, state, joined, request.base, train_batch);
  });
}

}  // namespace hearth::jobs
