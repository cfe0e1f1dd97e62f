// `hearth run`, `check` and `resume` end to end: validation, reproducibility, exact resume after
// SIGKILL and SIGINT, the NaN policy, broken checkpoints, failing writes and failing plugins.
#include <cairo.h>
#include "unit/catch.hpp"
#include <nlohmann/json.hpp>

#include <fstream>
#include <thread>

#include "engine/runs/checkpoint.hpp"
#include "engine/jobs/tensor_files.hpp"
#include "engine/runs/tensorboard_writer.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

nlohmann::json run_info(const fs::path& run) { return nlohmann::json::parse(read_text(run / "run.json")); }

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::trunc) << text; }

size_t csv_rows(const fs::path& csv) {
  std::string t = read_text(csv);
  return t.empty() ? 0 : static_cast<size_t>(std::count(t.begin(), t.end(), '\n')) - 1;
}

/// A job slow enough to be stopped part-way: several seconds of small batches.
std::string slow_job_sets() {
  return " --set dataset.train_samples=24000 --set dataset.batch_size=16 --set train.epochs=5"
         " --set 'model.hidden=[64, 64]'";
}

}  // namespace

TEST_CASE("hearth check lists every problem of a job with file line and column", "[jobs][validation]") {
  TempDir dir, cache;
  fs::path job = dir / "bad.toml";
  write(job,
        "[job]\nseed = \"one\"\n\n"
        "[dataset]\nplugin = \"random\"\nbatch_sise = 8\n\n"
        "[model]\nplugin = \"mlpp\"\n\n"
        "[[losses]]\nplugin = \"cross_entropy\"\nlabel_smoothing = 2.0\n\n"
        "[optimiser]\nplugin = \"sgd\"\n");
  CommandResult r = run_hearth("check " + job.string(), cache.path());
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, ContainsSubstring("bad.toml:2:8: [job]"));
  CHECK_THAT(r.output, ContainsSubstring("'seed' must be an integer, not a string"));
  CHECK_THAT(r.output, ContainsSubstring("bad.toml:6:1: [dataset] dataset 'random': unknown key 'batch_sise' (did you mean 'batch_size'?)"));
  CHECK_THAT(r.output, ContainsSubstring("bad.toml:9:10: [model] no model named 'mlpp'; did you mean 'mlp'?"));
  CHECK_THAT(r.output, ContainsSubstring("'label_smoothing' = 2 is above the maximum 1"));
  CHECK_THAT(r.output, ContainsSubstring("unknown section [optimiser] (did you mean 'optimizer'?)"));
  CHECK_THAT(r.output, ContainsSubstring("the job has no [optimizer] table"));

  CommandResult good = run_hearth("check " + kJob, cache.path());
  CHECK(good.exit_code == 0);
  CHECK_THAT(good.output, ContainsSubstring("OK: dataset random, model mlp"));
  CHECK(run_hearth("check " + kJob + " --set train.epochs=-1", cache.path()).exit_code == 2);
  CHECK(run_hearth("check " + kJob + " --set nonsense", cache.path()).exit_code == 2);
}

TEST_CASE("a job name that would leave the runs folder is refused at check time", "[jobs][validation][names]") {
  TempDir dir, cache;
  const fs::path runs = dir / "deep" / "runs";
  for (const std::string name : {"../../escape", "/tmp/abs", "two\nlines", ".hidden"}) {
    CommandResult r = run_hearth("run " + kJob + " --runs-dir " + runs.string() + " --set 'job.name=\"" +
                                     (name == "two\nlines" ? std::string("two\\nlines") : name) + "\"'",
                                 cache.path());
    INFO(name << ": " << r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, ContainsSubstring("which is not [A-Za-z0-9][A-Za-z0-9._-]*"));
  }
  CHECK_FALSE(fs::exists(dir / "escape"));
  CHECK_FALSE(fs::exists(runs));
  // A name from a file name that breaks the rule is no default: the error says to set one.
  std::string text = read_text(kJob);
  text.erase(text.find("name = \"random-smoke\"\n"), std::string("name = \"random-smoke\"\n").size());
  write(dir / "my job.toml", text);
  CommandResult spaced = run_hearth("check '" + (dir / "my job.toml").string() + "'", cache.path());
  CHECK(spaced.exit_code == 2);
  CHECK_THAT(spaced.output, ContainsSubstring("the job's name comes from its file name 'my job'"));
  CHECK_THAT(spaced.output, ContainsSubstring("set [job] name"));
}

