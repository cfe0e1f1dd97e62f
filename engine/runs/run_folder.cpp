#include "engine/runs/run_folder.hpp"

#include <spdlog/spdlog.h>


#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/folder_publish.hpp"
#include "engine/core/utc_timestamp.hpp"

namespace hearth {

RunFolder RunFolder::create(const fs::path& runs_root, const std::string& job_name,
                            const std::function<void(RunFolder&)>& prepare) {
  fs::path base = runs_root / job_name;
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec)
    throw Error("cannot create the runs folder " + base.string() + ": " + ec.message() +
                "; set [job] runs or --runs-dir to a writable folder");
  return make(base, folder_time_stamp(), true, prepare);
}

RunFolder RunFolder::create_exact(const fs::path& folder, const std::function<void(RunFolder&)>& prepare) {
  const fs::path base = fs::absolute(folder).lexically_normal().parent_path();
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec) throw Error("cannot create the folder " + printable(base.string()) + ": " + ec.message());
  return make(base, folder.filename().string(), false, prepare);
}

RunFolder RunFolder::make(const fs::path& base, const std::string& name, bool numbered,
                          const std::function<void(RunFolder&)>& prepare) {
  remove_unfinished_folders(base);
  // Made hidden and moved into place once whole: a run folder, once seen, has its job and its
  // run.json, whenever the process was killed.
  RunFolder run;
  std::error_code ec;
  run.path_ = preparing_folder(base, name);
  fs::remove_all(run.path_, ec);
  fs::create_directories(run.path_ / "checkpoints", ec);
  if (ec) throw Error("cannot create the run folder " + run.path_.string() + ": " + ec.message());
  try {
    prepare(run);
    run.path_ = publish_folder(run.path_, base, name, numbered);
  } catch (...) {
    fs::remove_all(run.path_, ec);
    throw;
  }
  return run;
}

fs::path RunFolder::checkpoint(CheckpointName which) const {
  return path_ / "checkpoints" / (std::string(checkpoint_word(which)) + ".pt");
}

fs::path RunFolder::existing_checkpoint(CheckpointName which, const std::string& purpose) const {
  fs::path file = checkpoint(which);
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw UsageError("run " + printable(path_.string()) + " has no '" + checkpoint_word(which) + "' checkpoint " + purpose +
                     " (no epoch finished yet); train it on with `hearth resume " + printable(path_.string()) + "`" +
                     (which == CheckpointName::best ? ", or use its last checkpoint" : ""));
  return file;
}

RunFolder RunFolder::open(const fs::path& dir) {
  RunFolder run;
  run.path_ = fs::absolute(dir).lexically_normal();
  run.record_ = read_run_record(run.path_);
  return run;
}

void RunFolder::save_record() const { write_run_record(path_, record_); }

void record_failure(RunFolder& run, const std::string& error) {
  RunRecord& record = run.record();
  record.status = RunStatus::failed;
  record.error = error;
  record.finished = utc_timestamp();
  try {
    run.save_record();
  } catch (const std::exception& e) {
    spdlog::warn("{}", e.what());  // the error being reported matters more than this one
  }
}

}  // namespace hearth
