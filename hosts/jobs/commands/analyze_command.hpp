// `hearth analyze JOB`: the job's analyzers (or the default ones) into a new run's analysis/.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct AnalyzeRequest {
  static constexpr const char* kName = "analyze";
  RequestBase base;
  std::string job;                ///< absolute path of the job file
  std::vector<std::string> sets;  ///< --set section.key=value
  std::string runs_dir;           ///< absolute; empty: [job] runs, next to the job
  std::string split;              ///< train, valid, test or all; empty: each analyzer's own
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AnalyzeRequest, base, job, sets, runs_dir, split)

int execute(const AnalyzeRequest& request);

}  // namespace hearth::jobs
