// `hearth run JOB`: validate a job, then train it into a new run folder.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"
#include "hosts/jobs/run_creation.hpp"

namespace hearth::jobs {

struct RunRequest {
  static constexpr const char* kName = "run";
  RequestBase base;
  std::string job;                ///< absolute path of the job file
  std::vector<std::string> sets;  ///< --set section.key=value
  std::string runs_dir;           ///< absolute; empty: [job] runs, next to the job
  std::string trial;              ///< --trial N or auto: `job` is then a sweep folder
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RunRequest, base, job, sets, runs_dir, trial)

int execute(const RunRequest& request);

/// Trains the request's job into a new run folder: under its runs folder, or at `trial`'s place.
int train_new_run(const RunRequest& request, const TrialPlacement* trial);

}  // namespace hearth::jobs
