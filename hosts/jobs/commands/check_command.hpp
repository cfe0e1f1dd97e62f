// `hearth check JOB`: validate a job against every plugin's schema; run nothing.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct CheckRequest {
  static constexpr const char* kName = "check";
  RequestBase base;
  std::string job;                ///< absolute path of the job file
  std::vector<std::string> sets;  ///< --set section.key=value
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CheckRequest, base, job, sets)

int execute(const CheckRequest& request);

}  // namespace hearth::jobs
