// The render step: chosen samples of a split drawn by renderers, one PNG per tensor (inputs,
// targets and, given a trained model, its predictions) and a contact sheet of the whole selection
// with class names.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/discovery/plugin_registry.hpp"
#include "engine/jobs/job.hpp"
#include "engine/runtime/modules/dataset_module.hpp"
#include "engine/runtime/modules/model_module.hpp"

namespace hearth {

struct RenderOptions {
  std::string split = "valid";   ///< train, valid or test
  std::string indices = "0-15";  ///< positions in the split: "0-15", "3,7,9-12"
  std::filesystem::path out_dir;
  int size = 256;   ///< pixels of each single picture
  int thumb = 144;  ///< pixels of each contact sheet cell
};

/// "0-15" or "3,7,9-12" as positions; throws UsageError naming the bad part.
std::vector<int64_t> parse_index_list(const std::string& text);

/// Renders the samples at `options.indices` of the split. `model` (in eval mode, on `device`)
/// adds a prediction column; without it only the dataset's tensors are drawn. Returns the files
/// written, contact sheet last.
std::vector<std::filesystem::path> render_samples(const Job& job, const PluginRegistry& registry, const DatasetModule& data,
                                                  ModelModule* model, const std::string& device, const RenderOptions& options);

}  // namespace hearth
