#include "hosts/jobs/export_step.hpp"

#include <iostream>

#include "engine/core/error.hpp"
#include "hosts/jobs/commands/export_command.hpp"

namespace hearth::jobs {

int run_export_step(int code, TrainOutcome outcome, const Job& job, const RequestBase& base, const RunFolder& run, bool writer) {
  const auto& step = job.options.export_step;
  if (!step || !writer || (outcome != TrainOutcome::completed && outcome != TrainOutcome::stopped_early)) return code;
  try {
    export_run(base, run.path().string(), step->checkpoint, step->formats, step->out);
    return code;
  } catch (const std::exception& e) {
    std::string formats;
    for (const std::string& f : step->formats) formats += (formats.empty() ? "" : ",") + f;
    std::cerr << "error: the [export] step failed: " << e.what() << "\n  the run itself is complete; export it with `hearth export "
              << run.path().string() << " --checkpoint " << step->checkpoint << " --format " << formats << "`\n";
    return 1;
  }
}

}  // namespace hearth::jobs