TEST_CASE("a missing data file and a shape mismatch fail with the plugin and what to do", "[jobs][validation]") {
  TempDir runs, cache;
  CommandResult missing = run_hearth(
      "run " + kJob + " --runs-dir " + runs.path().string() + " --set dataset.plugin=idx --set dataset.folder=/nonexistent"
      " --set dataset.train_samples=1",
      cache.path());
  CHECK(missing.exit_code == 2);  // train_samples is not a key of idx: caught before anything runs
  CommandResult no_data = run_hearth("run " + std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/fashion-mnist-mlp.toml --runs-dir " +
                                         runs.path().string() + " --set dataset.folder=/nonexistent",
                                     cache.path());
  // A missing folder is caught when the job is checked (idx's `folder` is a folder parameter)...
  CHECK(no_data.exit_code == 2);
  CHECK_THAT(no_data.output, ContainsSubstring("dataset 'idx': 'folder' = /nonexistent is not a folder (it does not exist)"));
  // ...a missing file inside it when the dataset opens it.
  TempDir empty;
  CommandResult no_file = run_hearth("run " + std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/fashion-mnist-mlp.toml --runs-dir " +
                                         runs.path().string() + " --set dataset.folder=" + empty.path().string(),
                                     cache.path());
  CHECK(no_file.exit_code == 1);
  CHECK_THAT(no_file.output, ContainsSubstring("dataset 'idx': create failed: IDX file " + empty.path().string() +
                                               "/train-images-idx3-ubyte.gz does not exist"));

  TempDir runs2;
  CommandResult shape = run_hearth("run " + kJob + " --runs-dir " + runs2.path().string() + " --set model.in_features=5",
                                   cache.path());
  CHECK(shape.exit_code == 1);
  CHECK_THAT(shape.output, ContainsSubstring("model 'mlp': forward failed: mlp expects inputs of 5 features per sample"));
  CHECK(run_info(single_run(runs2.path()))["status"] == "failed");
}

TEST_CASE("a run writes its folder and one seed gives identical metrics.csv", "[jobs][reproducible]") {
  TempDir a, b, c, cache;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + a.path().string(), cache.path()).exit_code == 0);
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + b.path().string(), cache.path()).exit_code == 0);
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + c.path().string() + " --set job.seed=8", cache.path()).exit_code == 0);
  fs::path ra = single_run(a.path()), rb = single_run(b.path()), rc = single_run(c.path());
  for (const char* f : {"job.toml", "job.source.toml", "run.json", "metrics.csv", "hearth.log", "checkpoints/last.pt",
                        "checkpoints/best.pt"})
    CHECK(fs::exists(ra / f));
  CHECK(csv_rows(ra / "metrics.csv") == 6);
  CHECK(read_text(ra / "metrics.csv") == read_text(rb / "metrics.csv"));
  CHECK(read_text(ra / "metrics.csv") != read_text(rc / "metrics.csv"));
  auto info = run_info(ra);
  CHECK(info["status"] == "completed");
  CHECK(info["epochs_done"] == 6);
  CHECK(info["best"]["monitor"] == "valid.accuracy");
  CHECK(info["timing"].size() == 6);
  CHECK(info["timing"][0].contains("data_wait_seconds"));
  CHECK(info["plugins"][0]["sha256"].get<std::string>().size() == 64);
  CHECK_THAT(read_text(ra / "job.toml"), ContainsSubstring("plugin = \"builtin:mlp\""));
  CHECK(load_checkpoint(ra / "checkpoints/last.pt").model == load_checkpoint(rb / "checkpoints/last.pt").model);
}

