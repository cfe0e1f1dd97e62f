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
#include "engine/core/run_info_check.hpp"

namespace hearth {

namespace {

/// The run folder's name: the local time, to the second.
std::string time_stamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::ostringstream stamp;
  stamp << std::put_time(&tm, "%Y%m%d-%H%M%S");
  return stamp.str();
}

const std::string kCreating = ".creating-";

/// Hidden `.STAMP.creating-PID` folders whose process is gone (killed while making its run).
void remove_unfinished_runs(const fs::path& base) {
  std::error_code ec;
  for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const size_t at = name.rfind(kCreating);
    if (name[0] != '.' || at == std::string::npos) continue;
    const std::string pid = name.substr(at + kCreating.size());
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (::kill(static_cast<pid_t>(std::stoll(pid)), 0) == 0 || errno == EPERM) continue;
    std::error_code rm;
    fs::remove_all(it->path(), rm);
  }
}

/// Moves the prepared folder to `base/STAMP` (or STAMP-N when taken) without ever replacing
/// another run; returns where it went.
fs::path publish(const fs::path& prepared, const fs::path& base, const std::string& stamp) {
  for (int n = 0; n < 1000; ++n) {
    const fs::path candidate = base / (stamp + (n ? "-" + std::to_string(n) : ""));
    if (::renameat2(AT_FDCWD, prepared.c_str(), AT_FDCWD, candidate.c_str(), RENAME_NOREPLACE) == 0) {
      sync_folder(base);
      return candidate;
    }
    if (errno != EEXIST && errno != ENOTEMPTY)
      throw Error("cannot create the run folder " + candidate.string() + ": " + std::strerror(errno));
  }
  throw Error("cannot find a free run folder name under " + base.string());
}

}  // namespace

RunFolder RunFolder::create(const fs::path& runs_root, const std::string& job_name,
                            const std::function<void(RunFolder&)>& prepare) {
  fs::path base = runs_root / job_name;
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec)
    throw Error("cannot create the runs folder " + base.string() + ": " + ec.message() +
                "; set [job] runs or --runs-dir to a writable folder");
  remove_unfinished_runs(base);
  // Made hidden and moved into place once whole: a run folder, once seen, has its job and its
  // run.json, whenever the process was killed.
  const std::string stamp = time_stamp();
  RunFolder run;
  run.path_ = base / ("." + stamp + kCreating + std::to_string(::getpid()));
  fs::remove_all(run.path_, ec);
  fs::create_directories(run.path_ / "checkpoints", ec);
  if (ec) throw Error("cannot create the run folder " + run.path_.string() + ": " + ec.message());
  try {
    prepare(run);
    run.path_ = publish(run.path_, base, stamp);
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
