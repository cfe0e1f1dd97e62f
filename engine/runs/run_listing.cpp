#include "engine/runs/run_listing.hpp"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth {

namespace fs = std::filesystem;

ListedRun list_run(const fs::path& run) {
  try {
    RunRecord record = read_run_record(run);
    RunCondition condition = assess_run(run, record);
    return {run, std::move(record), "", std::move(condition)};
  } catch (const std::exception& e) {
    return {run, RunRecord{}, e.what(), {"damaged", e.what()}};
  }
}

std::vector<fs::path> find_runs(const fs::path& root) {
  std::vector<fs::path> runs;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw UsageError("no runs folder at " + printable(root.string()) + "; pass --runs-dir");
  auto hidden = [](const fs::path& p) { return p.filename().string().rfind('.', 0) == 0; };
  for (auto& job : fs::directory_iterator(root, ec))
    if (job.is_directory(ec) && !hidden(job.path()))
      for (auto& run : fs::directory_iterator(job.path(), ec))
        if (!hidden(run.path()) && fs::exists(run.path() / "run.json", ec)) runs.push_back(run.path());
  std::sort(runs.begin(), runs.end());
  return runs;
}

long long seconds_between(const std::string& from, const std::string& to) {
  auto parse = [](const std::string& s) -> long long {
    std::tm tm{};
    std::istringstream is(s);
    is >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
    return is.fail() ? -1 : static_cast<long long>(timegm(&tm));
  };
  long long a = parse(from), b = parse(to);
  return a < 0 || b < 0 ? -1 : b - a;
}

}  // namespace hearth