TEST_CASE("subsample keeps a share of each split and never invents samples", "[jobs][data]") {
  TempDir runs, cache;
  // valid_samples = 0: the dataset has no valid split; subsampling must not make one up.
  CommandResult r = run_hearth("run " + kJob + " --runs-dir " + runs.path().string() +
                                   " --set dataset.valid_samples=0 --set dataset.subsample=0.5 --set train.epochs=1",
                               cache.path());
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("monitoring train.accuracy instead of valid.accuracy"));
  CHECK(run_info(single_run(runs.path()))["step"] == 8);  // 256 of 512 samples in batches of 32
}

TEST_CASE("TensorBoard events are framed records with valid masked CRC-32C", "[jobs][tensorboard]") {
  CHECK(crc32c("123456789", 9) == 0xE3069283u);  // the CRC-32C check value
  TempDir runs, cache;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + runs.path().string(), cache.path()).exit_code == 0);
  fs::path events;
  for (auto& e : fs::directory_iterator(single_run(runs.path())))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0) events = e.path();
  REQUIRE(!events.empty());
  std::string data = read_text(events);
  auto masked = [](uint32_t c) { return ((c >> 15) | (c << 17)) + 0xa282ead8u; };
  size_t at = 0, records = 0, accuracy_records = 0;
  while (at < data.size()) {
    REQUIRE(at + 12 <= data.size());
    uint64_t len;
    uint32_t len_crc, data_crc;
    std::memcpy(&len, data.data() + at, 8);
    std::memcpy(&len_crc, data.data() + at + 8, 4);
    CHECK(len_crc == masked(crc32c(data.data() + at, 8)));
    REQUIRE(at + 12 + len + 4 <= data.size());
    std::memcpy(&data_crc, data.data() + at + 12 + len, 4);
    CHECK(data_crc == masked(crc32c(data.data() + at + 12, len)));
    std::string payload = data.substr(at + 12, len);
    accuracy_records += payload.find("valid/accuracy") != std::string::npos;
    at += 12 + len + 4;
    ++records;
  }
  CHECK(accuracy_records == 6);
  CHECK(records > 6 * 4);
}

TEST_CASE("a run killed with SIGKILL resumes to bitwise identical weights", "[jobs][resume]") {
  TempDir whole, killed, cache;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + whole.path().string() + slow_job_sets(), cache.path()).exit_code == 0);

  // Start the same run in the background and kill it once two epochs are written.
  BackgroundHearth h = start_hearth("run " + kJob + " --runs-dir '" + (killed / "runs").string() + "'" + slow_job_sets(),
                                    cache.path(), killed.path());
  const fs::path run = wait_for_epochs(killed / "runs", 2, h);
  REQUIRE(run_command("kill -9 $(cat '" + h.pid.string() + "')").exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(run_info(run)["status"] == "running");  // it really died mid-run
  REQUIRE(csv_rows(run / "metrics.csv") < 5);

  CommandResult resumed = run_hearth("resume " + run.string(), cache.path());
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK(run_info(run)["status"] == "completed");
  fs::path reference = single_run(whole.path());
  CHECK(read_text(run / "metrics.csv") == read_text(reference / "metrics.csv"));
  CheckpointState a = load_checkpoint(reference / "checkpoints/last.pt");
  CheckpointState b = load_checkpoint(run / "checkpoints/last.pt");
  CHECK(a.model == b.model);
  // (Optimizer archives name parameters by their address in memory, so those bytes differ between
  // processes even when the state is the same; identical weights and metrics show it is.)
  CHECK(a.step == b.step);
}

namespace {

/// A slow run started in the background; `signal` is sent once its first epoch is in
/// metrics.csv, and the run has ended when this returns. Returns the run folder.
fs::path run_and_signal(const TempDir& stopped, const fs::path& cache, const std::string& signal, BackgroundHearth& h) {
  h = start_hearth("run " + kJob + " --runs-dir '" + (stopped / "runs").string() + "'" + slow_job_sets(), cache, stopped.path());
  const fs::path run = wait_for_epochs(stopped / "runs", 1, h);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // somewhere inside epoch 2
  INFO(read_text(h.out));
  REQUIRE(run_command("kill -" + signal + " $(cat '" + h.pid.string() + "')").exit_code == 0);
  h.wait();
  return run;
}

}  // namespace

