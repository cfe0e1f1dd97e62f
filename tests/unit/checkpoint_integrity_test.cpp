// Checkpoints are verified and crash-consistent (issue 12, part 3): a flipped byte is refused
// naming the file, resume says which other checkpoint is intact, and a kill between writing
// `last` and copying it to `best` is repaired instead of losing the best epoch.
#include "unit/catch.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/runs/checkpoint.hpp"
#include "engine/runs/run_folder.hpp"
#include "unit/test_support.hpp"
#include "engine/core/atomic_file.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

nlohmann::json run_info(const fs::path& run) { return nlohmann::json::parse(read_text(run / "run.json")); }

/// Flips one bit of the byte at `offset` of `file`.
void flip_byte(const fs::path& file, size_t offset) {
  std::string bytes = read_text(file);
  REQUIRE(offset < bytes.size());
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x10);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace

TEST_CASE("a flipped byte anywhere in a checkpoint's contents is refused naming the file", "[checkpoint][damage]") {
  TempDir dir;
  const fs::path file = dir / "last.pt";
  CheckpointState state;
  state.model = "MODEL-BYTES-" + std::string(100, 'm');
  state.optimizer = "OPTIMIZER-BYTES";
  state.epoch = 3;
  state.rng = at::empty({0}, at::kByte);
  save_checkpoint(file, state);
  REQUIRE(load_checkpoint(file).epoch == 3);
  for (const std::string marker : {"MODEL-BYTES-", "OPTIMIZER-BYTES"}) {
    DYNAMIC_SECTION(marker) {
      const size_t at = read_text(file).find(marker);
      REQUIRE(at != std::string::npos);  // LibTorch's archives store entries uncompressed
      flip_byte(file, at + 2);
      CHECK_THROWS_AS(load_checkpoint(file), ChecksumMismatch);
      CHECK_THROWS_WITH(load_checkpoint(file), ContainsSubstring("checkpoint " + file.string() + " fails its checksum"));
    }
  }
}

TEST_CASE("a damaged last checkpoint stops eval and resume and resume names the intact one", "[checkpoint][damage]") {
  TempDir runs, cache;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + runs.path().string() + " --set train.epochs=3", cache.path()).exit_code == 0);
  const fs::path run = single_run(runs.path());
  const int64_t best_epoch = run_info(run)["best"]["epoch"].get<int64_t>();
  nlohmann::json info = run_info(run);
  info["status"] = "interrupted";  // as if stopped: resume has something to do
  info["epochs_done"] = 3;
  write_file_atomically(run / "run.json", info.dump(2));
  const fs::path last = run / "checkpoints" / "last.pt";
  flip_byte(last, fs::file_size(last) / 2);

  // Before: eval reported a garbage loss and exited 0.
  CommandResult eval = run_hearth("eval " + run.string() + " --checkpoint last --split valid", cache.path());
  INFO(eval.output);
  CHECK(eval.exit_code != 0);
  CHECK_THAT(eval.output, ContainsSubstring("checkpoint " + last.string()));

  CommandResult resume = run_hearth("resume " + run.string(), cache.path());
  INFO(resume.output);
  CHECK(resume.exit_code != 0);
  CHECK_THAT(resume.output, ContainsSubstring("the run's `best` checkpoint (epoch " + std::to_string(best_epoch) + ") is intact"));
  CHECK_THAT(resume.output, ContainsSubstring("--checkpoint best"));

  CommandResult from_best = run_hearth("resume " + run.string() + " --checkpoint best", cache.path());
  INFO(from_best.output);
  REQUIRE(from_best.exit_code == 0);
  const nlohmann::json after = run_info(run);
  CHECK(after["status"] == "completed");
  CHECK(after["resumes"][0]["checkpoint"] == "best");
  CHECK(load_checkpoint(last).epoch == 3);  // trained again from the best epoch and rewritten
  // metrics.csv holds one row per epoch: the epochs after `best` were dropped and trained again.
  const std::string csv = read_text(run / "metrics.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 4);
}

TEST_CASE("a kill between writing last and copying best is repaired from last", "[checkpoint][kill]") {
  TempDir runs, cache;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + runs.path().string() + " --set train.epochs=2", cache.path()).exit_code == 0);
  const fs::path run = single_run(runs.path());
  const CheckpointState last = load_checkpoint(run / "checkpoints" / "last.pt");
  REQUIRE(last.has_best);
  REQUIRE(last.best_epoch == 2);  // the fixture improves in its second epoch
  nlohmann::json info = run_info(run);
  const double best_value = info["best"]["value"].get<double>();

  SECTION("resume repairs best and run.json") {
    // The state a SIGKILL after `last` and before `best` leaves: best.pt from epoch 1 (here:
    // gone), run.json still running with the older best.
    fs::remove(run / "checkpoints" / "best.pt");
    info["status"] = "running";
    info["best"]["epoch"] = 1;
    info["best"]["value"] = 0.5;
    info.erase("finished");
    write_file_atomically(run / "run.json", info.dump(2));
    CommandResult r = run_hearth("resume " + run.string(), cache.path());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, ContainsSubstring("best.pt is now epoch 2"));
    CHECK(load_checkpoint(run / "checkpoints" / "best.pt").epoch == 2);
    const nlohmann::json after = run_info(run);
    CHECK(after["best"]["epoch"] == 2);
    CHECK(after["best"]["value"].get<double>() == Approx(best_value));
    CHECK(after["status"] == "completed");
  }
  SECTION("eval of best repairs a run no process holds") {
    flip_byte(run / "checkpoints" / "best.pt", fs::file_size(run / "checkpoints" / "best.pt") / 2);
    CommandResult eval = run_hearth("eval " + run.string() + " --split valid", cache.path());
    INFO(eval.output);
    CHECK(eval.exit_code == 0);
    CHECK(load_checkpoint(run / "checkpoints" / "best.pt").epoch == 2);
  }
}

TEST_CASE("a run whose checkpoint meets a full disk fails saying so and resumes once there is room", "[checkpoint][writes]") {
  TempDir reference, full, cache;
  const std::string job = " --set train.epochs=2 --set 'model.hidden=[256, 256]'";  // a 550 kB checkpoint
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + reference.path().string() + job, cache.path()).exit_code == 0);
  // A file-size limit fails a write as a full disk does (EFBIG instead of ENOSPC); every other
  // file of the run fits under it.
  CommandResult r = run_command("trap '' XFSZ; ulimit -f 200; exec env -u HEARTH_PLUGIN_PATH HEARTH_CACHE_DIR='" +
                                cache.path().string() + "' '" HEARTH_EXE "' run " + kJob + " --runs-dir " + full.path().string() + job);
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, ContainsSubstring("cannot write checkpoint "));
  CHECK_THAT(r.output, ContainsSubstring("File too large"));
  const fs::path run = single_run(full.path());
  CHECK(run_info(run)["status"] == "failed");
  CHECK_FALSE(fs::exists(run / "checkpoints/last.pt.tmp"));

  CommandResult resumed = run_hearth("resume " + run.string(), cache.path());
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK(read_text(run / "metrics.csv") == read_text(single_run(reference.path()) / "metrics.csv"));
}
