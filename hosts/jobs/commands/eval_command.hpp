// `hearth eval RUN`: score a run's checkpoint on a split with the job's losses and metrics.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct EvalRequest {
  static constexpr const char* kName = "eval";
  RequestBase base;
  std::string run;                  ///< absolute path of the run folder
  std::string checkpoint = "best";  ///< best or last
  std::string split = "valid";      ///< train, valid or test
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EvalRequest, base, run, checkpoint, split)

int execute(const EvalRequest& request);

}  // namespace hearth::jobs
