// SIGKILL at every step that writes: a run killed before each file operation of its making,
// training and checkpointing resumes to the same numbers; a pack upgrade killed before each
// operation of its install leaves the old or the new version whole and the user's files. The
// kills are real (tests/support/kill_step.c, loaded with LD_PRELOAD), not states made by hand.
#include "unit/catch.hpp"

#include <fstream>

#include "engine/runs/checkpoint.hpp"
#include "engine/packs/pack_installer.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";
const std::string kTwoEpochs = " --set train.epochs=2";

/// The environment that kills `hearth` before its `at`th step under `folder` (0: never), and
/// logs every step to `log` when given.
std::string kill_at(const fs::path& folder, size_t at, const fs::path& log = {}) {
  return "HEARTH_KILL_DIR='" + folder.string() + "' HEARTH_KILL_AT=" + std::to_string(at) +
         (log.empty() ? "" : " HEARTH_KILL_LOG='" + log.string() + "'") + " LD_PRELOAD='" HEARTH_KILL_STEP_LIB "'";
}

size_t count_lines(const fs::path& file) {
  const std::string text = read_text(file);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// Run folders visible under runs/<job>/, and hidden ones (runs being made).
std::pair<std::vector<fs::path>, std::vector<fs::path>> run_folders(const fs::path& runs) {
  std::vector<fs::path> shown, hidden;
  std::error_code ec;
  for (fs::directory_iterator it(runs / "random-smoke", ec), end; !ec && it != end; it.increment(ec))
    (it->path().filename().string()[0] == '.' ? hidden : shown).push_back(it->path());
  return {shown, hidden};
}

}  // namespace

TEST_CASE("a run killed before any step that writes resumes to the same numbers", "[kill][resume]") {
  TempDir reference, counted, cache;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir '" + reference.path().string() + "'" + kTwoEpochs, cache.path()).exit_code == 0);
  const fs::path whole = single_run(reference.path());
  // Every step of one whole run, counted the way the kills count them.
  const fs::path log = counted / "steps.log";
  REQUIRE(run_hearth_with(kill_at(counted / "runs", 0, log), "run " + kJob + " --runs-dir '" + (counted / "runs").string() + "'" + kTwoEpochs,
                          cache.path()).exit_code == 0);
  const size_t steps = count_lines(log);
  INFO("steps:\n" << read_text(log));
  REQUIRE(steps > 40);  // mkdir, job.toml, run.json, lock, log, metrics, events, checkpoints, pictures...

  bool saw_hidden = false, saw_fresh_start = false, saw_checkpoint_resume = false;
  for (size_t at = 1; at <= steps; ++at) {
    TempDir dir;
    const fs::path runs = dir / "runs";
    CommandResult killed = run_hearth_with(kill_at(runs, at), "run " + kJob + " --runs-dir '" + runs.string() + "'" + kTwoEpochs, cache.path());
    INFO("killed before step " << at << ": " << killed.output);
    CHECK(killed.exit_code == 137);
    const auto [shown, hidden] = run_folders(runs);
    CHECK(shown.size() + hidden.size() <= 1);
    if (shown.empty()) {
      // Killed while the run was being made: nothing half-made is shown, and the next run of
      // the job clears what was left.
      if (!hidden.empty() && !saw_hidden) {
        saw_hidden = true;
        REQUIRE(run_hearth("run " + kJob + " --runs-dir '" + runs.string() + "' --set train.epochs=1", cache.path()).exit_code == 0);
        CHECK(run_folders(runs).second.empty());
      }
      continue;
    }
    const fs::path run = shown.front();
    CHECK(fs::exists(run / "run.json"));
    CHECK(fs::exists(run / "job.toml"));
    CommandResult listed = run_hearth("runs list --runs-dir '" + runs.string() + "'", cache.path());
    CHECK(listed.exit_code == 0);
    const bool had_checkpoint = fs::exists(run / "checkpoints/last.pt");
    CommandResult resumed = run_hearth("resume '" + run.string() + "'", cache.path());
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    (had_checkpoint ? saw_checkpoint_resume : saw_fresh_start) = true;
    CHECK(read_text(run / "metrics.csv") == read_text(whole / "metrics.csv"));
    CHECK(load_checkpoint(run / "checkpoints/last.pt").model == load_checkpoint(whole / "checkpoints/last.pt").model);
    CHECK(load_checkpoint(run / "checkpoints/best.pt").epoch == load_checkpoint(whole / "checkpoints/best.pt").epoch);
    CHECK_FALSE(fs::exists(run / "checkpoints/last.pt.tmp"));
  }
  CHECK(saw_hidden);
  CHECK(saw_fresh_start);
  CHECK(saw_checkpoint_resume);
}

