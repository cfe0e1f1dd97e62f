// `hearth infer RUN`: run a trained model on a file or a split and write its outputs.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct InferRequest {
  static constexpr const char* kName = "infer";
  RequestBase base;
  std::string run;                  ///< absolute path of the run folder
  std::string checkpoint = "best";  ///< best or last
  std::string split = "test";       ///< the split to run on when there is no input file
  std::string input;                ///< absolute; .npy, .csv, .png or IDX; empty: the split
  std::string out;                  ///< absolute; empty: RUN/infer-<checkpoint>.csv
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InferRequest, base, run, checkpoint, split, input, out)

int execute(const InferRequest& request);

}  // namespace hearth::jobs
