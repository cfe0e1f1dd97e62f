#include "engine/export/onnx_export.hpp"

#include <nlohmann/json.hpp>

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
                error_lines(r.output));
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
