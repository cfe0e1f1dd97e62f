// ONNX export: the TorchScript export converted by PyTorch's Python exporter (LibTorch has no
// ONNX exporter in C++) and checked with onnx.checker.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace hearth {

/// The ONNX opset Hearth exports to: the newest that both Debian 12's PyTorch 1.13 and Debian
/// 13's 2.6 write.
constexpr int kOnnxOpset = 17;

/// What the conversion reported.
struct OnnxOutcome {
  std::string onnx_version;
  std::string torch_version;
  std::optional<double> max_difference;  ///< onnx's reference evaluator against TorchScript (onnx >= 1.13)
};

/// Converts `torchscript` (a Hearth export with its hearth.json) to `out` with dynamic batch axes,
/// the sample inputs in `sample` (a .pt dict of input name to tensor) as the example. Throws Error
/// saying which Debian packages to install when python3, torch or onnx is missing, and Python's
/// own message when the conversion or the check fails.
/// When onnx can run the model (its reference evaluator, onnx 1.13 and later), outputs that differ
/// from TorchScript's by more than |d| <= atol + rtol * |torchscript| fail the export.
OnnxOutcome export_onnx(const std::filesystem::path& torchscript, const std::filesystem::path& sample,
                        const std::filesystem::path& out, double atol, double rtol);

}  // namespace hearth
