// Run records and files that are damaged or not what they claim (issue 12, parts 4 and 5): one bad
// run.json does not hide the others, every complaint names the file, and special files are refused
// before anything blocks on them.
#include "unit/catch.hpp"

#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/runs/checkpoint.hpp"
#include "engine/runs/run_folder.hpp"
#include "unit/test_support.hpp"
#include "engine/core/atomic_file.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

void write_run(const fs::path& runs, const std::string& name, const std::string& run_json) {
  const fs::path run = runs / "job" / name;
  fs::create_directories(run);
  std::ofstream(run / "run.json") << run_json;
}

}  // namespace

TEST_CASE("runs list shows a damaged run.json as damaged and lists the others", "[runs][damage]") {
  TempDir runs, cache;
  write_run(runs.path(), "a-good", R"({"status": "completed", "epochs_done": 3, "created": "2026-11-23T01:00:00Z",
                                        "finished": "2026-11-23T01:00:30Z", "best": {"monitor": "valid.loss", "value": 0.5, "epoch": 2}})");
  write_run(runs.path(), "b-garbage", "{\"status\": \"comp");
  write_run(runs.path(), "c-wrong-type", R"({"status": 5, "epochs_done": 3})");
  write_run(runs.path(), "d-bad-best", R"({"status": "completed", "best": "0.5"})");

  CommandResult r = run_hearth("runs list --runs-dir '" + runs.path().string() + "'", cache.path());
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("job/a-good"));
  CHECK_THAT(r.output, ContainsSubstring("completed"));
  CHECK_THAT(r.output, ContainsSubstring("0:00:30"));
  CHECK_THAT(r.output, ContainsSubstring("job/b-garbage/run.json is unreadable"));
  CHECK_THAT(r.output, ContainsSubstring("job/c-wrong-type/run.json: \"status\" is not a string"));
  CHECK_THAT(r.output, ContainsSubstring("job/d-bad-best/run.json: \"best\" is not an object"));

  CommandResult j = run_hearth("runs list --json --runs-dir '" + runs.path().string() + "'", cache.path());
  INFO(j.output);
  REQUIRE(j.exit_code == 0);
  auto listed = nlohmann::json::parse(j.output.substr(j.output.find('[')));
  REQUIRE(listed.size() == 4);
  CHECK(listed[0]["status"] == "completed");
  CHECK(listed[1]["status"] == "damaged");
  CHECK(listed[2]["status"] == "damaged");
  CHECK_THAT(listed[2]["error"].get<std::string>(), ContainsSubstring("\"status\" is not a string"));

  CommandResult show = run_hearth("runs show '" + (runs / "job" / "c-wrong-type").string() + "'", cache.path());
  CHECK(show.exit_code != 0);
  CHECK_THAT(show.output, ContainsSubstring("c-wrong-type/run.json: \"status\" is not a string"));
}

TEST_CASE("packs and checkpoints that are FIFOs, devices or folders are refused at once", "[damage][special-files]") {
  TempDir dir, cache;
  const fs::path fifo = dir / "pack.hpack";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CommandResult info = run_hearth("pack info '" + fifo.string() + "'", cache.path());
  INFO(info.output);
  CHECK(info.exit_code == 2);
  CHECK_THAT(info.output, ContainsSubstring("is a FIFO, not a regular file"));
  CommandResult device = run_hearth("pack info /dev/zero", cache.path());
  CHECK(device.exit_code == 2);
  CHECK_THAT(device.output, ContainsSubstring("/dev/zero is a character device"));

  // A run whose last checkpoint was replaced by a FIFO: eval says so instead of blocking.
  CommandResult run = run_hearth("run " HEARTH_SOURCE_DIR "/assets/jobs/random-smoke.toml --set train.epochs=1 --runs-dir " +
                                     (dir / "runs").string(),
                                 cache.path());
  REQUIRE(run.exit_code == 0);
  const fs::path last = single_run(dir / "runs") / "checkpoints" / "last.pt";
  fs::remove(last);
  REQUIRE(::mkfifo(last.c_str(), 0600) == 0);
  CommandResult eval = run_hearth("eval '" + single_run(dir / "runs").string() + "' --checkpoint last", cache.path());
  INFO(eval.output);
  CHECK(eval.exit_code != 0);
  CHECK_THAT(eval.output, ContainsSubstring("checkpoints/last.pt is a FIFO, not a regular file"));
}

