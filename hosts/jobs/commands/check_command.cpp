#include "hosts/jobs/commands/check_command.hpp"

#include <iostream>

#include "engine/jobs/diagnostic_taps.hpp"
#include "hosts/jobs/opened_job.hpp"
#include "hosts/jobs/sweep_validation.hpp"

namespace hearth::jobs {

int execute(const CheckRequest& request) {
  OpenedJob opened = open_job(request.base, request.job, request.sets);
  const Job& job = opened.job;
  std::cout << opened.file.string() << ": OK: dataset " << job.dataset.entry->info.name << ", model "
            << job.model.entry->info.name << ", " << job.losses.size() << " loss(es), " << job.metrics.size()
            << " metric(s), optimizer " << job.optimizer.entry->info.name
            << (job.scheduler ? ", scheduler " + job.scheduler->entry->info.name : std::string())
            << (job.diagnostics.empty() ? std::string() : ", " + std::to_string(job.diagnostics.size()) + " diagnostic(s)")
            << "\n";
  if (std::string note = check_job_taps(job); !note.empty()) std::cout << opened.file.string() << ": note: " << note << "\n";
  if (job.document.get("sweep")) {
    // The job's [sweep] is checked too, every trial like the job, as `hearth sweep` would.
    const SweepSpec spec = load_sweep(opened.file);
    const std::vector<Trial> trials = expand_sweep(spec);
    validate_trials(spec, trials, opened);
    std::cout << opened.file.string() << ": OK: [sweep] of " << trials.size() << " trial(s), each a valid job\n";
  }
  return 0;
}

}  // namespace hearth::jobs
