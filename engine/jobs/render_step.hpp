// The render step: chosen samples of a split drawn by renderers, one PNG per tensor (inputs,
// targets and, given a trained model, its predictions) and a contact sheet of the whole selection
// with class names.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/discovery/plugin_registry.hpp"
#include "engine/jobs/session.hpp"

namespace hearth {

struct RenderOptions {
  SplitName split = SplitName::valid;
  std::string indices = "0-15";  ///< positions in the split: "0-15", "3,7,9-12"
  std::filesystem::path out_dir;
  int size = 256;   ///< pixels of each single picture
  int thumb = 144;  ///< pixels of each contact sheet cell
};

/// "0-15" or "3,7,9-12" as positions; throws UsageError naming the bad part.
std::vector<int64_t> parse_index_list(const std::string& text);

/// Renders the samples at `options.indices` of the split of `data` (a session of the job whose
/// data and [[renders]] are drawn). `trained`, a session whose model holds a checkpoint, adds a
/// prediction column; without it only the dataset's tensors are drawn. Returns the files
/// written, contact sheet last.
std::vector<std::filesystem::path> render_samples(Session& data, const PluginRegistry& registry, Session* trained,
                                                  const RenderOptions& options);

}  // namespace hearth