namespace {

/// A pack source folder for version `version` of pack "demo", its library holding `library`.
fs::path demo_pack(const fs::path& dir, const std::string& version, const std::string& library) {
  const fs::path src = dir / ("src-" + version);
  fs::create_directories(src / "lib");
  std::ofstream(src / "pack.toml") << "name = \"demo\"\nversion = \"" << version << "\"\nsummary = \"test\"\n";
  std::ofstream(src / "lib/libdemo.so") << library;
  std::ofstream(src / "README.md") << "version " << version;
  const fs::path file = dir / ("demo-" + version + ".hpack");
  build_pack(src, file);
  return file;
}

/// Version 1.0 installed under `root`, with a file of the user's inside it.
void install_first(const fs::path& v1, const fs::path& root, const fs::path& trust) {
  InstallOptions o;
  o.root = root;
  o.allow_unsigned = true;
  install_pack(v1, trust, o);
  std::ofstream(root / "demo/notes.txt") << "mine";
}

}  // namespace

TEST_CASE("a pack upgrade killed before any step that writes loses neither version nor the user's files", "[kill][packs]") {
  TempDir dir, cache;
  const fs::path v1 = demo_pack(dir.path(), "1.0", "v1"), v2 = demo_pack(dir.path(), "2.0", "v2");
  const std::string upgrade = "pack install '" + v2.string() + "' --upgrade --allow-unsigned --into ";

  const fs::path counted = dir / "counted", log = dir / "steps.log";
  install_first(v1, counted, dir / "trust");
  REQUIRE(run_hearth_with(kill_at(counted, 0, log), upgrade + "'" + counted.string() + "'", cache.path()).exit_code == 0);
  const size_t steps = count_lines(log);
  INFO("steps:\n" << read_text(log));
  REQUIRE(steps > 8);

  for (size_t at = 1; at <= steps; ++at) {
    const fs::path root = dir / ("root-" + std::to_string(at));
    install_first(v1, root, dir / "trust");
    CommandResult killed = run_hearth_with(kill_at(root, at), upgrade + "'" + root.string() + "'", cache.path());
    INFO("killed before step " << at << ": " << killed.output);
    CHECK(killed.exit_code == 137);
    // Whatever was left, the next install finishes the job: version 2 whole, the user's file kept,
    // nothing hidden left behind.
    CommandResult again = run_hearth(upgrade + "'" + root.string() + "'", cache.path());
    INFO(again.output);
    REQUIRE(again.exit_code == 0);
    CHECK(read_text(root / "demo/lib/libdemo.so") == "v2");
    CHECK(read_text(root / "demo/README.md") == "version 2.0");
    CHECK(read_text(root / "demo/notes.txt") == "mine");
    size_t others = 0;
    for (const auto& e : fs::directory_iterator(root)) others += e.path().filename() != "demo";
    CHECK(others == 0);
  }
}

TEST_CASE("an upgrade killed between moving the old version aside and the new one in gets the old one back", "[kill][packs]") {
  TempDir dir, cache;
  const fs::path v1 = demo_pack(dir.path(), "1.0", "v1"), v2 = demo_pack(dir.path(), "2.0", "v2");
  const fs::path root = dir / "root";
  install_first(v1, root, dir / "trust");
  // The step that moves the new version in is the rename onto root/demo that follows the one
  // moving the old version aside: find it in the log of a whole upgrade, then kill before it.
  const fs::path log = dir / "steps.log", counted = dir / "counted";
  install_first(v1, counted, dir / "trust");
  const std::string upgrade = "pack install '" + v2.string() + "' --upgrade --allow-unsigned --into ";
  REQUIRE(run_hearth_with(kill_at(counted, 0, log), upgrade + "'" + counted.string() + "'", cache.path()).exit_code == 0);
  std::ifstream in(log);
  size_t at = 0;
  for (std::string line; std::getline(in, line);) {
    size_t n = std::stoul(line);
    if (line.find(" rename ") != std::string::npos && line.size() >= 5 && line.substr(line.size() - 5) == "/demo") {
      at = n;
      break;
    }
  }
  REQUIRE(at > 0);
  CHECK(run_hearth_with(kill_at(root, at), upgrade + "'" + root.string() + "'", cache.path()).exit_code == 137);
  CHECK_FALSE(fs::exists(root / "demo"));  // the window this test is about
  // Any pack command that touches "demo" puts the old version back first; remove then removes it.
  CommandResult removed = run_hearth("pack remove demo --into '" + root.string() + "'", cache.path());
  INFO(removed.output);
  CHECK(removed.exit_code == 0);
  CHECK_THAT(removed.output, ContainsSubstring("the previous version is back"));
  CHECK(read_text(root / "demo/notes.txt") == "mine");  // remove leaves the user's file
}
