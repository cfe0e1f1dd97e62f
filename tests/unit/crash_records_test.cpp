// A run that ends badly says how (issue 12, part 2), and its history stays honest across resumes
// (part 7): crash records name the plugin entry point, a vanished process is "died", one process
// holds a run at a time, failures before the first epoch mark the run failed.
#include "unit/catch.hpp"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/runs/run_folder.hpp"
#include "unit/test_support.hpp"
#include "engine/core/atomic_file.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

nlohmann::json run_info(const fs::path& run) { return nlohmann::json::parse(read_text(run / "run.json")); }

/// The model that crashes the process at forward call 31 (epoch 2: 16 train + 4 valid calls per
/// epoch), in the way `how` says.
std::string crashing_run(const fs::path& runs, const std::string& how) {
  return "run " + kJob + " --runs-dir " + runs.string() + " --plugin-path " + test_plugin_dir("crashing").string() +
         " --set \"model={plugin='crashes_after',calls=30,how='" + how + "'}\"";
}

nlohmann::json listed(const fs::path& runs, const fs::path& cache) {
  CommandResult list = run_hearth("runs list --json --runs-dir " + runs.string(), cache);
  INFO(list.output);
  REQUIRE(list.exit_code == 0);
  nlohmann::json rows = nlohmann::json::parse(list.output);
  REQUIRE(rows.size() == 1);
  return rows[0];
}

int pid_of(const BackgroundHearth& h) { return std::stoi(read_text(h.pid)); }

}  // namespace

TEST_CASE("a plugin that takes the process down is named with its entry point epoch and batch", "[crash]") {
  const std::vector<std::pair<std::string, int>> cases = {
      {"segv", 128 + SIGSEGV}, {"abort", 128 + SIGABRT}, {"fpe", 128 + SIGFPE}, {"exit", 3}, {"exit0", 1}, {"stack", 128 + SIGSEGV}};
  for (const auto& [how, code] : cases) {
    DYNAMIC_SECTION(how) {
      TempDir runs, cache;
      CommandResult r = run_hearth(crashing_run(runs.path(), how), cache.path());
      INFO(r.output);
      CHECK(r.exit_code == code);
      CHECK_THAT(r.output, ContainsSubstring("hearth: crashed: "));
      CHECK_THAT(r.output, ContainsSubstring("model 'crashes_after' (" + (test_plugin_dir("crashing") / "libcrashing.so").string() +
                                             "), in forward, epoch 2 batch 10"));
      CHECK_THAT(r.output, ContainsSubstring("last checkpoint: epoch 1"));
      const fs::path run = single_run(runs.path());
      const nlohmann::json record = nlohmann::json::parse(read_text(run / "crash.json"));
      CHECK(record["plugin"]["module"] == "crashes_after");
      CHECK(record["entry"] == "forward");
      CHECK(record["epoch"] == 2);
      CHECK(record["last_checkpoint_epoch"] == 1);
      CHECK(record["kind"] == (how.rfind("exit", 0) == 0 ? "exit" : "signal"));
      // run.json could not be updated by the dying process; the listing says what happened anyway.
      CHECK(run_info(run)["status"] == "running");
      const nlohmann::json row = listed(runs.path(), cache.path());
      CHECK(row["status"] == "crashed");
      CHECK_THAT(row["detail"].get<std::string>(), ContainsSubstring("in forward, epoch 2 batch 10"));
      CHECK_THAT(row["detail"].get<std::string>(), ContainsSubstring("last checkpoint epoch 1"));
      CommandResult show = run_hearth("runs show " + run.string(), cache.path());
      CHECK_THAT(show.output, ContainsSubstring("crashed"));
      CHECK_THAT(show.output, ContainsSubstring("crashes_after"));
      // The log was written line by line: the crash lost none of it.
      CHECK_THAT(read_text(run / "hearth.log"), ContainsSubstring("epoch 1/6"));
    }
  }
}

