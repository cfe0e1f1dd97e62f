// run.json as one typed record: what Hearth writes about a run, and what every reader (the CLI,
// the studio, sweeps, plots, resume) reads back. Only this file's to_json/from_json know its
// keys; a run.json of the wrong shape is refused once, here, naming the file and the key.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/process_identity.hpp"

namespace hearth {

/// What the process that last wrote run.json said about the run. A process that crashed or
/// vanished could not update it: run_condition.hpp tells the real state.
enum class RunStatus { created, running, analyzing, analyzed, completed, stopped_early, interrupted, pruned, failed };

/// "completed", "stopped_early", ... (the words run.json holds).
const char* status_name(RunStatus status);
/// The status of `name`; nullopt for a word no Hearth writes.
std::optional<RunStatus> status_of_name(const std::string& name);

/// The versions of the Hearth that made the run.
struct RunHostVersions {
  std::string hearth, abi, torch;
};

/// One module a run uses and the plugin file that provided it (its SHA-256 tells a rebuilt one).
struct PluginRecord {
  std::string table, category, pack, module, version, sha256, file;
};

/// The value that picks the best epoch and whether higher is better.
struct MonitorRecord {
  std::string name;
  bool maximize = false;
};

/// Which losses and metrics have metrics.csv columns of their own (the plots tell them apart).
struct ColumnRecord {
  std::vector<std::string> losses;  ///< empty when the job has one loss
  std::vector<std::string> metrics;
};

/// The best monitored value so far.
struct BestRecord {
  std::string monitor;
  double value = 0;
  int64_t epoch = 0;              ///< 1-based: the epoch it was reached in
  std::optional<int64_t> step;    ///< the optimizer step, in a job that validates inside epochs
};

/// Where one epoch's time went.
struct EpochTimingRecord {
  int64_t epoch = 0;
  double seconds = 0;            ///< the whole epoch, validation included
  double train_seconds = 0;      ///< the training steps alone (samples/s = train samples / this)
  double data_wait_seconds = 0;  ///< the step waited for data
  std::optional<double> allreduce_wait_seconds;  ///< in a group: waited on gradient all-reduces
  std::optional<double> diagnostics_seconds;     ///< the epoch's diagnostics, after its checkpoint
};

/// A diagnostic that failed: disabled from that epoch on, the run went on without it.
struct DiagnosticFailureRecord {
  std::string diagnostic;  ///< its unique name in the job ("confusion", "latent_1")
  std::string plugin;      ///< pack:module
  int64_t epoch = 0;       ///< 1-based
  std::string error;
};

/// A crash record a resume took over (its file is removed then).
struct TakenCrash {
  std::string file, text;
};

/// One `hearth resume` of the run.
struct ResumeRecord {
  std::string time, command_line;
  std::string found;   ///< the condition the run was found in: interrupted, crashed, died, ...
  std::string detail;  ///< for crashed and died: who and where
  std::string checkpoint;
  int64_t world_size = 1;
  std::vector<PluginRecord> plugins;
  std::vector<TakenCrash> crashes;
};

/// How a data-parallel run was started.
struct DistributedRecord {
  std::string launcher, backend, master;
  int64_t world_size = 1;
  std::vector<std::string> ranks;  ///< "rank 0 (host, pid 42)"
};

/// A sweep trial's place.
struct SweepPlacementRecord {
  std::string dir;
  int64_t trial = 0;
};

/// Where the run's first weights came from ([model] init).
struct InitRecord {
  std::string source, file, sha256;
  int64_t loaded = 0;
  std::vector<std::string> not_loaded;
};

/// Everything run.json holds. Empty strings and unset optionals are keys left out.
struct RunRecord {
  RunStatus status = RunStatus::created;
  std::string job, job_file, job_folder, command_line, created, finished, device;
  std::string error;   ///< why a failed run failed
  std::string pruned;  ///< why a sweep's median rule stopped it
  std::vector<std::string> plugin_paths;
  RunHostVersions host;
  std::vector<PluginRecord> plugins;
  std::optional<MonitorRecord> monitor;
  std::optional<ColumnRecord> columns;
  int64_t epochs_done = 0, step = 0, skipped_steps = 0;
  std::optional<BestRecord> best;
  std::vector<EpochTimingRecord> timing;
  std::vector<DiagnosticFailureRecord> diagnostic_failures;
  std::vector<ResumeRecord> resumes;
  std::optional<DistributedRecord> distributed;
  std::optional<SweepPlacementRecord> sweep;
  std::optional<InitRecord> init;
  /// The dataset's class names when it names them (a `text` dataset's vocabulary): what resume,
  /// eval and `hearth sample` check the data against and decode with.
  std::vector<std::string> classes;
  std::optional<ProcessIdentity> process;
  /// Keys this Hearth does not know (a newer one wrote them): written back as they were read.
  nlohmann::json unknown = nlohmann::json::object();

  /// The seconds of all epochs recorded.
  double trained_seconds() const;
};

nlohmann::json to_json(const RunRecord& record);
/// The record `j` holds; throws Error naming `file`, the key and what it should be when `j` is not
/// a run record (the file is damaged).
RunRecord run_record_from_json(const nlohmann::json& j, const std::string& file);

nlohmann::json to_json(const PluginRecord& p);
PluginRecord plugin_record_from_json(const nlohmann::json& j, const std::string& where);

/// RUN/run.json. Throws UsageError when `run` has none ("not a run folder"), Error naming the
/// file when it cannot be parsed or is not a run record.
RunRecord read_run_record(const std::filesystem::path& run);
/// Rewrites RUN/run.json atomically.
void write_run_record(const std::filesystem::path& run, const RunRecord& record);

}  // namespace hearth
