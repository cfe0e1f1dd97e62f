// `hearth run JOB` (or `--trial N SWEEP`): validate a job, then train it into a new run folder.
#include <toml++/toml.h>

#include <sstream>

#include "engine/core/error.hpp"
#include "hosts/jobs/commands/run_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {
namespace {

/// --init's value as the TOML string `--set model.init=` takes, its path made absolute (the job
/// reads paths relative to the job file, the user typed one relative to the shell).
std::string init_value(const std::string& init) {
  std::string value = init.rfind("run:", 0) == 0 ? "run:" + fs::absolute(init.substr(4)).string() : fs::absolute(init).string();
  std::ostringstream os;
  os << toml::value<std::string>(value);
  return os.str();
}

}  // namespace

void setup_run_request(const RequestContext& c) {
  RequestCommand<jobs::RunRequest> run(c.app, "Validate a job, then train it into a new run folder");
  run.app->add_option("job", run.request->job, "Job script (TOML); with --trial, a sweep folder")->required()->check(CLI::ExistingPath);
  run.app->add_option("--trial", run.request->trial,
                      "Run trial N of the sweep folder given instead of a job, or auto: the trial of this array task "
                      "(SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, PARALLEL_SEQ)");
  run.app->add_option("--set", run.request->sets, kSetHelp);
  run.app->add_option("--runs-dir", run.request->runs_dir, kRunsDirHelp);
  auto init = std::make_shared<std::string>();
  run.app->add_option("--init", *init, "Start from weights: a state_dict .pt, a .safetensors file or run:RUN[:best|last] ([model] init)");
  run.add_nproc();
  run.send(c, [init](jobs::RunRequest& r) {
    std::error_code ec;
    if (r.trial.empty() && fs::is_directory(r.job, ec))
      throw UsageError(r.job + " is a folder: give a job file, or --trial N (or auto) with a sweep folder");
    if (!r.trial.empty() && !fs::is_directory(r.job, ec))
      throw UsageError("--trial takes a sweep folder (made by `hearth sweep` or `hearth sweep expand`), not " + r.job);
    if (!r.trial.empty() && !r.runs_dir.empty())
      throw UsageError("--trial runs into the trial's own folder in the sweep folder; --runs-dir does not apply");
    r.job = fs::absolute(r.job).string();
    r.runs_dir = absolute_or_empty(r.runs_dir);
    if (!init->empty()) r.sets.push_back("model.init=" + init_value(*init));
  });
}

}  // namespace hearth::cli
