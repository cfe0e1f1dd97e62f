// Hearth on a GPU: device "auto", every built-in model, loss, metric and optimizer, bf16 autocast,
// exact resume after SIGKILL, checkpoints moving between CPU and CUDA runs, and NCCL. Where
// LibTorch sees no GPU each test exits with CTest's skip code, so CTest lists it as skipped
// rather than passed (HEARTH_SKIP, tests/unit/catch.hpp).
#include <torch/cuda.h>

#include "unit/catch.hpp"
#include <nlohmann/json.hpp>

#include <fstream>
#include <thread>

#include "engine/core/loopback_port.hpp"
#include "engine/runs/checkpoint.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";
const std::string kRegression = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/csv-regression.toml";

/// Skips the test where LibTorch sees no GPU: a CUDA test must not count as passed where it did
/// not run.
void require_cuda() {
  if (!torch::cuda::is_available())
    HEARTH_SKIP("LibTorch sees no CUDA device; this test runs on a GPU machine (scripts/gpu/check.sh)");
}

nlohmann::json run_info(const fs::path& run) { return nlohmann::json::parse(read_text(run / "run.json")); }

/// `hearth run` of `job` on the GPU with `sets`; the run folder of a completed run.
fs::path cuda_run(const std::string& job, const std::string& sets, const fs::path& runs, const fs::path& cache) {
  CommandResult r = run_hearth("run " + job + " --runs-dir '" + runs.string() + "' --set 'job.device=\"cuda\"'" + sets, cache);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  fs::path run = single_run(runs);
  CHECK(run_info(run)["status"] == "completed");
  return run;
}

}  // namespace

TEST_CASE("CUDA: device auto picks the GPU and the run records it", "[cuda]") {
  require_cuda();
  TempDir runs, cache;
  CommandResult r = run_hearth("run " + kJob + " --runs-dir " + runs.path().string() + " --set 'job.device=\"auto\"'", cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto info = run_info(single_run(runs.path()));
  CHECK(info["device"] == "cuda");
  CHECK(info["best"]["value"].get<double>() > 0.8);
}

namespace {

/// A job on seeded random data with the given [model] and [optimizer] tables (TOML bodies).
fs::path write_job(const fs::path& folder, const std::string& input_shape, const std::string& model,
                   const std::string& optimizer, const std::string& extra = "") {
  const fs::path job = folder / "job.toml";
  std::ofstream(job) << "[job]\nname = \"cuda\"\nseed = 3\ndevice = \"cuda\"\n\n"
                     << "[dataset]\nplugin = \"random\"\ntrain_samples = 256\nvalid_samples = 64\ninput_shape = "
                     << input_shape << "\nclasses = 10\nbatch_size = 32\n\n"
                     << "[model]\n" << model << "\n\n[[losses]]\nplugin = \"cross_entropy\"\n\n"
                     << "[[metrics]]\nplugin = \"accuracy\"\n\n[optimizer]\n" << optimizer << "\n\n"
                     << "[train]\nepochs = 2\nmonitor = \"valid.loss\"\n" << extra;
  return job;
}

}  // namespace

TEST_CASE("CUDA: every built-in model trains on the GPU", "[cuda]") {
  require_cuda();
  const std::string adam = "plugin = \"adam\"\nlr = 0.01";
  const std::vector<std::pair<std::string, std::string>> models = {
      {"[8]", "plugin = \"mlp\"\nin_features = 8\nhidden = [32]\nout_features = 10"},
      {"[1, 28, 28]", "plugin = \"cnn\"\nin_channels = 1\ninput_size = 28\nclasses = 10"},
      {"[1, 28, 28]", "plugin = \"resnet\"\nin_channels = 1\ndepth = 1\nwidth = 8\nclasses = 10"},
  };
  for (const auto& [shape, model] : models) {
    DYNAMIC_SECTION(model) {
      TempDir dir, runs, cache;
      const fs::path run = cuda_run(write_job(dir.path(), shape, model, adam).string(), "", runs.path(), cache.path());
      CHECK(run_info(run)["timing"].size() == 2);
    }
  }
}

TEST_CASE("CUDA: every built-in loss metric and optimizer runs on the GPU", "[cuda]") {
  require_cuda();
  const std::string mlp = "plugin = \"mlp\"\nin_features = 8\nhidden = [32]\nout_features = 10";
  for (const std::string optimizer : {"sgd", "adam", "adamw", "rmsprop", "adagrad", "adamw_schedule_free"}) {
    DYNAMIC_SECTION(optimizer) {
      TempDir dir, runs, cache;
      cuda_run(write_job(dir.path(), "[8]", mlp, "plugin = \"" + optimizer + "\"\nlr = 0.01").string(), "", runs.path(),
               cache.path());
    }
  }
  const std::string sgd = "plugin = \"sgd\"\nlr = 0.1";
  for (const std::string sets : {" --set 'losses.0.plugin=\"nll\"'", " --set 'metrics.0.plugin=\"precision\"'",
                                 " --set 'metrics.0.plugin=\"recall\"'", " --set 'metrics.0.plugin=\"f_score\"'",
                                 " --set 'metrics.0.plugin=\"top_k\"'"}) {
    DYNAMIC_SECTION(sets) {
      TempDir dir, runs, cache;
      cuda_run(write_job(dir.path(), "[8]", mlp, sgd).string(), sets, runs.path(), cache.path());
    }
  }
  for (const std::string loss : {"mse", "mae"}) {
    DYNAMIC_SECTION(loss) {
      TempDir runs, cache;
      cuda_run(kRegression, " --set train.epochs=3 --set 'losses.0.plugin=\"" + loss + "\"'", runs.path(), cache.path());
    }
  }
}

TEST_CASE("CUDA: bf16 autocast trains on the GPU", "[cuda]") {
  require_cuda();
  TempDir runs, cache;
  const fs::path run = cuda_run(kJob, " --set train.precision=\"bf16\"", runs.path(), cache.path());
  CHECK(run_info(run)["best"]["value"].get<double>() > 0.8);  // learns despite bf16 matmuls
  CheckpointState last = load_checkpoint(run / "checkpoints/last.pt");
  CHECK(last.epoch == 6);
}

TEST_CASE("CUDA: a run killed with SIGKILL resumes to bitwise identical weights", "[cuda]") {
  require_cuda();
  const std::string sets = " --set 'job.device=\"cuda\"' --set dataset.train_samples=24000 --set dataset.batch_size=16"
                           " --set train.epochs=4 --set 'model.hidden=[64, 64]'";
  TempDir whole, killed, cache;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + whole.path().string() + sets, cache.path()).exit_code == 0);
  BackgroundHearth h = start_hearth("run " + kJob + " --runs-dir '" + (killed / "runs").string() + "'" + sets, cache.path(),
                                    killed.path());
  const fs::path run = wait_for_epochs(killed / "runs", 2, h, 120);
  REQUIRE(run_command("kill -9 $(cat '" + h.pid.string() + "')").exit_code == 0);
  h.wait(10);
  REQUIRE(run_info(run)["status"] == "running");  // it died mid-run

  CommandResult resumed = run_hearth("resume " + run.string(), cache.path());
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  const fs::path reference = single_run(whole.path());
  CHECK(read_text(run / "metrics.csv") == read_text(reference / "metrics.csv"));
  CheckpointState a = load_checkpoint(reference / "checkpoints/last.pt");
  CheckpointState b = load_checkpoint(run / "checkpoints/last.pt");
  CHECK(a.model == b.model);
  CHECK(a.step == b.step);
}

