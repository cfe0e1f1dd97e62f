// sweep.json, the index of a sweep folder: the job, the swept keys, and every trial with its
// values, `--set` arguments and run folder. Whoever runs a trial (`hearth sweep`, `hearth run
// --trial` under Slurm, GNU parallel or Kubernetes) and whoever reports on them reads it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/sweeps/sweep_spec.hpp"
#include "engine/sweeps/sweep_trials.hpp"

namespace hearth {

/// One trial as the index records it.
struct IndexedTrial {
  int64_t trial = 0, point = 0, repeat = 0;
  std::optional<int64_t> seed;
  std::vector<std::pair<std::string, std::string>> values;  ///< key -> TOML text, in the sweep's key order
  std::vector<std::string> sets;                            ///< what `hearth run --set` takes
  std::string folder;                                       ///< its run folder, relative to the sweep folder

  /// "optimizer.lr=0.01, model.hidden=[256], seed 8": how listings and reports name it.
  std::string label() const;
};

struct SweepIndex {
  fs::path dir;         ///< the sweep folder (not stored: where it was read)
  fs::path job;         ///< the job the trials vary (absolute)
  fs::path sweep_file;  ///< where the sweep was described
  std::string job_name;
  std::string method;
  std::string metric;
  std::string mode;  ///< "auto", "min" or "max"
  int64_t repeats = 1;
  std::vector<std::string> keys;
  PruneOptions prune;
  std::string created;
  std::string command_line;
  std::vector<IndexedTrial> trials;

  /// A trial's run folder.
  fs::path trial_folder(const IndexedTrial& t) const { return dir / t.folder; }
  /// Trial `n`; UsageError naming the sweep and its count when there is none.
  const IndexedTrial& trial(int64_t n) const;
};

/// The index of a sweep about to be written into `dir`.
SweepIndex make_sweep_index(const SweepSpec& spec, const std::vector<Trial>& trials, const std::string& job_name,
                            const fs::path& dir, const std::string& command_line);

/// sweep.json's text.
std::string sweep_index_json(const SweepIndex& index);

/// Reads DIR/sweep.json. Throws UsageError naming the file (and the field) when DIR is no sweep
/// folder or the index is damaged; trial folders must stay inside DIR.
SweepIndex read_sweep_index(const fs::path& dir);

/// "trial-007": run folders of a sweep of `count` trials sort as they are numbered.
std::string trial_folder_name(int64_t trial, size_t count);

}  // namespace hearth
