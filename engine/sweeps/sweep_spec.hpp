// A sweep: which job it varies, which of the job's keys take which values, how many trials and
// repeats, and how trials are judged and pruned. Read from a job's [sweep] table or from a sweep
// file of its own whose [sweep] names the job (`job = "PATH"`). Torch-free: `hearth sweep report`
// and `resume` read it without loading LibTorch.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hearth {

namespace fs = std::filesystem;

enum class SweepMethod { grid, random };

/// One value a key may take, as TOML text, and where it was written ("sweep.toml:12:20").
struct SweepValue {
  std::string toml;
  std::string origin;
};

/// A swept key: either a list of values, or a range {min, max, log, integer, count}.
struct SweepParameter {
  std::string key;     ///< a job key path as --set takes it: "optimizer.lr", "losses.0.weight"
  std::string origin;  ///< file:line:col of its value in the sweep file
  std::vector<SweepValue> values;  ///< the list (empty for a range)
  bool is_range = false;
  double min = 0, max = 0;
  bool log = false;      ///< draw (or space grid points) uniformly in log space
  bool integer = false;  ///< round to whole numbers
  int64_t count = 0;     ///< grid only: this many evenly spaced points of the range
};

/// The median rule: a trial whose monitored value after epoch e is worse than the median of the
/// completed trials' values after epoch e stops there, marked pruned.
struct PruneOptions {
  std::string rule = "none";  ///< "none" or "median"
  int64_t warmup = 1;         ///< epochs every trial trains before the rule applies
  int64_t min_trials = 3;     ///< completed trials needed before the rule applies
  bool enabled() const { return rule == "median"; }
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PruneOptions, rule, warmup, min_trials)

struct SweepSpec {
  fs::path file;  ///< where [sweep] was read (absolute)
  fs::path job;   ///< the job it varies (absolute; the same file when [sweep] is inside the job)
  SweepMethod method = SweepMethod::grid;
  int64_t trials = 0;   ///< random: how many points are drawn
  int64_t repeats = 1;  ///< each point runs this many times, with seeds job seed + 0, 1, ...
  uint64_t seed = 0;    ///< random: the draw's seed
  std::string metric;   ///< the value trials are ranked by (default: the job's [train] monitor)
  std::string mode = "auto";  ///< "min", "max", or "auto": the direction the trials' runs record
  std::vector<SweepParameter> parameters;  ///< in the order the file writes them
  PruneOptions prune;
  int64_t job_seed = 0;  ///< the job's [job] seed, the first repeat's
};

/// Reads and checks a sweep. Throws UsageError listing every problem with file:line:col.
SweepSpec load_sweep(const fs::path& file);

/// The sweep as TOML, every default filled in (sweep.toml of a sweep folder).
std::string sweep_toml(const SweepSpec& spec);

}  // namespace hearth
