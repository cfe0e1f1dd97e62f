// Reads the `.pt` file Python's `torch.save(model.state_dict())` writes (the zip format of
// PyTorch 1.6 and later: a pickle of an OrderedDict of tensors, and one record per storage).
// Hand-written because LibTorch's own unpickler cannot read it (torch::pickle_load fails on the
// OrderedDict: "Expected GenericDict but got None", checked on LibTorch 1.13) and Python's
// pickle runs arbitrary code: this is a restricted pickle machine that knows the handful of
// opcodes and globals a state_dict uses and refuses everything else.
#pragma once

#include <filesystem>

#include "engine/export/state_files.hpp"

namespace hearth {

/// The tensors of a state_dict `.pt`, in file order, as CPU tensors owning their memory. Throws
/// UsageError naming the file when it is not a zip torch.save made, holds anything but a dict of
/// names to tensors (a whole pickled model, custom classes), or a tensor reaches outside its
/// storage.
NamedTensors read_state_dict_pt(const std::filesystem::path& file);

}  // namespace hearth
