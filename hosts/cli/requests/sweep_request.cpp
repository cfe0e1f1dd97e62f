// `hearth sweep SWEEP` and `hearth sweep expand SWEEP`: the sweep commands that validate trials
// in libhearth_jobs.so (`sweep resume` and `sweep report` are torch-free: sweep_folder_command.cpp).
#include "commands/commands.hpp"
#include "engine/core/error.hpp"
#include "hosts/jobs/commands/sweep_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {

void setup_sweep_request(const RequestContext& c) {
  RequestCommand<jobs::SweepRequest> sweep(c.app, "Run every trial of a sweep ([sweep] in a job, or a sweep file) on this machine, then report");
  jobs::SweepRequest& s = *sweep.request;
  sweep.app->add_option("sweep", s.sweep, "A job with a [sweep] table, or a sweep file whose [sweep] names its job")->check(CLI::ExistingFile);
  sweep.app->add_option("--parallel,-p", s.parallel, "Trials at once (the CPUs are shared among them)")->check(CLI::Range(1, 256));
  sweep.app->add_option("--runs-dir", s.runs_dir, "Runs folder: the sweep goes to <runs>/<job>/sweeps/<timestamp>/");
  sweep.app->add_option("--out", s.out, "The sweep folder to make (instead of one under the runs folder)");
  sweep.app->add_flag("!--no-bind", s.bind, "Let the trials run on any CPU (by default each gets its own share)");
  setup_sweep_subcommands(*sweep.app, c.exit_code);
  sweep.send(c, [](jobs::SweepRequest& r) {
    if (r.sweep.empty()) throw UsageError("hearth sweep: give a job with a [sweep] table or a sweep file; see `hearth sweep --help`");
    r.sweep = fs::absolute(r.sweep).string();
    r.out = absolute_or_empty(r.out);
    r.runs_dir = absolute_or_empty(r.runs_dir);
  });

  RequestCommand<jobs::SweepRequest> expand(*sweep.app, "Write every trial of a sweep into a folder, for `hearth run --trial` as array tasks", "expand");
  jobs::SweepRequest& e = *expand.request;
  e.run = false;
  expand.app->add_option("sweep", e.sweep, "A job with a [sweep] table, or a sweep file")->required()->check(CLI::ExistingFile);
  expand.app->add_option("--out", e.out, "The sweep folder to make (default <runs>/<job>/sweeps/<timestamp>/)");
  expand.app->add_option("--runs-dir", e.runs_dir, kRunsDirHelp);
  expand.app->add_flag("--slurm", e.slurm, "Also write sweep.sbatch, a Slurm job array with a task per trial");
  expand.send(c, [](jobs::SweepRequest& r) {
    r.sweep = fs::absolute(r.sweep).string();
    r.out = absolute_or_empty(r.out);
    r.runs_dir = absolute_or_empty(r.runs_dir);
  });
}

}  // namespace hearth::cli
