#include "hosts/jobs/trial_run.hpp"

#include <spdlog/spdlog.h>

#include <iostream>

#include "engine/core/byte_text.hpp"
#include "engine/sweeps/sweep_index.hpp"
#include "engine/sweeps/trial_choice.hpp"
#include "hosts/jobs/commands/resume_command.hpp"

namespace hearth::jobs {

int run_trial(const RunRequest& request) {
  const SweepIndex index = read_sweep_index(request.job);
  const TrialChoice choice = choose_trial(request.trial);
  const IndexedTrial& trial = index.trial(choice.trial);
  const fs::path folder = index.trial_folder(trial);
  std::string values;
  for (const std::string& s : trial.sets) values += (values.empty() ? "" : " ") + s;
  spdlog::info("sweep {}: trial {} of {} ({}; from {})", printable(index.dir.string()), trial.trial, index.trials.size(),
               printable(values), choice.source);
  std::error_code ec;
  if (fs::exists(folder / "run.json", ec)) {
    // Started before: resume judges it (finished ones are left, held ones refused by their lock).
    ResumeRequest resume;
    resume.base = request.base;
    resume.base.command = ResumeRequest::kName;
    resume.run = folder.string();
    return execute(resume);
  }
  RunRequest run = request;
  run.trial.clear();
  run.job = index.job.string();
  run.sets = trial.sets;
  run.sets.insert(run.sets.end(), request.sets.begin(), request.sets.end());
  const TrialPlacement placement{folder, index.dir, trial.trial};
  return train_new_run(run, &placement);
}

}  // namespace hearth::jobs