TEST_CASE("resume after a crash records the crash in the run's history and appends to its log", "[crash][history]") {
  TempDir runs, cache;
  run_hearth(crashing_run(runs.path(), "segv"), cache.path());
  const fs::path run = single_run(runs.path());
  const std::string first_log = read_text(run / "hearth.log");
  REQUIRE_FALSE(first_log.empty());
  // The resumed process counts forward calls afresh: it trains epoch 2 and crashes in epoch 3.
  CommandResult resumed = run_hearth("resume " + run.string() + " --plugin-path " + test_plugin_dir("crashing").string(), cache.path());
  INFO(resumed.output);
  CHECK(resumed.exit_code == 128 + SIGSEGV);
  CHECK_THAT(resumed.output, ContainsSubstring("the run had crashed: SIGSEGV in model 'crashes_after'"));
  const nlohmann::json info = run_info(run);
  REQUIRE(info["resumes"].size() == 1);
  const nlohmann::json& entry = info["resumes"][0];
  CHECK(entry["found"] == "crashed");
  CHECK(entry["checkpoint"] == "last");
  CHECK_THAT(entry["command_line"].get<std::string>(), ContainsSubstring("resume " + run.string()));
  CHECK_THAT(entry["crashes"][0]["text"].get<std::string>(), ContainsSubstring("epoch 2 batch 10"));
  CHECK(entry["plugins"].size() == info["plugins"].size());
  // The new record is the second crash's, not the first's.
  CHECK(nlohmann::json::parse(read_text(run / "crash.json"))["epoch"] == 3);
  const std::string log = read_text(run / "hearth.log");
  CHECK(log.rfind(first_log, 0) == 0);  // appended, not overwritten
  CHECK_THAT(log, ContainsSubstring("resume " + run.string()));
}

TEST_CASE("a run whose process vanished is reported died and one process holds a run at a time", "[crash][lock]") {
  TempDir runs, cache, work;
  const std::string job = "run " + kJob + " --runs-dir " + runs.path().string() + " --set train.epochs=400";
  BackgroundHearth first = start_hearth(job, cache.path(), work.path());
  const fs::path run = wait_for_epochs(runs.path(), 2, first);
  REQUIRE_FALSE(first.ended());
  // While it trains: a second process may not resume it, and runs rm refuses.
  CommandResult second = run_hearth("resume " + run.string(), cache.path());
  CHECK(second.exit_code == 2);
  CHECK_THAT(second.output, ContainsSubstring("is being trained by pid " + std::to_string(pid_of(first))));
  CHECK(run_hearth("runs rm " + run.string(), cache.path()).exit_code == 2);
  CHECK(listed(runs.path(), cache.path())["status"] == "running");

  ::kill(pid_of(first), SIGKILL);
  REQUIRE(first.wait());
  const nlohmann::json row = listed(runs.path(), cache.path());
  CHECK(row["status"] == "died");
  CHECK_THAT(row["detail"].get<std::string>(), ContainsSubstring("pid " + std::to_string(pid_of(first))));

  // Resumed, it is running again; SIGTERM stops it cleanly and the history says it had died.
  TempDir work2;
  BackgroundHearth again = start_hearth("resume " + run.string(), cache.path(), work2.path());
  // metrics.csv, not run.json's epochs_done: the kill may have come between writing an epoch's
  // row and run.json, and waiting for a row that is already there would stop the resume early.
  const std::string csv = read_text(run / "metrics.csv");
  const size_t rows = static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')) - 1;
  wait_for_epochs(runs.path(), rows + 1, again);
  ::kill(pid_of(again), SIGTERM);
  REQUIRE(again.wait());
  CHECK(again.exit_code() == 128 + SIGTERM);
  const nlohmann::json info = run_info(run);
  CHECK(info["status"] == "interrupted");
  CHECK(info["resumes"][0]["found"] == "died");
  CHECK(listed(runs.path(), cache.path())["status"] == "interrupted");
}

TEST_CASE("a run that fails before its first epoch is marked failed with the error", "[crash][history]") {
  TempDir runs, cache;
  CommandResult r = run_hearth("run " + kJob + " --runs-dir " + runs.path().string() + " --plugin-path " +
                                   test_plugin_dir("throwing").string() + " --set \"losses=[{plugin='throws_on_create'}]\"",
                               cache.path());
  INFO(r.output);
  CHECK(r.exit_code == 1);
  const fs::path run = single_run(runs.path());
  const nlohmann::json info = run_info(run);
  CHECK(info["status"] == "failed");
  CHECK_THAT(info["error"].get<std::string>(), ContainsSubstring("constructor exploded"));
  // Every error also goes into the run's log.
  CHECK_THAT(read_text(run / "hearth.log"), ContainsSubstring("constructor exploded"));
}