TEST_CASE("CUDA: checkpoints move between CPU and GPU runs", "[cuda]") {
  require_cuda();
  TempDir runs, cache;
  // Trained on the GPU, scored on the CPU: the same weights give the same valid accuracy.
  const fs::path gpu_run = cuda_run(kJob, " --set train.epochs=2", runs / "gpu", cache.path());
  CommandResult on_gpu = run_hearth("eval " + gpu_run.string() + " --checkpoint last", cache.path());
  CommandResult on_cpu = run_hearth("eval " + gpu_run.string() + " --checkpoint last --device cpu", cache.path());
  INFO(on_gpu.output << on_cpu.output);
  REQUIRE(on_gpu.exit_code == 0);
  REQUIRE(on_cpu.exit_code == 0);
  // Accuracy counts the same argmaxes on both devices (the losses may differ in the last bits).
  auto accuracy = [](const std::string& out) {
    const size_t at = out.find("valid.accuracy");
    REQUIRE(at != std::string::npos);
    return std::stod(out.substr(out.find_first_of("0123456789", at)));
  };
  CHECK(accuracy(on_cpu.output) == Approx(accuracy(on_gpu.output)).margin(1.0 / 128));

  // Started on the CPU, resumed on the GPU: the checkpoint's tensors move with it.
  // Started on the CPU and stopped with Ctrl-C after its first epoch, continued on the GPU.
  BackgroundHearth h = start_hearth("run " + kJob + " --runs-dir '" + (runs / "cpu").string() +
                                        "' --set dataset.train_samples=24000 --set dataset.batch_size=16 --set train.epochs=3",
                                    cache.path(), runs.path());
  const fs::path cpu_run = wait_for_epochs(runs / "cpu", 1, h, 120);
  REQUIRE(run_command("kill -INT $(cat '" + h.pid.string() + "')").exit_code == 0);
  h.wait();
  REQUIRE(run_info(cpu_run)["status"] == "interrupted");
  CommandResult more = run_hearth("resume " + cpu_run.string() + " --device cuda", cache.path());
  INFO(more.output);
  REQUIRE(more.exit_code == 0);
  CHECK(run_info(cpu_run)["status"] == "completed");
  CHECK(load_checkpoint(cpu_run / "checkpoints/last.pt").epoch == 3);
}

TEST_CASE("CUDA: the NCCL backend trains a world of one on the GPU", "[cuda][distributed]") {
  require_cuda();
  TempDir runs, cache;
  const std::string env = "RANK=0 WORLD_SIZE=1 LOCAL_RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_loopback_port()) + " ";
  CommandResult r = run_command("cd '" + runs.path().string() + "' && env " + env + "NO_COLOR=1 HEARTH_CACHE_DIR='" +
                                cache.path().string() + "' '" HEARTH_EXE "' run " + kJob + " --runs-dir '" +
                                runs.path().string() + "' --set 'job.device=\"cuda\"' --set 'distributed.backend=\"nccl\"' 2>&1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("nccl"));
  auto info = run_info(single_run(runs.path()));
  CHECK(info["status"] == "completed");
  CHECK(info["best"]["value"].get<double>() > 0.8);
}