TEST_CASE("SIGINT stops after writing last and resume continues mid-epoch exactly", "[jobs][resume]") {
  TempDir whole, stopped, cache;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + whole.path().string() + slow_job_sets(), cache.path()).exit_code == 0);
  BackgroundHearth h;
  const fs::path run = run_and_signal(stopped, cache.path(), "INT", h);
  CHECK(run_info(run)["status"] == "interrupted");
  CHECK(read_text(h.code) == "130\n");
  CHECK_THAT(read_text(h.out), ContainsSubstring("hearth resume"));
  CheckpointState at_stop = load_checkpoint(run / "checkpoints/last.pt");
  CHECK(at_stop.epoch < 5);

  REQUIRE(run_hearth("resume " + run.string(), cache.path()).exit_code == 0);
  CheckpointState a = load_checkpoint(single_run(whole.path()) / "checkpoints/last.pt");
  CheckpointState b = load_checkpoint(run / "checkpoints/last.pt");
  CHECK(a.model == b.model);
  CHECK(a.step == b.step);
}

TEST_CASE("SIGTERM and SIGHUP stop a run cleanly as Ctrl-C does", "[jobs][resume][signals]") {
  for (const auto& [signal, code] : {std::pair<std::string, int>{"TERM", 143}, {"HUP", 129}}) {
    TempDir stopped, cache;
    BackgroundHearth h;
    const fs::path run = run_and_signal(stopped, cache.path(), signal, h);
    INFO("SIG" << signal << ": " << read_text(h.out));
    CHECK(run_info(run)["status"] == "interrupted");
    CHECK(read_text(h.code) == std::to_string(code) + "\n");
    CHECK_THAT(read_text(h.out), ContainsSubstring("interrupted (SIG" + signal + ")"));
    CHECK(load_checkpoint(run / "checkpoints/last.pt").epoch < 5);
    CHECK(run_hearth("resume " + run.string(), cache.path()).exit_code == 0);
    CHECK(run_info(run)["status"] == "completed");
  }
}

TEST_CASE("the NaN policy stops with the epoch and step or skips and counts", "[jobs][nan]") {
  TempDir runs, skip_runs, cache;
  std::string blow_up = " --set optimizer.lr=1e30 --set optimizer.momentum=0.0";
  CommandResult stop = run_hearth("run " + kJob + " --runs-dir " + runs.path().string() + blow_up, cache.path());
  CHECK(stop.exit_code == 1);
  CHECK_THAT(stop.output, Matches("(.|\n)*the loss is (NaN|infinite) at epoch 1, train batch [0-9]+ \\(step [0-9]+\\)(.|\n)*"));
  CHECK(run_info(single_run(runs.path()))["status"] == "failed");

  CommandResult skip = run_hearth(
      "run " + kJob + " --runs-dir " + skip_runs.path().string() + blow_up + " --set train.nan_policy=skip", cache.path());
  CHECK(skip.exit_code == 0);
  std::string csv = read_text(single_run(skip_runs.path()) / "metrics.csv");
  std::string last = csv.substr(csv.rfind('\n', csv.size() - 2) + 1);
  CHECK(std::stoll(last.substr(last.rfind(',') + 1)) > 0);
}

TEST_CASE("a truncated checkpoint is refused clearly and a failed write keeps the old one", "[jobs][checkpoint]") {
  TempDir runs, cache;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + runs.path().string() + " --set train.epochs=2", cache.path()).exit_code == 0);
  fs::path run = single_run(runs.path());
  // Pretend the run was cut short and was meant to go on for 4 epochs.
  std::string job = read_text(run / "job.toml");
  job.replace(job.find("epochs = 2"), 10, "epochs = 4");
  write(run / "job.toml", job);
  auto info = run_info(run);
  info["status"] = "interrupted";
  write(run / "run.json", info.dump());

  // A write that fails (the temporary name is taken by a folder) leaves `last` as it was.
  std::string before = read_text(run / "checkpoints/last.pt");
  fs::create_directories(run / "checkpoints/last.pt.tmp/blocker");
  CommandResult failed = run_hearth("resume " + run.string(), cache.path());
  CHECK(failed.exit_code == 1);
  CHECK_THAT(failed.output, ContainsSubstring("cannot write checkpoint"));
  CHECK_THAT(failed.output, ContainsSubstring("the previous checkpoint is untouched"));
  CHECK(read_text(run / "checkpoints/last.pt") == before);
  fs::remove_all(run / "checkpoints/last.pt.tmp");

  // A truncated one is refused with its name.
  fs::resize_file(run / "checkpoints/last.pt", fs::file_size(run / "checkpoints/last.pt") / 2);
  info["status"] = "interrupted";
  write(run / "run.json", info.dump());
  CommandResult corrupt = run_hearth("resume " + run.string(), cache.path());
  CHECK(corrupt.exit_code == 1);
  CHECK_THAT(corrupt.output, ContainsSubstring("checkpoints/last.pt is truncated or corrupt"));
  CHECK_THROWS_WITH(load_checkpoint(run / "checkpoints/best.pt.missing"), ContainsSubstring("does not exist"));
}

