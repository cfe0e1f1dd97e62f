// `hearth graph JOB`: the operations of one forward pass as a picture, and the model's summary.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct GraphRequest {
  static constexpr const char* kName = "graph";
  RequestBase base;
  std::string job;                ///< absolute path of the job file
  std::vector<std::string> sets;  ///< --set section.key=value
  std::string out;                ///< absolute; empty: ./graph.svg
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GraphRequest, base, job, sets, out)

int execute(const GraphRequest& request);

}  // namespace hearth::jobs
