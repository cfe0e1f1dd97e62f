// `./scripts/setup.sh --demo` builds only the plugins listed in plugins/CMakeLists.txt
// (HEARTH_DEMO_PLUGINS): the demo's commands must do with those exactly what they do with every
// built-in plugin, or a new user's first run would lack a picture or fail.
#include "unit/catch.hpp"

#include <fstream>
#include <set>

#include "unit/test_support.hpp"

using namespace hearth::test;

namespace {

/// The demo plugins' library files, as CMake wrote them at generate time.
std::vector<fs::path> demo_plugin_files() {
  std::ifstream in(std::string(HEARTH_BUILD_DIR) + "/demo_plugins.txt");
  std::vector<fs::path> files;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) files.emplace_back(line);
  return files;
}

/// Every file under `folder`, relative to it; TensorBoard's file name ends in a time, left out.
std::set<std::string> files_under(const fs::path& folder) {
  std::set<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    if (!e.is_regular_file()) continue;
    std::string name = fs::relative(e.path(), folder).string();
    if (name.rfind("events.out.tfevents.", 0) == 0) name = "events.out.tfevents";
    names.insert(name);
  }
  return names;
}

/// What scripts/demo.sh's commands wrote: the trained run (with its renders) and the analysis.
struct DemoFolders {
  fs::path run;
  fs::path analysis;
};

/// scripts/demo.sh's commands, training 20 steps, with `plugins` (extra hearth options).
DemoFolders run_demo_commands(const fs::path& runs, const std::string& plugins, const fs::path& cache) {
  const std::string job = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/fashion-mnist-mlp.toml";
  CommandResult trained = run_hearth(
      "run " + job + " --runs-dir " + runs.string() + plugins + " --set train.epochs=1 --set train.max_steps=20", cache);
  INFO(trained.output);
  REQUIRE(trained.exit_code == 0);
  fs::path run = single_run(runs);
  CommandResult rendered = run_hearth("render " + job + plugins + " --run " + run.string() + " --index 0-15", cache);
  INFO(rendered.output);
  REQUIRE(rendered.exit_code == 0);
  // analyze makes a run folder of its own
  CommandResult analyzed = run_hearth("analyze " + job + " --runs-dir " + (runs / "analyses").string() + plugins, cache);
  INFO(analyzed.output);
  REQUIRE(analyzed.exit_code == 0);
  return {run, single_run(runs / "analyses") / "analysis"};
}

}  // namespace

TEST_CASE("the demo's plugins alone give the demo every picture that all built-in plugins give", "[demo]") {
  std::vector<fs::path> files = demo_plugin_files();
  REQUIRE(files.size() == 10);
  TempDir only_demo, cache_a, cache_b, all_runs, demo_runs;
  for (const fs::path& f : files) {
    REQUIRE(fs::exists(f));
    fs::copy_file(f, only_demo / f.filename().string());
  }
  DemoFolders all = run_demo_commands(all_runs.path(), "", cache_a.path());
  DemoFolders demo = run_demo_commands(demo_runs.path(), " --no-builtins --plugin-path " + only_demo.path().string(),
                                       cache_b.path());
  std::set<std::string> expected = files_under(all.run);
  CHECK(expected.count("renders/contact-sheet.png") == 1);
  CHECK(files_under(demo.run) == expected);
  std::set<std::string> expected_analysis = files_under(all.analysis);
  CHECK(expected_analysis.count("multiclass.png") == 1);
  CHECK(files_under(demo.analysis) == expected_analysis);
  // Same plugins, same seed: the same numbers.
  CHECK(read_text(demo.run / "metrics.csv") == read_text(all.run / "metrics.csv"));
}
