// A run folder's files through engine/runs, their only readers and writers: run.json as a typed
// record (a folder written before the record existed still opens, and round-trips unchanged),
// damage refused once with the file and the key, metrics.csv and batches.csv.
#include "unit/catch.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "engine/core/atomic_file.hpp"
#include "engine/runs/batch_log.hpp"
#include "engine/runs/checkpoint.hpp"
#include "engine/runs/metrics_table.hpp"
#include "engine/runs/run_folder.hpp"
#include "engine/runs/run_record.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

/// A 2-rank run interrupted by SIGTERM and resumed, written by Hearth at commit 84fdb27, before
/// run.json had a typed record.
const fs::path kOldRun = HEARTH_SOURCE_DIR "/tests/data/run-84fdb27";

}  // namespace

TEST_CASE("a run folder written before the typed record opens, and its run.json round-trips unchanged", "[runs]") {
  const RunRecord r = read_run_record(kOldRun);
  CHECK(r.status == RunStatus::completed);
  CHECK(r.job == "random-smoke");
  CHECK(r.epochs_done == 6);
  REQUIRE(r.best);
  CHECK(r.best->monitor == "valid.accuracy");
  CHECK(r.best->epoch == 4);
  REQUIRE(r.monitor);
  CHECK(r.monitor->maximize);
  REQUIRE(r.distributed);
  CHECK(r.distributed->world_size == 2);
  CHECK(r.distributed->ranks.size() == 2);
  REQUIRE(r.resumes.size() == 1);
  CHECK(r.resumes[0].found == "interrupted");
  CHECK(r.resumes[0].world_size == 2);
  CHECK(r.resumes[0].plugins.size() == r.plugins.size());
  REQUIRE(r.process);
  CHECK(r.process->pid > 0);
  CHECK(r.timing.size() >= 6);
  for (const EpochTimingRecord& t : r.timing) CHECK(t.allreduce_wait_seconds.has_value());
  CHECK(r.unknown.empty());
  const nlohmann::json original = nlohmann::json::parse(read_text(kOldRun / "run.json"));
  CHECK(to_json(r) == original);

  // Its other files open through their readers too.
  const MetricsTable table = read_metrics_table(kOldRun / "metrics.csv");
  CHECK(table.rows.size() == 6);
  CHECK(table.column("valid.accuracy").size() == 6);
  CHECK(read_batch_points(kOldRun / "batches.csv").loss.size() == 120);
  CHECK(load_checkpoint(kOldRun / "checkpoints/last.pt").epoch == 6);

  TempDir cache;
  CommandResult show = run_hearth("runs show '" + kOldRun.string() + "'", cache.path());
  INFO(show.output);
  CHECK(show.exit_code == 0);
  CHECK_THAT(show.output, ContainsSubstring("random-smoke"));
  CHECK_THAT(show.output, ContainsSubstring("Resumed"));
  CHECK_THAT(show.output, ContainsSubstring("valid.accuracy"));
}

TEST_CASE("keys a newer Hearth wrote are kept when run.json is written again", "[runs]") {
  TempDir dir;
  write_file_atomically(dir / "run.json", R"({"status": "interrupted", "job": "j", "next_version": {"a": [1, 2]}})");
  RunRecord r = read_run_record(dir.path());
  CHECK(r.unknown.contains("next_version"));
  r.status = RunStatus::completed;
  write_run_record(dir.path(), r);
  const nlohmann::json back = nlohmann::json::parse(read_text(dir / "run.json"));
  CHECK(back["next_version"]["a"][1] == 2);
  CHECK(back["status"] == "completed");
}