namespace {

/// While alive, files this process writes stop at 4 KB: a write fails part-way, as on a full
/// disk (EFBIG where a full disk gives ENOSPC).
struct FileSizeLimit {
  rlimit saved{};
  FileSizeLimit() {
    ::getrlimit(RLIMIT_FSIZE, &saved);
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit small{4096, saved.rlim_max};
    ::setrlimit(RLIMIT_FSIZE, &small);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved);
    ::signal(SIGXFSZ, SIG_DFL);
  }
};

}  // namespace

TEST_CASE("a failed write says why and keeps the old file without leaving a temporary", "[damage][writes]") {
  TempDir dir;
  const fs::path file = dir / "run.json";
  write_file_atomically(file, "old");
  {
    FileSizeLimit limit;
    CHECK_THROWS_WITH(write_file_atomically(file, std::string(1 << 20, 'x')),
                      ContainsSubstring("cannot write " + file.string() + ": File too large"));
  }
  CHECK(read_text(file) == "old");
  CHECK_FALSE(fs::exists(dir / "run.json.tmp"));
  // Another reason is that reason, not "check free space".
  CHECK_THROWS_WITH(write_file_atomically(file / "inside", "x"), ContainsSubstring("Not a directory"));
}

TEST_CASE("a checkpoint write that fails part-way keeps the previous checkpoint and says why", "[damage][writes][checkpoint]") {
  TempDir dir;
  const fs::path last = dir / "checkpoints" / "last.pt";
  CheckpointState small;
  small.model = "weights";
  small.epoch = 1;
  small.rng = at::empty({0}, at::kByte);
  save_checkpoint(last, small);
  CheckpointState big = small;
  big.model = std::string(1 << 20, 'w');
  big.epoch = 2;
  {
    FileSizeLimit limit;
    // Before: LibTorch's writer threw from its destructor and the process ended in std::terminate.
    CHECK_THROWS_WITH(save_checkpoint(last, big), ContainsSubstring("cannot write checkpoint " + last.string() +
                                                                     ": File too large; the previous checkpoint is untouched"));
  }
  CHECK_FALSE(fs::exists(dir / "checkpoints" / "last.pt.tmp"));
  CHECK(load_checkpoint(last).epoch == 1);
}

TEST_CASE("damage to run.json or metrics.csv is named with the file and line when a run is resumed", "[damage][runs]") {
  TempDir runs, cache;
  REQUIRE(run_hearth("run " HEARTH_SOURCE_DIR "/assets/jobs/random-smoke.toml --set train.epochs=2 --runs-dir " +
                         runs.path().string(),
                     cache.path())
              .exit_code == 0);
  const fs::path run = single_run(runs.path());
  nlohmann::json info = nlohmann::json::parse(read_text(run / "run.json"));
  info["status"] = "interrupted";
  info["epochs_done"] = 1;
  SECTION("a field of the wrong type") {
    info["plugin_paths"] = 5;  // before: [json.exception.type_error.302] type must be array, naming nothing
    write_file_atomically(run / "run.json", info.dump());
    CommandResult r = run_hearth("resume " + run.string(), cache.path());
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.output, ContainsSubstring((run / "run.json").string() + ": \"plugin_paths\" is not a list"));
  }
  SECTION("a metrics.csv row that is not a number") {
    write_file_atomically(run / "run.json", info.dump());
    std::string csv = read_text(run / "metrics.csv");
    csv.replace(csv.find('\n') + 1, 1, "x");  // the first row's epoch cell: before, "error: stoll"
    write_file_atomically(run / "metrics.csv", csv);
    CommandResult r = run_hearth("resume " + run.string(), cache.path());
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.output, ContainsSubstring((run / "metrics.csv").string() + ":2: 'x' is not an epoch number"));
  }
}

