#include "engine/export/onnx_export.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <sstream>

#include "engine/core/error.hpp"
#include "engine/export/python_tool.hpp"

namespace hearth {

extern const char* const kOnnxExportScript;

namespace {

/// The last line of Python's output that is JSON, or an empty object.
nlohmann::json last_json_line(const std::string& output) {
  std::istringstream in(output);
  nlohmann::json found = nlohmann::json::object();
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] == '{') found = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  return found.is_discarded() ? nlohmann::json::object() : found;
}

/// What Python said went wrong: the lines that name an error (onnx.checker lists one per bad
/// node), else the end of its traceback.
std::string error_lines(const std::string& output) {
  std::vector<std::string> lines, errors;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    lines.push_back(line);
    if (line.find("Error") != std::string::npos) errors.push_back(line);
  }
  const std::vector<std::string>& shown = errors.empty() ? lines : errors;
  std::string out;
  const size_t first = errors.empty() && shown.size() > 6 ? shown.size() - 6 : 0;
  for (size_t i = first; i < shown.size() && i < first + 6; ++i) out += "\n  " + shown[i];
  return out;
}

/// Rewrites known to get past the exporter's gaps, by operator.
const std::map<std::string, std::string>& known_rewrites() {
  static const std::map<std::string, std::string> rewrites = {
      {"aten::scaled_dot_product_attention",
       "write attention out: softmax(q @ k^T / sqrt(d) + mask) @ v (what hearth::compat::attention does on LibTorch 1.13)"},
      {"aten::_native_multi_head_attention", "torch::nn::MultiheadAttention's fused path: write attention out with Linear layers"},
      {"aten::unflatten", "use view or reshape with the sizes written out"},
      {"aten::gelu", "use the exact GELU (approximate = \"none\"), or write the tanh form out"},
      {"aten::col2im", "use a transposed convolution instead of fold"},
      {"aten::im2col", "use a convolution, or unfold done with view and stride tricks"},
      {"aten::fft_rfft", "FFTs have no ONNX conversion here: export torchscript or safetensors for this model"},
      {"aten::baddbmm", "use bmm, then add"},
  };
  return rewrites;
}

/// The operator the exporter could not convert, when its message names one, with a rewrite.
std::string operator_hint(const std::string& output, const std::string& torch_version) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex("operator '?((?:aten|prim|quantized)::[A-Za-z0-9_.]+)'?")))
    return "";
  const std::string op = m[1];
  std::string hint = "\n  the exporter of PyTorch " + (torch_version.empty() ? std::string("in use") : torch_version) +
                     " has no conversion for " + op + " at opset " + std::to_string(kOnnxOpset) + ": ";
  auto it = known_rewrites().find(op);
  return hint + (it != known_rewrites().end() ? it->second : "rewrite the model's forward without it") +
         "; the TorchScript, state_dict and safetensors exports do not need it";
}

}  // namespace

OnnxOutcome export_onnx(const std::filesystem::path& torchscript, const std::filesystem::path& sample,
                        const std::filesystem::path& out, double atol, double rtol) {
  PythonResult r = run_python(kOnnxExportScript, {torchscript.string(), out.string(), std::to_string(kOnnxOpset), sample.string(),
                                                  std::to_string(atol), std::to_string(rtol)});
  if (r.exit_code == 3) {
    const std::string missing = r.output.find("missing-module onnx") != std::string::npos ? "onnx" : "torch";
    throw Error("ONNX export needs PyTorch and ONNX for Debian's python3, and " + python_interpreter() +
                " has no module '" + missing +
                "': install them with `apt install python3-torch python3-onnx` (or set HEARTH_PYTHON to a python3 that has both)");
  }
  if (r.exit_code != 0)
    throw Error("PyTorch's ONNX exporter (" + python_interpreter() + ") failed on " + torchscript.string() + ":" +
                error_lines(r.output) + operator_hint(r.output, last_json_line(r.output).value("torch", "")));
  nlohmann::json report = last_json_line(r.output);
  OnnxOutcome outcome;
  outcome.onnx_version = report.value("onnx", "");
  outcome.torch_version = report.value("torch", "");
  if (report.value("compared", false)) {
    outcome.max_difference = report.value("max_difference", 0.0);
    if (!report.value("agrees", false))
      throw Error("the ONNX export of " + torchscript.string() + " gives outputs that differ from TorchScript's (largest difference " +
                  std::to_string(*outcome.max_difference) + ", onnx's reference evaluator): an operator converts inexactly; "
                  "use the TorchScript export, or report the operator to PyTorch");
  }
  return outcome;
}

}  // namespace hearth
