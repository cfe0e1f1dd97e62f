#include "hosts/jobs/opened_job.hpp"

#include <nlohmann/json.hpp>

#include "engine/core/category.hpp"
#include "engine/core/error.hpp"
#include "engine/core/host_facts.hpp"
#include "engine/runs/run_lock.hpp"
#include "engine/discovery/search_roots.hpp"
#include "engine/core/sha256.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/utc_timestamp.hpp"

namespace hearth::jobs {
namespace {

using nlohmann::json;

DiscoveryOptions discovery_from(const RequestBase& base, const std::vector<std::string>& plugin_paths,
                                const fs::path& job_folder) {
  DiscoveryOptions o;
  for (const std::string& p : plugin_paths) o.roots.plugin_paths.emplace_back(p);
  o.roots.job_folder = job_folder;
  if (!base.no_builtins) o.roots.builtin_folder = base.builtin_folder;
  o.rescan = base.rescan;
  return o;
}

}  // namespace

std::vector<PluginRecord> plugin_list(const Job& job) {
  std::vector<PluginRecord> out;
  std::vector<const ModuleSpec*> specs = {&job.dataset, &job.model, &job.optimizer};
  for (const auto& a : job.analyzers) specs.push_back(&a);
  for (const auto& l : job.losses) specs.push_back(&l);
  for (const auto& m : job.metrics) specs.push_back(&m);
  if (job.scheduler) specs.push_back(&*job.scheduler);
  for (const ModuleSpec* s : specs)
    out.push_back({s->table, category_name(s->entry->info.category), s->entry->pack, s->entry->info.name,
                   s->entry->pack_version, sha256_file(s->entry->file), s->entry->file.string()});
  return out;
}

namespace {

/// --plugin-path folders, then $HEARTH_PLUGIN_PATH's, as absolute paths: a later command on the
/// run (eval, resume) finds its plugins in a new shell without that variable.
std::vector<std::string> plugin_folders(const RequestBase& base) {
  RootOptions options;
  for (const std::string& p : base.plugin_paths) options.plugin_paths.emplace_back(p);
  std::vector<std::string> folders;
  for (const SearchRoot& root : search_roots(options))
    if (root.origin == "--plugin-path" || root.origin == "HEARTH_PLUGIN_PATH") folders.push_back(fs::absolute(root.path).string());
  return folders;
}

}  // namespace

OpenedJob open_job(const RequestBase& base, const std::string& job_file, const std::vector<std::string>& sets) {
  OpenedJob o;
  o.file = fs::absolute(job_file);
  o.registry = std::make_unique<PluginRegistry>(PluginRegistry::discover(discovery_from(base, base.plugin_paths, o.file.parent_path())));
  o.job = load_job(o.file, sets, *o.registry);
  o.plugin_paths = plugin_folders(base);
  fs::current_path(o.file.parent_path());
  return o;
}

OpenedRun open_run(const RequestBase& base, const std::string& run_folder) {
  OpenedRun o;
  o.run = RunFolder::open(run_folder);
  std::vector<std::string> paths = base.plugin_paths;
  if (paths.empty()) paths = o.run.record().plugin_paths;
  const fs::path job_folder = o.run.record().job_folder.empty() ? o.run.path() : fs::path(o.run.record().job_folder);
  o.registry = std::make_unique<PluginRegistry>(PluginRegistry::discover(discovery_from(base, paths, job_folder)));
  // A checkpoint holds no device: a run trained on a GPU is scored or continued on the CPU, and
  // the reverse, by validating the new device like any other job value.
  std::vector<std::string> sets;
  if (!base.device.empty()) sets.push_back("job.device=\"" + base.device + "\"");
  o.job = load_job(o.run.path() / "job.toml", sets, *o.registry, job_folder);
  fs::current_path(job_folder);  // as when the run started: data paths are relative to the job file
  return o;
}

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

TrainedRun::TrainedRun(const RequestBase& base, const std::string& run_folder, CheckpointName which, bool with_data)
    : opened_(open_run(base, run_folder)), state_(load_run_checkpoint(opened_.run, which)) {
  SessionOptions options;
  options.data = with_data;
  session_ = std::make_unique<Session>(opened_.job, options);
  session_->restore_model(state_);
}

RunFolder create_run(const OpenedJob& opened, const RequestBase& base, const std::string& runs_dir, const TrialPlacement* trial) {
  const Job& job = opened.job;
  fs::path runs_root = runs_dir;
  if (runs_root.empty()) runs_root = opened.file.parent_path() / job.options.general.runs;
  auto prepare = [&](RunFolder& run) {
    write_file_atomically(run.path() / "job.toml", job.resolved_toml());
    std::error_code ec;
    fs::copy_file(opened.file, run.path() / "job.source.toml", ec);
    const HostFacts& host = host_facts();
    RunRecord& record = run.record();
    record.status = RunStatus::created;
    record.job = job.name();
    record.job_file = opened.file.string();
    record.job_folder = opened.file.parent_path().string();
    record.plugin_paths = opened.plugin_paths;
    record.command_line = base.command_line;
    record.created = utc_timestamp();
    record.host = {host.hearth_version, std::to_string(host.abi_major) + "." + std::to_string(host.abi_minor), host.torch_version};
    record.device = resolve_device(job.options.general.device);
    record.plugins = plugin_list(job);
    if (trial) record.sweep = SweepPlacementRecord{trial->sweep_dir.string(), trial->trial};
    run.save_record();
  };
  return trial ? RunFolder::create_exact(trial->folder, prepare) : RunFolder::create(runs_root, job.name(), prepare);
}

}  // namespace hearth::jobs
