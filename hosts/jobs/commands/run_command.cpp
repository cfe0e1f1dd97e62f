#include "hosts/jobs/commands/run_command.hpp"

#include <spdlog/spdlog.h>

#include "hosts/jobs/run_creation.hpp"
#include "hosts/jobs/rank_setup.hpp"
#include "hosts/jobs/run_ownership.hpp"
#include "hosts/jobs/run_scope.hpp"
#include "hosts/jobs/train_to_end.hpp"
#include "hosts/jobs/trial_run.hpp"

namespace hearth::jobs {

int execute(const RunRequest& request) {
  if (!request.trial.empty()) return run_trial(request);
  return train_new_run(request, nullptr);
}

int train_new_run(const RunRequest& request, const TrialPlacement* trial) {
  OpenedJob opened = open_job(request.base, request.job, request.sets);
  if (!trial && opened.job.document.get("sweep"))
    spdlog::info("{} has a [sweep]: `hearth run` trains the job as written; `hearth sweep` runs its trials", opened.file.string());
  JoinedWorld joined = join_world(opened.job);
  // Rank 0 makes the run folder; the other ranks open the one it announces.
  RunFolder run = joined.writer() ? create_run(opened, request.base, request.runs_dir, trial) : RunFolder();
  if (joined.group) {
    share_run_folder(*joined.group, run);
    if (joined.writer()) record_world(run, *joined.group);
  }
  RunOwnership owner(run, joined.world);
  RunLog log(log_file(run, joined.world));
  return log.recording_errors([&] {
    joined.log();
    spdlog::info("run {} ({})", run.path().string(), request.base.command_line);
    return train_to_end(opened.job, run, std::nullopt, joined, request.base);
  });
}

}  // namespace hearth::jobs
