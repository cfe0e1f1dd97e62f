#include "hosts/jobs/run_creation.hpp"

#include "engine/core/atomic_file.hpp"
#include "engine/core/category.hpp"
#include "engine/core/host_facts.hpp"
#include "engine/core/sha256.hpp"
#include "engine/core/utc_timestamp.hpp"
#include "engine/jobs/job.hpp"

namespace hearth::jobs {

std::vector<PluginRecord> plugin_list(const Job& job) {
  std::vector<PluginRecord> out;
  std::vector<const ModuleSpec*> specs = {&job.dataset, &job.model, &job.optimizer};
  for (const auto& a : job.analyzers) specs.push_back(&a);
  for (const auto& l : job.losses) specs.push_back(&l);
  for (const auto& m : job.metrics) specs.push_back(&m);
  if (job.scheduler) specs.push_back(&*job.scheduler);
  for (const auto& r : job.renders) specs.push_back(&r);
  for (const auto& d : job.diagnostics) specs.push_back(&d);
  for (const ModuleSpec* s : specs)
    if (s->entry)
      out.push_back({s->table, category_name(s->entry->info.category), s->entry->pack, s->entry->info.name,
                   s->entry->pack_version, sha256_file(s->entry->file), s->entry->file.string()});
  return out;
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
    record.plugins = plugin_list(job);
    if (trial) record.sweep = SweepPlacementRecord{trial->sweep_dir.string(), trial->trial};
    run.save_record();
  };
  return trial ? RunFolder::create_exact(trial->folder, prepare) : RunFolder::create(runs_root, job.name(), prepare);
}

}  // namespace hearth::jobs
