// `hearth resume RUN`: continue an interrupted or crashed run from its last checkpoint.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct ResumeRequest {
  static constexpr const char* kName = "resume";
  RequestBase base;
  std::string run;  ///< absolute path of the run folder
  std::string checkpoint = "last";  ///< or "best", when `last` is damaged
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ResumeRequest, base, run, checkpoint)

int execute(const ResumeRequest& request);

}  // namespace hearth::jobs
