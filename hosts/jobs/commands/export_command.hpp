// `hearth export RUN --format F`: a run's trained model in the formats Python tools open.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct ExportRequest {
  static constexpr const char* kName = "export";
  RequestBase base;
  std::string run;                   ///< absolute path of the run folder
  std::string checkpoint = "best";   ///< best or last
  std::vector<std::string> formats;  ///< torchscript, state_dict, safetensors, onnx, all
  std::string out;                   ///< absolute; empty: RUN/export-<checkpoint>
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ExportRequest, base, run, checkpoint, formats, out)

int execute(const ExportRequest& request);

/// Exports checkpoint `checkpoint` of the run in `run` in `formats` into `out` (empty:
/// RUN/export-<checkpoint>; relative: inside the run folder) and prints what it wrote: the
/// command and a job's [export] step share it.
void export_run(const RequestBase& base, const std::string& run, const std::string& checkpoint,
                const std::vector<std::string>& formats, const std::string& out);

}  // namespace hearth::jobs
