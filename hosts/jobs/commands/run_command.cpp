#include "hosts/jobs/commands/run_command.hpp"

#include <spdlog/spdlog.h>

#include "hosts/jobs/opened_job.hpp"
#include "hosts/jobs/run_scope.hpp"

namespace hearth::jobs {

int execute(const RunRequest& request) {
  OpenedJob opened = open_job(request.base, request.job, request.sets);
  RunFolder run = create_run(opened, request.base, request.runs_dir);
  RunLog log(run.path() / "hearth.log");
  spdlog::info("run {} ({})", run.path().string(), request.base.command_line);
  InterruptScope interrupts;
  return report_outcome(train(opened.job, run, std::nullopt), run);
}

}  // namespace hearth::jobs
