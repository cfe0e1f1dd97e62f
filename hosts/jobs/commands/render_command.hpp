// `hearth render JOB [--run RUN]`: samples of a split (and a run's predictions) as pictures.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct RenderRequest {
  static constexpr const char* kName = "render";
  RequestBase base;
  std::string job;                  ///< absolute path of the job file: its data and [[renders]]
  std::vector<std::string> sets;    ///< --set section.key=value
  std::string run;                  ///< absolute; a run whose checkpoint adds predictions
  std::string checkpoint = "best";  ///< best or last (with run)
  std::string split = "valid";      ///< train, valid or test
  std::string index = "0-15";       ///< positions in the split: "0-15", "3,7,9-12"
  std::string out;                  ///< absolute; empty: RUN/renders with a run, else ./renders
  int size = 256;                   ///< pixels of each picture
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RenderRequest, base, job, sets, run, checkpoint, split, index, out, size)

int execute(const RenderRequest& request);

}  // namespace hearth::jobs