TEST_CASE("an unwritable runs folder is a clear error", "[jobs][checkpoint]") {
  TempDir dir, cache;
  write(dir / "not-a-folder", "x");
  CommandResult r = run_hearth("run " + kJob + " --runs-dir " + (dir / "not-a-folder").string(), cache.path());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, ContainsSubstring("cannot create the runs folder"));
  CHECK_THAT(r.output, ContainsSubstring("--runs-dir"));
}

TEST_CASE("a plugin that throws mid-epoch fails the run with its name and leaves last usable", "[jobs][broken]") {
  TempDir runs, cache;
  // 512 samples in batches of 32: 16 forward calls per epoch, plus 4 for validation.
  CommandResult r = run_hearth("run " + kJob + " --runs-dir " + runs.path().string() + " --plugin-path " +
                                   test_plugin_dir("throwing").string() +
                                   " --set model.plugin=fails_after --set model.calls=30 --set 'model.hidden=[1]'",
                               cache.path());
  CHECK(r.exit_code == 2);  // hidden is not a key of fails_after
  fs::remove_all(runs.path());
  fs::create_directories(runs.path());
  CommandResult fail = run_hearth("run " + kJob + " --runs-dir " + runs.path().string() + " --plugin-path " +
                                      test_plugin_dir("throwing").string() +
                                      " --set \"model={plugin='fails_after',calls=30}\"",
                                  cache.path());
  CHECK(fail.exit_code == 1);
  CHECK_THAT(fail.output, ContainsSubstring("libthrowing.so, model 'fails_after': forward failed: planned failure at forward call 31"));
  fs::path run = single_run(runs.path());
  auto info = run_info(run);
  CHECK(info["status"] == "failed");
  CHECK_THAT(info["error"].get<std::string>(), ContainsSubstring("planned failure"));
  CheckpointState last = load_checkpoint(run / "checkpoints/last.pt");
  CHECK(last.epoch == 1);
}

TEST_CASE("eval and infer score and run a run's checkpoints", "[jobs][eval]") {
  TempDir runs, work, cache;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + runs.path().string(), cache.path()).exit_code == 0);
  fs::path run = single_run(runs.path());

  CommandResult eval = run_hearth("eval " + run.string() + " --split valid", cache.path());
  REQUIRE(eval.exit_code == 0);
  CHECK_THAT(eval.output, ContainsSubstring("checkpoint best"));
  auto saved = nlohmann::json::parse(read_text(run / "eval-valid-best.json"));
  auto info = run_info(run);
  CHECK(saved["values"]["valid.accuracy"].get<double>() == Approx(info["best"]["value"].get<double>()));
  CHECK(run_hearth("eval " + run.string() + " --split test --checkpoint last", cache.path()).exit_code == 0);
  CHECK(run_hearth("eval " + run.string() + " --split nope", cache.path()).exit_code == 2);

  CommandResult split = run_hearth("infer " + run.string() + " --split valid --out " + (work / "valid.csv").string(), cache.path());
  REQUIRE(split.exit_code == 0);
  at::Tensor from_csv = read_tensor_file(work / "valid.csv");
  CHECK(from_csv.sizes() == at::IntArrayRef({128, 3}));

  write_tensor_file(work / "inputs.npy", at::randn({5, 8}));
  CommandResult file = run_hearth("infer " + run.string() + " --input " + (work / "inputs.npy").string() + " --out " +
                                      (work / "out.npy").string(),
                                  cache.path());
  REQUIRE(file.exit_code == 0);
  CHECK(read_tensor_file(work / "out.npy").sizes() == at::IntArrayRef({5, 3}));

  write_tensor_file(work / "wrong.npy", at::randn({5, 7}));
  CommandResult wrong = run_hearth("infer " + run.string() + " --input " + (work / "wrong.npy").string(), cache.path());
  CHECK(wrong.exit_code == 1);
  CHECK_THAT(wrong.output, ContainsSubstring("mlp expects inputs of 8 features per sample"));
}

