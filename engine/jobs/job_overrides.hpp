// Overrides of a job's values that remember where they came from: `--set` on the command line,
// or a sweep file's line for one trial. A value an override set is blamed on that origin.
#pragma once

#include <string>
#include <vector>

#include "engine/jobs/job.hpp"

namespace hearth {

struct JobOverride {
  std::string assignment;  ///< "section.key=value", as --set takes it
  std::string origin;      ///< how errors name it: "--set train.epochs=-3", "sweep.toml:12:20 (trial 3)"
};

/// Sets one value of `doc` as `o` says (a whole table too); the value keeps `o`'s origin, so that
/// a bad value is blamed on the override. Throws UsageError for an assignment that names nothing.
void apply_override(toml::table& doc, const JobOverride& o);

/// `--set` values as overrides that name their origin ("--set train.epochs=-3").
std::vector<JobOverride> set_overrides(const std::vector<std::string>& sets);

/// load_job with overrides that carry their origins; load_job's `sets` are "--set ..." ones.
/// `program_data`: the job of an embedded session, whose program supplies the data: [dataset]
/// may be left out (Job::program_data).
Job load_job_with(const fs::path& file, const std::vector<JobOverride>& overrides, const PluginRegistry& registry,
                  const fs::path& data_folder = {}, bool program_data = false);

}  // namespace hearth
