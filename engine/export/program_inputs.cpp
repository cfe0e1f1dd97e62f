#include "engine/export/program_inputs.hpp"

#include <torch/serialize.h>

#include <fstream>

#include "engine/core/atomic_file.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/regular_file.hpp"

namespace hearth {
namespace {

constexpr int64_t kKeptSamples = 7;
constexpr uintmax_t kMaxBytes = 64u << 20;

/// The first line of an exception's text (LibTorch's carry a backtrace after it).
std::string first_line_of(const std::exception& e) {
  const std::string text = e.what();
  return text.substr(0, text.find('\n'));
}

}  // namespace

std::filesystem::path program_inputs_file(const std::filesystem::path& run) { return run / "inputs.example.pt"; }

void write_program_inputs(const std::filesystem::path& run, const std::vector<at::Tensor>& inputs) {
  c10::List<at::Tensor> kept;
  for (const at::Tensor& t : inputs)
    kept.push_back(t.slice(0, 0, std::min<int64_t>(kKeptSamples, t.size(0))).detach().to(at::kCPU).contiguous().clone());
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(kept));
  write_file_atomically(program_inputs_file(run), std::string(bytes.begin(), bytes.end()), "example inputs");
}

std::vector<at::Tensor> read_program_inputs(const std::filesystem::path& run) {
  const std::filesystem::path file = program_inputs_file(run);
  const std::string name = printable(file.string());
  if (!std::filesystem::exists(std::filesystem::symlink_status(file)))
    throw UsageError(name + " does not exist: a program training through hearth/embed.h keeps an example of its inputs there "
                     "at its first step, and this run has none; export state_dict or safetensors, which need none");
  require_regular_file(file, "example inputs");
  if (std::filesystem::file_size(file) > kMaxBytes)
    throw UsageError(name + " is over 64 MiB: it is not the example inputs Hearth keeps (7 samples); remove it");
  std::ifstream in(file, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<at::Tensor> out;
  try {
    const c10::IValue value = torch::pickle_load(bytes);
    if (!value.isList()) throw std::runtime_error("not a list");
    for (const c10::IValue& v : value.toListRef()) {
      if (!v.isTensor()) throw std::runtime_error("an element is not a tensor");
      out.push_back(v.toTensor());
    }
  } catch (const std::exception& e) {
    throw UsageError(name + " is not a list of tensors (" + first_line_of(e) + "): it was damaged or replaced; remove it "
                     "and export state_dict or safetensors");
  }
  for (const at::Tensor& t : out)
    if (t.dim() < 1 || t.size(0) < 1 || t.size(0) != out.at(0).size(0))
      throw UsageError(name + " holds tensors without a common batch of samples; remove it and export state_dict or safetensors");
  if (out.empty()) throw UsageError(name + " holds no tensor; remove it and export state_dict or safetensors");
  return out;
}

}  // namespace hearth