TEST_CASE("hearth runs lists shows and removes runs", "[jobs][runs]") {
  TempDir runs, cache;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + runs.path().string() + " --set train.epochs=2", cache.path()).exit_code == 0);
  fs::path run = single_run(runs.path());
  CommandResult list = run_hearth("runs --runs-dir " + runs.path().string(), cache.path());
  CHECK(list.exit_code == 0);
  CHECK_THAT(list.output, ContainsSubstring("completed"));
  CHECK_THAT(list.output, ContainsSubstring("valid.accuracy="));
  CommandResult show = run_hearth("runs show " + run.string(), cache.path());
  CHECK(show.exit_code == 0);
  CHECK_THAT(show.output, ContainsSubstring("builtin:mlp"));
  CHECK_THAT(show.output, ContainsSubstring("valid.accuracy"));
  CHECK(run_hearth("runs rm " + runs.path().string(), cache.path()).exit_code == 2);  // not a run folder
  CHECK(run_hearth("runs rm " + run.string(), cache.path()).exit_code == 0);
  CHECK_FALSE(fs::exists(run));
}

TEST_CASE("bf16 autocast trains on the CPU", "[jobs][precision]") {
  TempDir runs, cache;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + runs.path().string() + " --set train.precision=bf16", cache.path())
              .exit_code == 0);
  auto info = run_info(single_run(runs.path()));
  CHECK(info["status"] == "completed");
  CHECK(info["best"]["value"].get<double>() > 0.8);  // learns despite bf16 matmuls
}

TEST_CASE("datasets without batch fetch train through the sample pool and report its failures", "[jobs][data]") {
  TempDir dir, runs, cache;
  for (int c = 0; c < 2; ++c) {
    fs::create_directories(dir / "images" / ("class" + std::to_string(c)));
    for (int i = 0; i < 12; ++i) {
      cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 8, 8);
      cairo_t* cr = cairo_create(s);
      cairo_set_source_rgb(cr, c, (i % 3) / 3.0, 0.5);
      cairo_paint(cr);
      cairo_destroy(cr);
      cairo_surface_write_to_png(s, (dir / "images" / ("class" + std::to_string(c)) / (std::to_string(i) + ".png")).c_str());
      cairo_surface_destroy(s);
    }
  }
  write(dir / "job.toml",
        "[job]\nseed = 1\ndevice = 'cpu'\n[dataset]\nplugin = 'image_folder'\nfolder = 'images'\nbatch_size = 5\n"
        "workers = 3\n[model]\nplugin = 'cnn'\nin_channels = 3\ninput_size = 8\nclasses = 2\n"
        "[[losses]]\nplugin = 'cross_entropy'\n[[metrics]]\nplugin = 'accuracy'\n[optimizer]\nplugin = 'adam'\nlr = 0.01\n"
        "[train]\nepochs = 3\nmonitor = 'train.accuracy'\n");
  CommandResult ok = run_hearth("run " + (dir / "job.toml").string() + " --runs-dir " + runs.path().string(), cache.path());
  INFO(ok.output);
  REQUIRE(ok.exit_code == 0);
  CHECK(csv_rows(single_run(runs.path()) / "metrics.csv") == 3);

  std::ofstream(dir / "images" / "class1" / "zz-broken.jpg") << "not a jpeg";
  TempDir runs2;
  CommandResult bad = run_hearth("run " + (dir / "job.toml").string() + " --runs-dir " + runs2.path().string(), cache.path());
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.output, ContainsSubstring("dataset 'image_folder': get failed: cannot read JPEG"));
}
