#include "hosts/jobs/commands/export_command.hpp"

#include <cstdio>
#include <iostream>

#include "engine/core/error.hpp"
#include "engine/export/model_export.hpp"
#include "hosts/jobs/trained_run.hpp"

namespace hearth::jobs {

void export_run(const RequestBase& request_base, const std::string& run_folder, const std::string& checkpoint,
                const std::vector<std::string>& format_names, const std::string& out_folder) {
  const std::vector<ExportFormat> formats = parse_export_formats(format_names);
  RequestBase base = request_base;
  base.device = "cpu";  // exports trace and check on the CPU, whatever the run trained on
  const CheckpointName which = checkpoint_name(checkpoint);
  RunFolder::open(run_folder).existing_checkpoint(which, "to export");
  TrainedRun trained(base, run_folder, which, RunData::if_any);
  RunFolder& run = trained.run();
  ExportSource source{run.path().string(), run.path().filename().string(), trained.session().job().name(), checkpoint,
                      trained.state().epoch};
  const fs::path out = out_folder.empty() ? run.path() / ("export-" + checkpoint) : run.path() / out_folder;
  nlohmann::json manifest = export_model(trained.session(), source, formats, out);
  std::cout << "exported " << checkpoint << " (epoch " << source.epoch << ") of " << run.path().string() << " to "
            << out.string() << "\n";
  for (const auto& f : manifest["files"]) {
    std::printf("  %-12s %-22s %10llu bytes", f.value("format", "").c_str(), f.value("file", "").c_str(),
                static_cast<unsigned long long>(f.value("bytes", uint64_t{0})));
    if (f.contains("max_difference")) std::printf("  max difference %.3g", f["max_difference"].get<double>());
    std::printf("\n");
  }
}

int execute(const ExportRequest& request) {
  export_run(request.base, request.run, request.checkpoint, request.formats, request.out);
  return 0;
}

}  // namespace hearth::jobs