TEST_CASE("a run.json of the wrong shape is refused once, naming the file and the key", "[runs][damage]") {
  const std::pair<const char*, const char*> cases[] = {
      {"[1, 2]", "does not hold a JSON object"},
      {R"({"status": "exploded"})", "\"status\" is not a run status"},
      {R"({"status": "running", "timing": [1]})", "\"timing\" is not a list of objects"},
      {R"({"status": "running", "best": {"value": "x"}})", "\"best.value\" is not a number"},
      {R"({"status": "running", "resumes": [{"world_size": "2"}]})", "\"resumes.world_size\" is not an integer"},
      {R"({"status": "running", "distributed": []})", "\"distributed\" is not an object"},
      {R"({"status": "running", "process": {"pid": "x"}})", "\"process\""},
  };
  TempDir runs, cache;
  for (const auto& [text, why] : cases) {
    DYNAMIC_SECTION(text) {
      const fs::path run = runs / "job" / "run";
      fs::create_directories(run);
      write_file_atomically(run / "run.json", text);
      write_file_atomically(run / "metrics.csv", "epoch,train.loss\n1,0.5\n");
      CHECK_THROWS_WITH(read_run_record(run), ContainsSubstring((run / "run.json").string()) && ContainsSubstring(why));
      // Every reader says the same: before, `hearth plot` printed a raw json.exception.
      for (const std::string& command : {"plot '" + run.string() + "' --out '" + (runs / "p.png").string() + "'",
                                         "runs show '" + run.string() + "'", "resume '" + run.string() + "'"}) {
        CommandResult r = run_hearth(command, cache.path());
        INFO(command << "\n" << r.output);
        CHECK(r.exit_code != 0);
        CHECK_THAT(r.output, ContainsSubstring("run.json") && ContainsSubstring(why));
        CHECK_THAT(r.output, !ContainsSubstring("json.exception"));
      }
    }
  }
}

TEST_CASE("batches.csv's newest row is read from its tail and a partial line waits", "[runs]") {
  TempDir dir;
  const fs::path file = dir / "batches.csv";
  write_file_atomically(file, "epoch,batch,batches,loss,samples_per_s,seconds\n1,1,4,0.5,100,0.1\n1,2,4,0.25,120,0.2\n1,3,4");
  const std::optional<BatchRow> last = read_last_batch_row(file);
  REQUIRE(last);
  CHECK(last->batch == 2);
  CHECK(last->loss == 0.25);
  write_file_atomically(file, "epoch,batch,batches,loss,samples_per_s,seconds\n");
  CHECK_FALSE(read_last_batch_row(file));
  // Rows since the step and the rate were kept have eight cells; the older six still read.
  write_file_atomically(file, "epoch,batch,batches,loss,samples_per_s,seconds,step,lr\n1,1,4,0.5,100,0.1,1,0.001\n");
  const std::optional<BatchRow> now = read_last_batch_row(file);
  REQUIRE(now);
  CHECK((now->step == 1 && now->lr == 0.001));
  CHECK(parse_batch_row("1,1,4,0.5,100,0.1")->step == -1);
  CHECK(std::isnan(parse_batch_row("1,1,4,0.5,100,0.1")->lr));
  CHECK_FALSE(parse_batch_row("1,1,4,0.5,100,0.1,1"));
}

TEST_CASE("batches.csv keeps each batch's step and rate, and an epoch that max_steps ends plans only its batches", "[runs]") {
  TempDir runs, cache;
  CommandResult r = run_hearth("run " + std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml --runs-dir '" +
                                   runs.path().string() + "' --set train.epochs=3 --set train.max_steps=6 --set train.accumulate=2"
                                   " --set \"scheduler={plugin='cosine', interval='batch', warmup=4, t_max=100}\"",
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::ifstream in(single_run(runs.path()) / "batches.csv");
  std::string line;
  std::getline(in, line);
  CHECK(line == "epoch,batch,batches,loss,samples_per_s,seconds,step,lr");
  std::vector<BatchRow> rows;
  while (std::getline(in, line)) rows.push_back(*parse_batch_row(line));
  REQUIRE(rows.size() == 12);  // 6 steps of 2 batches, in the first epoch
  for (size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i);
    CHECK(rows[i].epoch == 1);
    CHECK(rows[i].batches == 12);  // not the epoch's whole count: the run ends at step 6
    CHECK(rows[i].step == static_cast<int64_t>(i + 1) / 2);
  }
  // Warmup over 4 steps: the rate rises step by step, and both batches of a step share it.
  CHECK(rows[0].lr == rows[1].lr);
  CHECK(rows[2].lr > rows[1].lr);
  CHECK(rows[6].lr > rows[4].lr);
  CHECK(rows[10].lr <= rows[8].lr * 1.0000001);  // past the warmup: the cosine comes down
}