TEST_CASE("a --set naming a list entry by anything but its index is a usage error", "[damage][set]") {
  TempDir cache;
  CommandResult r = run_hearth("check " HEARTH_SOURCE_DIR "/assets/jobs/random-smoke.toml --set losses.x=1", cache.path());
  INFO(r.output);
  CHECK(r.exit_code == 2);  // before: "error: stoul", exit 1
  CHECK_THAT(r.output, ContainsSubstring("'x' names an entry of a list; use its index"));
  CHECK(run_hearth("check " HEARTH_SOURCE_DIR "/assets/jobs/random-smoke.toml --set losses.7.weight=1", cache.path()).exit_code == 2);
}

namespace {

/// csv-regression.toml copied beside `folder`'s data, its `file` replaced by `data_file`.
fs::path csv_job(const fs::path& folder, const std::string& data_file) {
  std::string job = read_text(HEARTH_SOURCE_DIR "/assets/jobs/csv-regression.toml");
  const std::string from = "\"../data/linear-regression.csv\"";
  job.replace(job.find(from), from.size(), "\"" + data_file + "\"");
  std::ofstream(folder / "job.toml") << job;
  return folder / "job.toml";
}

}  // namespace

TEST_CASE("a data file that is a FIFO a device or a folder is refused when the job is checked", "[damage][special-files]") {
  TempDir dir, cache;
  REQUIRE(::mkfifo((dir / "fifo.csv").c_str(), 0600) == 0);
  fs::create_directories(dir / "folder.csv");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"fifo.csv", "is a FIFO, not a regular file"},
      {"/dev/zero", "/dev/zero is a character device, not a regular file"},
      {"folder.csv", "is a folder, not a regular file"},
      {"missing.csv", "does not exist"}};
  for (const auto& [file, why] : cases) {
    DYNAMIC_SECTION(file) {
      const fs::path job = csv_job(dir.path(), file);
      for (const char* command : {"check", "run"}) {
        // Before: check passed, and run blocked on the FIFO forever or read /dev/zero until memory ran out.
        const std::string runs = std::string(command) == "run" ? " --runs-dir " + (dir / "runs").string() : "";
        CommandResult r = run_hearth(std::string(command) + " " + job.string() + runs, cache.path());
        INFO(r.output);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, ContainsSubstring(job.string() + ":11:8: [dataset] dataset 'csv': 'file' ="));
        CHECK_THAT(r.output, ContainsSubstring(why));
      }
    }
  }
  SECTION("a folder parameter that names a file") {
    CommandResult r = run_hearth("check " HEARTH_SOURCE_DIR "/assets/jobs/fashion-mnist-mlp.toml --set dataset.folder=/etc/hostname",
                                 cache.path());
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, ContainsSubstring("'folder' = /etc/hostname is not a folder"));
  }
}

TEST_CASE("sizes that cannot fit are refused with the plugin and the size and huge batches are the whole split", "[damage][sizes]") {
  TempDir runs, cache;
  const std::string base = "run " HEARTH_SOURCE_DIR "/assets/jobs/random-smoke.toml --runs-dir " + runs.path().string() +
                           " --set train.epochs=1 --plugin-path " + test_plugin_dir("misbehaving").string();
  for (const std::string size : {"-5", "1099511627776"}) {
    DYNAMIC_SECTION("size " << size) {
      CommandResult r = run_hearth(base + " --set \"dataset={plugin='misreporting',size=" + size + "}\" --set model.in_features=4 "
                                          "--set model.out_features=2 --set train.monitor=train.loss",
                                   cache.path());
      INFO(r.output);
      CHECK(r.exit_code == 1);  // before: std::bad_alloc, or vector::reserve's length_error
      CHECK_THAT(r.output, ContainsSubstring("libmisbehaving.so, dataset 'misreporting': size reported " + size +
                                             " samples for the train split"));
    }
  }
  SECTION("a batch larger than the split trains on the whole split") {
    CommandResult r = run_hearth(base + " --set dataset.batch_size=9223372036854775807", cache.path());
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(last_metrics_row(single_run(runs.path()) / "metrics.csv").at("step") == 1);
  }
}

