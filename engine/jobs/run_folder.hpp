// A run's folder: runs/<job name>/<timestamp>/ with the resolved job, run.json, metrics.csv,
// TensorBoard events, the log and checkpoints/{last,best}.pt.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/atomic_file.hpp"
#include "engine/core/sha256.hpp"
#include "engine/core/utc_timestamp.hpp"

namespace hearth {

namespace fs = std::filesystem;

class RunFolder {
 public:
  /// Makes a new, uniquely named run folder under runs_root/job_name: `prepare` fills it (the
  /// job, run.json) while it is hidden, and only then does it appear under its name. Throws
  /// Error naming the folder when it cannot.
  static RunFolder create(const fs::path& runs_root, const std::string& job_name,
                          const std::function<void(RunFolder&)>& prepare);
  /// Makes the run folder `folder` itself (a sweep's trial), prepared hidden beside it like
  /// create's; throws UsageError when it exists already (another process made it).
  static RunFolder create_exact(const fs::path& folder, const std::function<void(RunFolder&)>& prepare);
  /// Opens an existing run (for resume); throws UsageError when it is not one.
  static RunFolder open(const fs::path& dir);

  const fs::path& path() const { return path_; }
  fs::path checkpoint(const std::string& which) const { return path_ / "checkpoints" / (which + ".pt"); }
  /// checkpoint(which), which must exist: else UsageError "run RUN has no 'best' checkpoint
  /// <purpose> (no epoch finished yet); train it on with `hearth resume RUN`...".
  fs::path existing_checkpoint(const std::string& which, const std::string& purpose) const;
  nlohmann::json& info() { return info_; }
  /// Rewrites run.json atomically.
  void save_info() const;

 private:
  static RunFolder make(const fs::path& base, const std::string& name, bool numbered,
                        const std::function<void(RunFolder&)>& prepare);
  fs::path path_;
  nlohmann::json info_ = nlohmann::json::object();
};

/// metrics.csv: one row per epoch, flushed after each. On resume, rows after the checkpoint's
/// epoch are dropped first, so the file always matches the checkpoint it continues from.
class MetricsCsv {
 public:
  MetricsCsv(const fs::path& file, std::vector<std::string> columns, int64_t keep_epochs_through = -1);
  /// One row; nullopt is an empty cell (not measured this epoch), NaN is written as nan.
  void row(const std::vector<std::optional<double>>& values);
  const std::vector<std::string>& columns() const { return columns_; }

 private:
  fs::path file_;
  std::vector<std::string> columns_;
  std::ofstream out_;
};



}  // namespace hearth
