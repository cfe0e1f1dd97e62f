// `hearth sample RUN`: text from a trained language model, decoded through the run's vocabulary.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct SampleRequest {
  static constexpr const char* kName = "sample";
  RequestBase base;
  std::string run;                  ///< absolute path of the run folder
  std::string checkpoint = "best";  ///< best or last
  std::string prompt;               ///< empty: a newline
  int64_t tokens = 200;
  double temperature = 0.8;
  int64_t top_k = 0;
  uint64_t seed = 1;
  bool no_cache = false;            ///< the whole context every step (to measure what the cache saves)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SampleRequest, base, run, checkpoint, prompt, tokens, temperature, top_k, seed,
                                                no_cache)

int execute(const SampleRequest& request);

}  // namespace hearth::jobs
