// `hearth export` and the [export] job step: a trained model written in the formats Python tools
// open (TorchScript, state_dict .pt, safetensors, ONNX), with a manifest.json that says what each
// file holds, its SHA-256, and which run and checkpoint it came from.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace hearth {

class Session;

enum class ExportFormat { torchscript, state_dict, safetensors, onnx };

/// "torchscript", "state_dict", "safetensors", "onnx" (and "all": every one). Throws UsageError
/// listing the formats for anything else.
std::vector<ExportFormat> parse_export_formats(const std::vector<std::string>& names);
const char* format_name(ExportFormat format);

/// Where the exported weights come from, as the manifest and safetensors' metadata record it.
struct ExportSource {
  std::string run;         ///< the run folder
  std::string run_id;      ///< its name
  std::string job;         ///< the job's name
  std::string checkpoint;  ///< best or last
  int64_t epoch = 0;
};

/// The outputs' agreement with the live model that a TorchScript export must reach:
/// |exported - live| <= kExportAtol + kExportRtol * |live| for every element.
constexpr double kExportAtol = 1e-5;
constexpr double kExportRtol = 1e-4;

/// Exports the model of `session` (its checkpoint restored, on the CPU) into `out` in `formats`,
/// then writes `out`/manifest.json. Every file is written under a temporary name and renamed into
/// place only when all formats succeeded: a failure leaves no new file behind. Returns the
/// manifest. Throws UsageError or Error naming the format and what to do.
nlohmann::json export_model(Session& session, const ExportSource& source, const std::vector<ExportFormat>& formats,
                            const std::filesystem::path& out);

}  // namespace hearth