TEST_CASE("plugin folders from HEARTH_PLUGIN_PATH are recorded so later commands find the plugins", "[history]") {
  TempDir runs, cache;
  CommandResult r = run_hearth_with("HEARTH_PLUGIN_PATH='" + test_plugin_dir("throwing").string() + "'",
                                    "run " + kJob + " --runs-dir " + runs.path().string() +
                                        " --set train.epochs=1 --set \"model={plugin='fails_after',calls=100000}\"",
                                    cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path run = single_run(runs.path());
  CHECK(run_info(run)["plugin_paths"][0] == test_plugin_dir("throwing").string());
  CommandResult eval = run_hearth("eval " + run.string() + " --split valid", cache.path());
  INFO(eval.output);
  CHECK(eval.exit_code == 0);
}

TEST_CASE("resume eval and export warn when a plugin file changed since the run was trained and record both hashes", "[history]") {
  TempDir runs, cache, plugins;
  fs::copy_file(test_plugin_dir("throwing") / "libthrowing.so", plugins / "libthrowing.so");
  const std::string model = " --set \"model={plugin='fails_after',calls=100000}\" --plugin-path " + plugins.path().string();
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + runs.path().string() + " --set train.epochs=2" + model, cache.path()).exit_code == 0);
  const fs::path run = single_run(runs.path());
  nlohmann::json info = run_info(run);
  info["status"] = "interrupted";
  write_file_atomically(run / "run.json", info.dump());
  std::ofstream(plugins / "libthrowing.so", std::ios::app) << "rebuilt";  // another file, still a loadable library
  // Before, only resume said so: eval and export used the rebuilt plugin without a word.
  for (const std::string& command : {"eval " + run.string() + " --split valid", "export " + run.string() + " --format state_dict"}) {
    CommandResult used = run_hearth(command, cache.path());
    INFO(command << "\n" << used.output);
    CHECK(used.exit_code == 0);
    CHECK_THAT(used.output, ContainsSubstring("model module 'fails_after' is not the file the run was trained with (") &&
                                ContainsSubstring("its weights are used with the new one"));
  }
  CommandResult r = run_hearth("resume " + run.string(), cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("model module 'fails_after' is not the file the run was trained with ("));
  const nlohmann::json after = run_info(run);
  std::string then, now;
  for (const auto& p : after["plugins"])
    if (p["table"] == "model") then = p["sha256"];
  for (const auto& p : after["resumes"][0]["plugins"])
    if (p["table"] == "model") now = p["sha256"];
  CHECK_FALSE(then.empty());
  CHECK(then != now);
}

TEST_CASE("a crash on another rank is recorded by that rank and reported as the run's cause", "[crash][distributed]") {
  TempDir runs, cache;
  // Rank 1's model crashes in epoch 2; rank 0 loses its peer in the all-reduce and fails.
  CommandResult r = run_hearth("run " + kJob + " --nproc 2 --runs-dir " + runs.path().string() + " --plugin-path " +
                                   test_plugin_dir("crashing").string() +
                                   " --set \"model={plugin='crashes_after',calls=15,how='segv',rank=1}\"",
                               cache.path());
  INFO(r.output);
  CHECK(r.exit_code == 128 + SIGSEGV);
  CHECK_THAT(r.output, ContainsSubstring("hearth: crashed: SIGSEGV in model 'crashes_after'"));
  CHECK_THAT(r.output, ContainsSubstring("last checkpoint: epoch 1"));  // written by rank 0, known to rank 1
  CHECK_THAT(r.output, ContainsSubstring("--nproc 2`"));
  const fs::path run = single_run(runs.path());
  CHECK_FALSE(fs::exists(run / "crash.json"));
  const nlohmann::json record = nlohmann::json::parse(read_text(run / "crash.rank-1.json"));
  CHECK(record["plugin"]["module"] == "crashes_after");
  CHECK(record["epoch"] == 2);
  CHECK(record["last_checkpoint_epoch"] == 1);
  // Rank 0 marked the run failed (its peer vanished); the listing names the crash as the cause.
  CHECK(run_info(run)["status"] == "failed");
  const nlohmann::json row = listed(runs.path(), cache.path());
  CHECK(row["status"] == "crashed");
  CHECK(row["detail"].get<std::string>().rfind("rank-1: SIGSEGV in model 'crashes_after'", 0) == 0);
  // Both ranks resume together from epoch 1's checkpoint; the crash goes into the history.
  CommandResult resumed = run_hearth("resume " + run.string() + " --nproc 2 --plugin-path " + test_plugin_dir("crashing").string(),
                                     cache.path());
  INFO(resumed.output);
  CHECK_THAT(resumed.output, ContainsSubstring("the run had crashed: rank-1: SIGSEGV"));
  CHECK(run_info(run)["resumes"][0]["crashes"][0]["file"] == "crash.rank-1.json");
}
