#include "hosts/jobs/train_to_end.hpp"

#include <iostream>

#include "engine/core/error.hpp"
#include "engine/training/trainer.hpp"
#include "hosts/jobs/commands/export_command.hpp"
#include "hosts/jobs/run_scope.hpp"

namespace hearth::jobs {
namespace {

/// The [export] step: `code` unless it runs and fails, then 1.
int run_export_step(int code, TrainOutcome outcome, const Job& job, const RequestBase& base, const RunFolder& run, bool writer) {
  const auto& step = job.options.export_step;
  if (!step || !writer || (outcome != TrainOutcome::completed && outcome != TrainOutcome::stopped_early)) return code;
  try {
    export_run(base, run.path().string(), checkpoint_word(step->checkpoint), step->formats, step->out);
    return code;
  } catch (const std::exception& e) {
    std::string formats;
    for (const std::string& f : step->formats) formats += (formats.empty() ? "" : ",") + f;
    std::cerr << "error: the [export] step failed: " << e.what() << "\n  the run itself is complete; export it with `hearth export "
              << run.path().string() << " --checkpoint " << checkpoint_word(step->checkpoint) << " --format " << formats << "`\n";
    return 1;
  }
}

}  // namespace

int train_to_end(const Job& job, RunFolder& run, const std::optional<CheckpointState>& resume, const JoinedWorld& joined,
                 const RequestBase& base, int64_t train_batch) {
  InterruptScope interrupts;
  const TrainOutcome outcome = train(job, run, resume, joined.group.get(), train_batch);
  const int code = report_outcome(outcome, run, joined.writer());
  return run_export_step(code, outcome, job, base, run, joined.writer());
}

}  // namespace hearth::jobs
