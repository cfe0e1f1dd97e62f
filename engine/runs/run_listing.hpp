// The runs of a runs folder (<runs>/<job>/<run>/run.json), each with its real condition or the
// reason it cannot be read: `hearth runs` and the studio's dashboard list the same runs alike.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/runs/run_condition.hpp"

namespace hearth {

/// One run of a listing: its run.json and real condition, or why it cannot be read (the other
/// runs are still listed).
struct ListedRun {
  std::filesystem::path run;
  RunRecord record;     ///< a default record when damaged
  std::string damage;   ///< empty unless run.json is unreadable
  RunCondition condition;
};

/// `run` as a listing shows it; never throws for a damaged run.json.
ListedRun list_run(const std::filesystem::path& run);

/// Every run folder two levels under `root`, sorted. Hidden folders are runs being made (or whose
/// making was killed) and are left out. Throws UsageError when `root` is no folder.
std::vector<std::filesystem::path> find_runs(const std::filesystem::path& root);

/// Seconds between two "YYYY-mm-ddTHH:MM:SSZ" stamps, or -1 when either is not one.
long long seconds_between(const std::string& from, const std::string& to);

}  // namespace hearth
