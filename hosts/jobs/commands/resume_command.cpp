#include "hosts/jobs/commands/resume_command.hpp"

#include <spdlog/spdlog.h>

#include <iostream>

#include "hosts/jobs/opened_job.hpp"
#include "hosts/jobs/run_scope.hpp"

namespace hearth::jobs {

int execute(const ResumeRequest& request) {
  OpenedRun opened = open_run(request.base, request.run);
  RunFolder& run = opened.run;
  std::string status = run.info().value("status", "");
  if (status == "completed" || status == "stopped_early") {
    std::cout << "run " << run.path().string() << " is already " << status << "; nothing to resume\n";
    return 0;
  }
  CheckpointState state = load_checkpoint(run.checkpoint("last"));
  RunLog log(run.path() / "hearth.log");
  spdlog::info("resume {} ({})", run.path().string(), request.base.command_line);
  run.info()["resumed"] = run.info().value("resumed", nlohmann::json::array());
  run.info()["resumed"].push_back(utc_timestamp());
  InterruptScope interrupts;
  return report_outcome(train(opened.job, run, state), run);
}

}  // namespace hearth::jobs
