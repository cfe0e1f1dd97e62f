// `[model] init` / `hearth run --init`: a new run starts from weights made elsewhere — a
// state_dict `.pt` from Python, a safetensors file, or another Hearth run's checkpoint.
#pragma once

#include <string>
#include <vector>

#include "engine/jobs/job_options.hpp"
#include "engine/runs/run_record.hpp"
#include "engine/runtime/modules/model_module.hpp"

namespace hearth {

/// Where a run's first weights came from, as run.json "init" records it.
struct InitialWeights {
  std::string source;                   ///< as the job says it
  std::string file;                     ///< the file read (for run:, the checkpoint)
  std::string sha256;                   ///< of that file
  size_t loaded = 0;                    ///< tensors copied into the model
  std::vector<std::string> not_loaded;  ///< strict = false: what did not match, one line each
  InitRecord record() const;
};

/// Reads `init.source` (paths relative to the current folder, the job's) and copies each tensor
/// whose name and shape match a parameter or buffer of `model` into it. Strict, any name missing
/// from the file, any name the model lacks and any shape that differs is an error listing every
/// one of them (`where` names the job file); not strict, those are skipped and listed.
InitialWeights load_initial_weights(ModelModule& model, const ModelInit& init, const std::string& where);

}  // namespace hearth
