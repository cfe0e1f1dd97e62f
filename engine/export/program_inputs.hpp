// The inputs a program gave an embedded session (hosts/embed), kept in its run folder: a run whose
// data came from a program has no dataset to trace and check an export on, so its first batch's
// first samples stand in for one. A list of tensors in torch.save's format (torch.load opens it).
#pragma once

#include <ATen/Tensor.h>

#include <filesystem>
#include <vector>

namespace hearth {

/// `inputs.example.pt` in the run folder `run`.
std::filesystem::path program_inputs_file(const std::filesystem::path& run);

/// Keeps up to 7 samples of each of `inputs` (a batch the model trained on) in `run`, atomically.
void write_program_inputs(const std::filesystem::path& run, const std::vector<at::Tensor>& inputs);

/// The inputs write_program_inputs kept. Throws UsageError naming the file when it is missing,
/// not a regular file, over 64 MiB, or not a list of tensors that share one batch size.
std::vector<at::Tensor> read_program_inputs(const std::filesystem::path& run);

}  // namespace hearth
