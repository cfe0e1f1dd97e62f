#include "engine/jobs/run_folder.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/run_info_check.hpp"

namespace hearth {

void write_file_atomically(const fs::path& path, const std::string& text, const std::string& what) {
  fs::path tmp = path;
  tmp += ".tmp";
  // POSIX calls rather than a stream: the reason a write fails (no space, quota, file too large,
  // read-only file system) is errno, and that reason is the message.
  auto fail = [&](const std::string& doing) {
    const std::string why = std::strerror(errno);
    std::error_code ec;
    fs::remove(tmp, ec);
    throw Error("cannot " + doing + " " + (what.empty() ? "" : what + " ") + path.string() + ": " + why);
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("write");
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      fail("write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    fail("write");
  }
  if (::close(fd) != 0) fail("write");
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("replace");
  // The rename itself reaches the disk with the folder's entry.
  const int dir = ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

RunFolder RunFolder::create(const fs::path& runs_root, const std::string& job_name) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::ostringstream stamp;
  stamp << std::put_time(&tm, "%Y%m%d-%H%M%S");
  fs::path base = runs_root / job_name;
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec)
    throw Error("cannot create the runs folder " + base.string() + ": " + ec.message() +
                "; set [job] runs or --runs-dir to a writable folder");
  RunFolder run;
  for (int n = 0; n < 1000; ++n) {
    fs::path candidate = base / (stamp.str() + (n ? "-" + std::to_string(n) : ""));
    if (fs::create_directory(candidate, ec)) {
      run.path_ = candidate;
      break;
    }
    if (ec)
      throw Error("cannot create the run folder " + candidate.string() + ": " + ec.message() +
                  "; set [job] runs or --runs-dir to a writable folder");
  }
  if (run.path_.empty()) throw Error("cannot find a free run folder name under " + base.string());
  fs::create_directories(run.path_ / "checkpoints", ec);
  if (ec) throw Error("cannot create " + (run.path_ / "checkpoints").string() + ": " + ec.message());
  return run;
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
