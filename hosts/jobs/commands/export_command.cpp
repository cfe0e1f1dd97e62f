#include "hosts/jobs/commands/export_command.hpp"

#include <cstdio>
#include <iostream>

#include "engine/core/error.hpp"
#include "engine/export/model_export.hpp"
#include "hosts/jobs/opened_job.hpp"

namespace hearth::jobs {

int execute(const ExportRequest& request) {
  const std::vector<ExportFormat> formats = parse_export_formats(request.formats);
  RequestBase base = request.base;
  base.device = "cpu";  // exports trace and check on the CPU, whatever the run trained on
  {
    RunFolder run = RunFolder::open(request.run);
    if (!fs::exists(run.checkpoint(request.checkpoint)))
      throw UsageError("run " + run.path().string() + " has no '" + request.checkpoint +
                       "' checkpoint to export (no epoch finished); train it on with `hearth resume " +
                       run.path().string() + "`" + (request.checkpoint == "best" ? " or try --checkpoint last" : ""));
  }
  TrainedRun trained(base, request.run, request.checkpoint);
  RunFolder& run = trained.run();
  ExportSource source{run.path().string(), run.path().filename().string(), trained.session().job().name(),
                      request.checkpoint, trained.state().epoch};
  const fs::path out = !request.out.empty() ? fs::path(request.out) : run.path() / ("export-" + request.checkpoint);
  nlohmann::json manifest = export_model(trained.session(), source, formats, out);
  std::cout << "exported " << request.checkpoint << " (epoch " << source.epoch << ") of " << run.path().string() << " to "
            << out.string() << "\n";
  for (const auto& f : manifest["files"]) {
    std::printf("  %-12s %-22s %10llu bytes", f.value("format", "").c_str(), f.value("file", "").c_str(),
                static_cast<unsigned long long>(f.value("bytes", uint64_t{0})));
    if (f.contains("max_difference")) std::printf("  max difference %.3g", f["max_difference"].get<double>());
    std::printf("\n");
  }
  return 0;
}

}  // namespace hearth::jobs
