#include "unit/test_support.hpp"

#include "unit/catch.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <algorithm>
#include <fstream>
#include <thread>
#include <random>
#include <sstream>

namespace hearth::test {

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("hearth-test-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

CommandResult run_command(const std::string& command) {
  CommandResult r;
  std::string full = "(" + command + ") </dev/null 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

namespace {

/// The shell command of `hearth <args>` with an isolated cache and user folder, no colour.
std::string hearth_command(const std::string& args, const fs::path& cache_dir, const std::string& environment = "") {
  return "env -u HEARTH_PLUGIN_PATH NO_COLOR=1 HEARTH_SCAN_TIMEOUT_MS=3000 HEARTH_CACHE_DIR='" + cache_dir.string() +
         "' XDG_DATA_HOME='" + (cache_dir / "data").string() + "' " + environment + " '" HEARTH_EXE "' " + args;
}

}  // namespace

CommandResult run_hearth(const std::string& args, const fs::path& cache_dir) {
  return run_command(hearth_command(args, cache_dir));
}

CommandResult run_hearth_with(const std::string& environment, const std::string& args, const fs::path& cache_dir) {
  return run_command(hearth_command(args, cache_dir, environment));
}

bool BackgroundHearth::ended() const { return fs::exists(code) && !read_text(code).empty(); }

bool BackgroundHearth::wait(int seconds) const {
  for (int i = 0; i < seconds * 50 && !ended(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return ended();
}

int BackgroundHearth::exit_code() const { return std::stoi(read_text(code)); }

BackgroundHearth start_hearth(const std::string& args, const fs::path& cache_dir, const fs::path& folder, const fs::path& cwd) {
  BackgroundHearth h{folder / "out.txt", folder / "code.txt", folder / "pid.txt"};
  // A script, so that the pid is hearth's own (exec) and the exit code is still collected; the
  // outer redirection lets go of run_command's pipe, or run_command would wait for the whole run.
  const fs::path script = folder / "start.sh";
  std::ofstream(script) << (cwd.empty() ? "" : "cd '" + cwd.string() + "' || exit 97\n") << "echo $$ > '" << h.pid.string()
                         << "'\nexec " << hearth_command(args, cache_dir) << "\n";
  const CommandResult r = run_command("( sh '" + script.string() + "' > '" + h.out.string() + "' 2>&1; echo $? > '" +
                                      h.code.string() + "' ) > /dev/null 2>&1 &");
  REQUIRE(r.exit_code == 0);
  return h;
}

fs::path test_plugin_dir(const std::string& name) { return fs::path(HEARTH_TEST_PLUGIN_DIR) / name; }

fs::path builtin_plugin_dir() { return HEARTH_BUILTIN_PLUGIN_DIR; }

DiscoveryOptions isolated_discovery(const fs::path& cache_dir, std::vector<fs::path> paths, bool builtins) {
  DiscoveryOptions o;
  o.roots.plugin_paths = std::move(paths);
  o.roots.use_environment = false;
  if (builtins) o.roots.builtin_folder = builtin_plugin_dir();
  o.cache_folder = cache_dir;
  o.scanner.scanner = HEARTH_SCANNER_EXE;
  o.scanner.library_timeout = std::chrono::milliseconds(3000);
  return o;
}

fs::path builtin_library(const std::string& folder, const std::string& name) {
  return builtin_plugin_dir() / folder / ("libhearth_" + name + ".so");
}

size_t builtin_library_count() {
  size_t n = 0;
  for (auto& e : fs::recursive_directory_iterator(builtin_plugin_dir())) n += e.path().extension() == ".so";
  return n;
}

const std::vector<std::pair<std::string, std::string>>& builtin_modules() {
  static const std::vector<std::pair<std::string, std::string>> all = {
      {"dataset", "csv"},       {"dataset", "idx"},        {"dataset", "image_folder"}, {"dataset", "npy"}, {"dataset", "shards"}, {"dataset", "tokens"}, {"dataset", "text"},
      {"dataset", "random"},    {"analyzer", "class_count"}, {"analyzer", "multiclass"}, {"analyzer", "multilabel"}, {"analyzer", "values_distribution"}, {"loss", "binary_cross_entropy"}, {"loss", "cross_entropy"},
      {"loss", "mae"},          {"loss", "mse"},           {"loss", "nll"},             {"loss", "smooth_l1"},
      {"metric", "accuracy"},   {"metric", "bits_per_token"}, {"metric", "f_score"},     {"metric", "mae"},           {"metric", "precision"},
      {"metric", "perplexity"}, {"metric", "recall"},     {"metric", "rmse"},        {"metric", "top_k"},         {"model", "cnn"},
      {"model", "gpt"},  {"model", "mlp"},         {"model", "resnet"},       {"model", "torchscript"},    {"model", "unet1d"},
      {"model", "unet2d"},      {"model", "vit"},      {"optimizer", "adagrad"},  {"optimizer", "adam"},       {"optimizer", "adamw"},       {"optimizer", "adamw_schedule_free"},
      {"optimizer", "rmsprop"}, {"optimizer", "sgd"},      {"renderer", "bitmap"}, {"renderer", "signal"}, {"renderer", "spectrogram"}, {"renderer", "labels"}, {"renderer", "bounding_box"}, {"renderer", "volume"},      {"scheduler", "cosine"},
      {"scheduler", "exponential"}, {"scheduler", "multistep"}, {"scheduler", "none"},  {"scheduler", "onecycle"},
      {"scheduler", "reduce_on_plateau"}, {"scheduler", "step"}, {"diagnostic", "confusion"},
      {"diagnostic", "latent"}, {"diagnostic", "predictions"},
      {"diagnostic", "reconstructions"}, {"diagnostic", "saliency"}, {"diagnostic", "weights"}};
  return all;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

namespace {

/// A run folder still being made (`.STAMP.creating-PID`): it appears under its name when whole.
bool hidden(const fs::path& p) { return p.filename().string().rfind('.', 0) == 0; }

}  // namespace

fs::path single_run(const fs::path& runs) {
  std::vector<fs::path> found;
  for (auto& job : fs::directory_iterator(runs))
    for (auto& run : fs::directory_iterator(job.path()))
      if (!hidden(run.path())) found.push_back(run.path());
  REQUIRE(found.size() == 1);
  return found[0];
}

fs::path wait_for_epochs(const fs::path& runs, size_t epochs, const BackgroundHearth& h, int seconds) {
  fs::path run;
  auto rows = [](const fs::path& csv) {
    const std::string t = read_text(csv);
    return t.empty() ? size_t{0} : static_cast<size_t>(std::count(t.begin(), t.end(), '\n')) - 1;
  };
  for (int i = 0; i < seconds * 50 && !h.ended(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::error_code ec;
    if (run.empty() && fs::exists(runs, ec))
      for (auto& job : fs::directory_iterator(runs))
        for (auto& r : fs::directory_iterator(job.path()))
          if (!hidden(r.path())) run = r.path();
    if (!run.empty() && fs::exists(run / "metrics.csv") && rows(run / "metrics.csv") >= epochs) break;
  }
  REQUIRE(!run.empty());
  return run;
}

std::map<std::string, double> last_metrics_row(const fs::path& csv) {
  std::ifstream in(csv);
  std::string header, line, row;
  std::getline(in, header);
  while (std::getline(in, line))
    if (!line.empty()) row = line;
  std::map<std::string, double> out;
  std::istringstream h(header), r(row);
  for (std::string name, cell; std::getline(h, name, ',') && std::getline(r, cell, ',');)
    if (!cell.empty()) out[name] = std::stod(cell);
  return out;
}

}  // namespace hearth::test
