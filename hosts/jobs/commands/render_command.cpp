#include "hosts/jobs/commands/render_command.hpp"

#include <iostream>
#include <optional>

#include "hosts/jobs/trained_run.hpp"
#include "engine/jobs/render_step.hpp"

namespace hearth::jobs {

int execute(const RenderRequest& request) {
  RenderOptions o;
  o.split = parse_split(request.split, "--split");
  o.indices = request.index;
  o.size = request.size;
  // Defaults relative to where the user stands, before a job's folder becomes current.
  o.out_dir = !request.out.empty() ? fs::path(request.out)
              : !request.run.empty() ? fs::path(request.run) / "renders"
                                     : fs::absolute("renders");
  // The trained run first: its job's folder is current while its session opens. Its model only:
  // the samples come from this command's job.
  std::optional<TrainedRun> trained;
  if (!request.run.empty()) trained.emplace(request.base, request.run, checkpoint_name(request.checkpoint), RunData::none);
  OpenedJob opened = open_job(request.base, request.job, request.sets);
  SessionOptions data_only;
  data_only.modules = false;
  Session data(opened.job, data_only);
  std::vector<fs::path> files = render_samples(data, *opened.registry, trained ? &trained->session() : nullptr, o);
  std::cout << "wrote " << files.size() - 1 << " pictures and " << files.back().string() << "\n";
  return 0;
}

}  // namespace hearth::jobs
