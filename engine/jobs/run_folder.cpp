#include "engine/jobs/run_folder.hpp"


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
#include "engine/core/run_info_check.hpp"

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

fs::path RunFolder::existing_checkpoint(const std::string& which, const std::string& purpose) const {
  fs::path file = checkpoint(which);
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw UsageError("run " + path_.string() + " has no '" + which + "' checkpoint " + purpose +
                     " (no epoch finished yet); train it on with `hearth resume " + path_.string() + "`" +
                     (which == "best" ? ", or use its last checkpoint" : ""));
  return file;
}

RunFolder RunFolder::open(const fs::path& dir) {
  RunFolder run;
  run.path_ = fs::absolute(dir).lexically_normal();
  std::ifstream in(run.path_ / "run.json");
  if (!in) throw UsageError(dir.string() + " is not a run folder (no run.json); `hearth runs list` shows runs");
  try {
    run.info_ = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw Error(printable((run.path_ / "run.json").string()) + " is unreadable: " + e.what());
  }
  check_run_info(run.info_, run.path_ / "run.json");
  return run;
}

void RunFolder::save_info() const { write_file_atomically(path_ / "run.json", info_.dump(2) + "\n"); }

MetricsCsv::MetricsCsv(const fs::path& file, std::vector<std::string> columns, int64_t keep_epochs_through)
    : file_(file), columns_(std::move(columns)) {
  std::vector<std::string> kept;
  if (keep_epochs_through >= 0) {
    std::ifstream in(file_);
    std::string line;
    std::getline(in, line);  // header
    for (int number = 2; std::getline(in, line); ++number) {
      if (line.empty()) continue;
      const std::string cell = line.substr(0, line.find(','));
      char* end = nullptr;
      const long long epoch = std::strtoll(cell.c_str(), &end, 10);
      if (cell.empty() || *end != '\0')
        throw UsageError(printable(file_.string()) + ":" + std::to_string(number) + ": '" + printable(cell) +
                         "' is not an epoch number; the file is damaged: repair or remove that line and resume again");
      if (epoch <= keep_epochs_through) kept.push_back(line);
    }
  }
  std::ostringstream text;
  for (size_t i = 0; i < columns_.size(); ++i) text << (i ? "," : "") << columns_[i];
  text << "\n";
  for (const std::string& l : kept) text << l << "\n";
  write_file_atomically(file_, text.str());
  out_.open(file_, std::ios::app);
  if (!out_) throw Error("cannot append to " + file_.string());
}

void MetricsCsv::row(const std::vector<std::optional<double>>& values) {
  std::ostringstream os;
  os.precision(9);
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) os << ',';
    if (!values[i]) continue;
    double v = *values[i];
    if (std::isnan(v)) os << "nan";
    else if (columns_[i] == "epoch" || columns_[i] == "step" || columns_[i] == "skipped_steps") os << static_cast<int64_t>(v);
    else os << v;
  }
  out_ << os.str() << '\n';
  out_.flush();
}

}  // namespace hearth
