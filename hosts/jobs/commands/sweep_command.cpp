#include "hosts/jobs/commands/sweep_command.hpp"

#include <spdlog/spdlog.h>

#include <iostream>

#include "engine/core/atomic_file.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/folder_publish.hpp"
#include "engine/core/utc_timestamp.hpp"
#include "engine/sweeps/local_sweep.hpp"
#include "engine/sweeps/sweep_index.hpp"
#include "engine/sweeps/sweep_pictures.hpp"
#include "engine/sweeps/sweep_report.hpp"
#include "engine/sweeps/sweep_trials.hpp"
#include "hosts/jobs/opened_job.hpp"
#include "hosts/jobs/sweep_validation.hpp"

namespace hearth::jobs {
namespace {

/// The program trials run: this very `hearth`, by its real path (a Slurm script outlives /proc/self).
fs::path hearth_program() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("hearth") : p;
}

/// What each trial's `hearth run --trial` needs to find the plugins this command found.
std::vector<std::string> discovery_args(const RequestBase& base) {
  std::vector<std::string> out;
  for (const std::string& p : base.plugin_paths) out.insert(out.end(), {"--plugin-path", p});
  if (base.no_builtins) out.emplace_back("--no-builtins");
  return out;
}

std::string sbatch_script(const SweepIndex& index, const RequestBase& base) {
  std::string args;
  for (const std::string& a : discovery_args(base)) args += " " + shell_word(a);
  const std::string dir = shell_word(index.dir.string());
  return "#!/bin/bash\n"
         "# A Slurm job array of the sweep in this folder: one array task per trial. Made by\n"
         "# `hearth sweep expand --slurm`. Add the #SBATCH lines your cluster needs (--partition, --time,\n"
         "# --cpus-per-task, --gres=gpu:1), then: sbatch " + dir + "/sweep.sbatch\n"
         "# A task that fails or is requeued runs again from its trial's `last` checkpoint. Report with:\n"
         "#   hearth sweep report " + dir + "\n"
         "#SBATCH --job-name=hearth-" + index.job_name + "\n"
         "#SBATCH --array=0-" + std::to_string(index.trials.size() - 1) + "\n"
         "#SBATCH --output=" + index.dir.string() + "/logs/slurm-%A_%a.log\n"
         "#SBATCH --requeue\n"
         "HEARTH=${HEARTH:-" + shell_word(hearth_program().string()) + "}\n"
         "exec \"$HEARTH\" run --trial auto " + dir + args + "\n";
}

/// The sweep folder, filled while hidden and then moved into place.
fs::path write_sweep_folder(const SweepRequest& request, const SweepSpec& spec, const OpenedJob& opened,
                            const std::vector<Trial>& trials, const std::vector<std::string>& resolved) {
  fs::path base, name;
  if (!request.out.empty()) {
    base = fs::path(request.out).parent_path();
    name = fs::path(request.out).filename();
  } else {
    fs::path runs = request.runs_dir.empty() ? opened.file.parent_path() / opened.job.options.general.runs : fs::path(request.runs_dir);
    base = runs / opened.job.name() / "sweeps";
    name = folder_time_stamp();
  }
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec) throw Error("cannot create " + printable(base.string()) + ": " + ec.message());
  remove_unfinished_folders(base);
  const fs::path prepared = preparing_folder(base, name.string());
  fs::remove_all(prepared, ec);
  try {
    fs::create_directories(prepared / "jobs");
    fs::create_directories(prepared / "trials");
    fs::create_directories(prepared / "logs");
    SweepIndex index = make_sweep_index(spec, trials, opened.job.name(), prepared, request.base.command_line);
    for (const IndexedTrial& t : index.trials)
      write_file_atomically(prepared / "jobs" / (fs::path(t.folder).filename().string() + ".toml"), resolved[static_cast<size_t>(t.trial)]);
    write_file_atomically(prepared / "sweep.toml", sweep_toml(spec));
    write_file_atomically(prepared / "trials.csv", trials_csv(make_sweep_report(index)));
    write_file_atomically(prepared / "sweep.json", sweep_index_json(index));
    const fs::path final_dir = publish_folder(prepared, base, name.string(), request.out.empty());
    // The Slurm script names the folder, known only now; a kill before it loses the script alone.
    index.dir = final_dir;
    if (request.slurm) write_file_atomically(final_dir / "sweep.sbatch", sbatch_script(index, request.base));
    return final_dir;
  } catch (...) {
    fs::remove_all(prepared, ec);
    throw;
  }
}

int run_and_report(const SweepRequest& request, const fs::path& dir) {
  const SweepIndex index = read_sweep_index(dir);
  LocalSweepOptions options;
  options.parallel = request.parallel;
  options.hearth = hearth_program();
  options.extra_args = discovery_args(request.base);
  options.bind = request.bind;
  const int code = run_local_sweep(index, options);
  const SweepReport report = make_sweep_report(index);
  std::cout << "\n" << report_text(report);
  const SweepPictures pictures = write_sweep_pictures(report, dir);
  for (const fs::path& p : pictures.written) std::cout << "picture: " << printable(p.string()) << "\n";
  for (const std::string& s : pictures.skipped) spdlog::debug("no picture {}", s);
  return code;
}

}  // namespace

int execute(const SweepRequest& request) {
  std::error_code ec;
  if (!request.out.empty() && fs::exists(fs::symlink_status(request.out, ec)))
    throw UsageError("--out " + printable(request.out) + " exists already; give a folder that does not exist yet");
  const SweepSpec spec = load_sweep(request.sweep);
  const std::vector<Trial> trials = expand_sweep(spec);
  OpenedJob opened = open_job(request.base, spec.job.string(), {});
  const std::vector<std::string> resolved = validate_trials(spec, trials, opened);
  const fs::path dir = write_sweep_folder(request, spec, opened, trials, resolved);
  std::cout << "sweep of " << trials.size() << " trial(s) (" << spec.parameters.size() << " key(s), " << spec.repeats
            << " repeat(s) each) in " << printable(dir.string()) << "\n";
  if (!request.run) {
    std::cout << "run a trial with `hearth run --trial N " << printable(dir.string()) << "` (N from 0 to " << trials.size() - 1
              << "), all of them with `hearth sweep resume " << printable(dir.string()) << "`"
              << (request.slurm ? ", or as a Slurm array with `sbatch " + printable((dir / "sweep.sbatch").string()) + "`" : "")
              << "\n";
    return 0;
  }
  return run_and_report(request, dir);
}

}  // namespace hearth::jobs
