// `hearth dataset JOB [--json]`: what a job's dataset holds once its splits are made: each split's
// size, each tensor's name, role, shape and dtype (of the first sample), and the class names.
// The studio's Dataset tab shows this (Load).
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct DatasetRequest {
  static constexpr const char* kName = "dataset";
  RequestBase base;
  std::string job;                ///< absolute path of the job file
  std::vector<std::string> sets;  ///< --set section.key=value
  bool json = false;              ///< one JSON object on stdout instead of lines for people
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DatasetRequest, base, job, sets, json)

int execute(const DatasetRequest& request);

}  // namespace hearth::jobs
