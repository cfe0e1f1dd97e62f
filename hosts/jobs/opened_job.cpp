#include "hosts/jobs/opened_job.hpp"

#include "engine/core/error.hpp"
#include "engine/discovery/search_roots.hpp"
#include "engine/jobs/job_overrides.hpp"

namespace hearth::jobs {
namespace {

DiscoveryOptions discovery_from(const RequestBase& base, const std::vector<std::string>& plugin_paths,
                                const fs::path& job_folder) {
  DiscoveryOptions o;
  for (const std::string& p : plugin_paths) o.roots.plugin_paths.emplace_back(p);
  o.roots.job_folder = job_folder;
  if (!base.no_builtins) o.roots.builtin_folder = base.builtin_folder;
  o.rescan = base.rescan;
  return o;
}

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
  // A run's job without [dataset] is an embedded session's (hearth/embed.h): every other run's
  // job was validated with one. What needs the data refuses it then (Session), naming why.
  o.job = load_job_with(o.run.path() / "job.toml", set_overrides(sets), *o.registry, job_folder, true);
  fs::current_path(job_folder);  // as when the run started: data paths are relative to the job file
  return o;
}

}  // namespace hearth::jobs
