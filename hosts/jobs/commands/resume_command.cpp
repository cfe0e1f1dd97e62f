#include "hosts/jobs/commands/resume_command.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <optional>

#include "engine/core/error.hpp"
#include "engine/core/run_condition.hpp"
#include "hosts/jobs/export_step.hpp"
#include "hosts/jobs/opened_job.hpp"
#include "hosts/jobs/rank_setup.hpp"
#include "hosts/jobs/run_history.hpp"
#include "hosts/jobs/run_ownership.hpp"
#include "hosts/jobs/run_scope.hpp"

namespace hearth::jobs {
namespace {

/// A run continues on as many ranks as it started with: its shards, and so its numbers, depend on it.
void check_world_size(RunFolder& run, const World& world) {
  const nlohmann::json& info = run.info();
  int64_t was = info.contains("distributed") ? info["distributed"].value("world_size", int64_t{1}) : 1;
  if (was != world.size)
    throw UsageError("run " + run.path().string() + " trained on " + std::to_string(was) + " process(es) and resumes on " +
                     std::to_string(world.size) + ": each rank's share of every epoch depends on the count; resume with " +
                     (was > 1 ? "--nproc " + std::to_string(was) + " (or the same launcher and size)" : "one process"));
}

/// Whether the run has written a checkpoint at all (a damaged one counts: it is refused by name
/// when loaded, never silently replaced by a fresh start).
bool has_checkpoint(const RunFolder& run) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(run.checkpoint("last"), ec)) || fs::exists(fs::symlink_status(run.checkpoint("best"), ec));
}

}  // namespace

int execute(const ResumeRequest& request) {
  OpenedRun opened = open_run(request.base, request.run);
  RunFolder& run = opened.run;
  std::string status = run.info().value("status", "");
  if (status == "completed" || status == "stopped_early" || status == "pruned") {
    std::cout << "run " << run.path().string() << " is already " << status << "; nothing to resume\n";
    return 0;
  }
  // Judged before this process claims the run: afterwards its recorded process is this one.
  const RunCondition found = assess_run(run.path(), run.info());
  const World world = this_world();
  RunOwnership owner(run, world);
  std::optional<CheckpointState> state;
  if (request.checkpoint == "last" && !has_checkpoint(run)) {
    spdlog::warn("run {} ended before its first checkpoint: it starts again from its first epoch", run.path().string());
  } else {
    state = load_resume_checkpoint(run, request.checkpoint);
    if (world.rank == 0 && request.checkpoint == "last") repair_best_checkpoint(run, *state);
  }
  // Every rank of the group refuses alike, so none is left waiting for the others.
  JoinedWorld joined = join_world(opened.job);
  check_world_size(run, joined.world);
  RunLog log(log_file(run, joined.world));
  return log.recording_errors([&] {
    joined.log();
    if (state)
      spdlog::info("resume {} from its {} checkpoint, epoch {} ({})", run.path().string(), request.checkpoint, state->epoch,
                   request.base.command_line);
    if (joined.writer()) record_resume(run, opened.job, request.base.command_line, found, state ? request.checkpoint : "none");
    InterruptScope interrupts;
    const TrainOutcome outcome = train(opened.job, run, state, joined.group.get());
    const int code = report_outcome(outcome, run, joined.writer());
    return run_export_step(code, outcome, opened.job, request.base, run, joined.writer());
  });
}

}  // namespace hearth::jobs
