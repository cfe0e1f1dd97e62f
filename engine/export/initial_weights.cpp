#include "engine/export/initial_weights.hpp"

#include <ATen/ATen.h>

#include <map>
#include <set>
#include <sstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/sha256.hpp"
#include "engine/export/pytorch_pickle.hpp"
#include "engine/export/safetensors.hpp"
#include "engine/export/state_files.hpp"
#include "engine/runs/checkpoint.hpp"
#include "engine/runs/run_folder.hpp"

namespace hearth {
namespace {

std::string shape_of(const at::Tensor& t) { return c10::str(t.sizes()); }

/// The tensors `source` names, and the file they came from.
NamedTensors read_source(const std::string& source, std::string& file) {
  if (source.rfind("run:", 0) == 0) {
    std::string path = source.substr(4);
    CheckpointName which = CheckpointName::best;
    const size_t colon = path.rfind(':');
    if (colon != std::string::npos)
      if (std::optional<CheckpointName> named = find_checkpoint_name(path.substr(colon + 1))) {
        which = *named;
        path = path.substr(0, colon);
      }
    file = RunFolder::open(path).existing_checkpoint(which, "to start from").string();
    return tensors_of_archive(load_checkpoint(file).model);  // load_checkpoint verifies its checksum
  }
  file = source;
  if (source.size() > 12 && source.substr(source.size() - 12) == ".safetensors") return tensors_of(read_safetensors(source));
  return read_state_dict_pt(source);
}

}  // namespace

InitRecord InitialWeights::record() const {
  return {source, file, sha256, static_cast<int64_t>(loaded), not_loaded};
}

InitialWeights load_initial_weights(ModelModule& model, const ModelInit& init, const std::string& where) {
  InitialWeights w;
  w.source = init.source;
  NamedTensors given;
  // The readers name the file; the user also needs to know which job setting asked for it.
  const std::string asked = where + ": [model] init " + printable(init.source) + ": ";
  try {
    given = read_source(init.source, w.file);
  } catch (const UsageError& e) {
    throw UsageError(asked + e.what());
  } catch (const Error& e) {
    throw Error(asked + e.what());
  }
  w.sha256 = sha256_file(w.file);
  std::map<std::string, at::Tensor> in_file(given.begin(), given.end());
  std::vector<std::string> missing, unexpected, mismatched;
  NamedTensors matched;
  std::set<std::string> in_model;
  for (const auto& [name, t] : model.state()) {
    in_model.insert(name);
    auto it = in_file.find(name);
    if (it == in_file.end()) missing.push_back(name);
    else if (!it->second.sizes().equals(t.sizes()))
      mismatched.push_back(name + " (file " + shape_of(it->second) + ", model " + shape_of(t) + ")");
    else matched.emplace_back(name, it->second);
  }
  for (const auto& [name, t] : given)
    if (!in_model.count(name)) unexpected.push_back(printable(name));
  std::ostringstream problems;
  auto list = [&](const char* what, const std::vector<std::string>& names) {
    if (names.empty()) return;
    problems << "\n  " << what << ":";
    for (const std::string& n : names) problems << "\n    " << n;
  };
  list("missing from the file", missing);
  list("in the file but not in the model", unexpected);
  list("shape differs", mismatched);
  if (init.strict && !problems.str().empty())
    throw UsageError(where + ": [model] init " + printable(init.source) + " does not fit " + model.module().label() + ":" +
                     problems.str() + "\n  load what matches with [model] strict = false, or start from weights of this model");
  if (matched.empty())
    throw UsageError(where + ": [model] init " + printable(init.source) + ": nothing in it matches a parameter or buffer of " +
                     model.module().label() + problems.str());
  model.assign_state(matched);
  w.loaded = matched.size();
  for (const auto& n : missing) w.not_loaded.push_back("missing from the file: " + n);
  for (const auto& n : unexpected) w.not_loaded.push_back("not in the model: " + n);
  for (const auto& n : mismatched) w.not_loaded.push_back("shape differs: " + n);
  return w;
}

}  // namespace hearth
