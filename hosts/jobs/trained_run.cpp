#include "hosts/jobs/trained_run.hpp"

#include "engine/core/error.hpp"
#include "engine/runs/run_classes.hpp"
#include "engine/runs/run_lock.hpp"
#include "hosts/jobs/run_creation.hpp"
#include "hosts/jobs/run_history.hpp"

namespace hearth::jobs {

CheckpointState load_run_checkpoint(const RunFolder& run, CheckpointName which) {
  // A run no process holds may have lost its last copy to `best` (a kill between the two
  // writes); one being trained is left to its trainer, which writes `best` itself.
  if (which == CheckpointName::best && !run_lock_holder(run.path())) {
    try {
      const fs::path last = run.checkpoint(CheckpointName::last);
      repair_best(load_checkpoint(last), last, run.checkpoint(CheckpointName::best));
    } catch (const Error&) {
      // A damaged `last` cannot repair anything; `best` is loaded (or refused) as it is.
    }
  }
  return load_checkpoint(run.checkpoint(which));
}

TrainedRun::TrainedRun(const RequestBase& base, const std::string& run_folder, CheckpointName which, RunData data)
    : opened_(open_run(base, run_folder)), state_(load_run_checkpoint(opened_.run, which)) {
  warn_changed_plugins(trained_plugins(opened_.run.record()), plugin_list(opened_.job),
                       "its weights are used with the new one, which may compute other numbers than the run did");
  SessionOptions options;
  options.data = data == RunData::needed || (data == RunData::if_any && opened_.job.dataset.entry);
  session_ = std::make_unique<Session>(opened_.job, options);
  if (options.data) check_run_classes(opened_.run, session_->data().class_names(), session_->data().module().label());
  session_->restore_model(state_);
}

}  // namespace hearth::jobs
