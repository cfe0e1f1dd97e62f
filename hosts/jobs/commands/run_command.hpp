// `hearth run JOB`: validate a job, then train it into a new run folder.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct RunRequest {
  static constexpr const char* kName = "run";
  RequestBase base;
  std::string job;                ///< absolute path of the job file
  std::vector<std::string> sets;  ///< --set section.key=value
  std::string runs_dir;           ///< absolute; empty: [job] runs, next to the job
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RunRequest, base, job, sets, runs_dir)

int execute(const RunRequest& request);

}  // namespace hearth::jobs