TEST_CASE("a bad value at run time is blamed on the module that produced it", "[damage][blame]") {
  TempDir runs, cache;
  const std::string base = "run " HEARTH_SOURCE_DIR "/assets/jobs/random-smoke.toml --runs-dir " + runs.path().string() +
                           " --set train.epochs=1 --set train.monitor=train.loss --plugin-path " +
                           test_plugin_dir("misbehaving").string() + " --set \"dataset={plugin='misreporting',size=16";
  const std::string lib = (test_plugin_dir("misbehaving") / "libmisbehaving.so").string();
  struct Case {
    std::string sets, blame;
  };
  const std::vector<Case> cases = {
      // Before: a raw c10 error with a 20-frame backtrace.
      {"}\" --set \"model={plugin='misbehaving_model',how='detached'}\"",
       "model 'misbehaving_model' (" + lib + "): forward returned outputs that do not require grad"},
      // Before: blamed on the job's `output` key.
      {"}\" --set \"model={plugin='misbehaving_model',how='none'}\"",
       "plugin " + lib + ", model 'misbehaving_model': forward returned no outputs"},
      // Before: blamed on the loss.
      {",short_batches=true}\" --set \"model={plugin='mlp',in_features=4,out_features=2}\"",
       "plugin " + lib + ", dataset 'misreporting': get_batch returned tensor 'x' with 15 samples for the 16 asked"},
      {"}\" --set \"model={plugin='misbehaving_model',how='wide'}\"",
       "it was given the outputs of model 'misbehaving_model' (" + lib + "): [32, 2] Float"},
      // Before: "the job's losses returned a total that does not require grad", naming no loss; and
      // a second loss without gradient beside a good one was trained on as a constant.
      {"}\" --set \"model={plugin='mlp',in_features=4,out_features=2}\" --set \"losses=[{plugin='detached_loss'}]\"",
       "loss 'detached_loss' (" + lib + "), losses[0]: forward returned [] Float that does not require grad"},
      {"}\" --set \"model={plugin='mlp',in_features=4,out_features=2}\" --set "
       "\"losses=[{plugin='cross_entropy'},{plugin='detached_loss',how='integer'}]\"",
       "loss 'detached_loss' (" + lib + "), losses[1]: forward returned [] Long that does not require grad"},
      // Before: a metric's error showed no shapes, where a loss's did.
      {"}\" --set \"model={plugin='misbehaving_model',how='second_wide'}\" --set \"metrics=[{plugin='accuracy',output=1}]\"",
       "it was given the outputs of model 'misbehaving_model' (" + lib + "): [16, 2] Float, [32, 2] Float"},
      // A model that fails on its inputs is shown them, with the dataset that made them.
      {"}\" --set \"model={plugin='mlp',in_features=8,out_features=2}\"",
       "it was given the inputs of dataset 'misreporting' (" + lib + "): [16, 4] Float"},
      // The dtype policy at the dataset boundary.
      {",complex=true}\" --set \"model={plugin='mlp',in_features=4,out_features=2}\"",
       "dataset 'misreporting': get_batch returned tensor 'x' as complex numbers (ComplexFloat)"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    DYNAMIC_SECTION("case " << i) {
      CommandResult r = run_hearth(base + cases[i].sets, cache.path());
      INFO(r.output);
      CHECK(r.exit_code == 1);
      CHECK_THAT(r.output, ContainsSubstring(cases[i].blame));
      CHECK_THAT(r.output, !ContainsSubstring("frame #"));
    }
  }
}
