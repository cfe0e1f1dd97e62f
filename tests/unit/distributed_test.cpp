// Data-parallel training over c10d (Gloo over loopback): the world each launcher describes, the
// same weights as one process with the whole batch, exact validation numbers, and the launchers.
#include "unit/catch.hpp"

#include <ATen/ATen.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/core/cpu_affinity.hpp"
#include "engine/core/error.hpp"
#include "engine/distributed/world.hpp"
#include "engine/runs/checkpoint.hpp"
#include "engine/jobs/tensor_files.hpp"
#include "engine/core/loopback_port.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

World world_of(std::map<std::string, std::string> vars) {
  return detect_world([&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

/// 50 SGD steps of 64 samples, no dropout, no schedule: the job both shapes train.
std::string fifty_steps(int batch) {
  return " --set dataset.train_samples=3200 --set dataset.batch_size=" + std::to_string(batch) +
         " --set model.dropout=0.0 --set train.epochs=1 --set 'scheduler={plugin=\"step\",step_size=100}'"
         " --set optimizer.momentum=0.5";
}

/// The model's outputs on the valid split of `run`'s dataset, from its `last` checkpoint.
at::Tensor outputs_of(const fs::path& run, const fs::path& out, const fs::path& cache) {
  CommandResult r = run_hearth("infer " + run.string() + " --checkpoint last --split valid --out " + out.string(), cache);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return read_tensor_file(out);
}

/// `hearth ARGS` as one rank, with a launcher's variables in `vars`.
CommandResult run_with_env(const std::string& vars, const std::string& args, const fs::path& cache) {
  return run_command("env -u HEARTH_PLUGIN_PATH NO_COLOR=1 HEARTH_CACHE_DIR='" + cache.string() + "' " + vars + " '" HEARTH_EXE
                     "' " + args);
}

}  // namespace

TEST_CASE("each launcher's variables describe the world", "[distributed]") {
  CHECK_FALSE(world_of({}).distributed());
  World t = world_of({{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"},
                      {"MASTER_ADDR", "10.0.0.1"}, {"MASTER_PORT", "29555"}});
  CHECK(t.source == "torchrun");
  CHECK((t.rank == 1 && t.size == 4 && t.local_rank == 1 && t.local_size == 2));
  CHECK((t.master_addr == "10.0.0.1" && t.master_port == 29555));
  CHECK(world_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"HEARTH_LAUNCHER", "nproc"}}).source == "hearth --nproc");

  World m = world_of({{"OMPI_COMM_WORLD_RANK", "3"}, {"OMPI_COMM_WORLD_SIZE", "4"}, {"OMPI_COMM_WORLD_LOCAL_RANK", "3"},
                      {"OMPI_COMM_WORLD_LOCAL_SIZE", "4"}});
  CHECK((m.source == "Open MPI" && m.rank == 3 && m.size == 4 && m.master_addr == "127.0.0.1"));
  CHECK_THROWS_WITH(world_of({{"OMPI_COMM_WORLD_RANK", "3"}, {"OMPI_COMM_WORLD_SIZE", "4"},
                              {"OMPI_COMM_WORLD_LOCAL_RANK", "1"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}}),
                    ContainsSubstring("pass -x MASTER_ADDR"));

  World s = world_of({{"SLURM_PROCID", "5"}, {"SLURM_STEP_NUM_TASKS", "8"}, {"SLURM_LOCALID", "1"},
                      {"SLURM_STEP_TASKS_PER_NODE", "2(x4)"}, {"SLURM_JOB_NODELIST", "gpu[03-06]"}});
  CHECK((s.source == "Slurm" && s.rank == 5 && s.size == 8 && s.local_size == 2 && s.master_addr == "gpu03"));
  // A batch script's own environment (no srun step) is one process, not rank 0 of a group.
  CHECK_FALSE(world_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "8"}}).distributed());
  CHECK(first_slurm_host("cpu1,gpu[2-3]") == "cpu1");

  CHECK_THROWS_WITH(world_of({{"RANK", "2"}, {"WORLD_SIZE", "2"}}), ContainsSubstring("not below the world size"));
  CHECK_THROWS_WITH(world_of({{"RANK", "x"}, {"WORLD_SIZE", "2"}}), ContainsSubstring("RANK='x' is not a whole number"));
}

TEST_CASE("2 ranks of batch 32 train the weights of 1 process of batch 64", "[distributed]") {
  TempDir one, two, work, cache;
  CommandResult single = run_hearth("run " + kJob + fifty_steps(64) + " --runs-dir " + one.path().string(), cache.path());
  REQUIRE(single.exit_code == 0);
  CommandResult pair = run_hearth("run " + kJob + fifty_steps(32) + " --nproc 2 --runs-dir " + two.path().string(), cache.path());
  INFO(pair.output);
  REQUIRE(pair.exit_code == 0);
  fs::path a = single_run(one.path()), b = single_run(two.path());
  auto info = nlohmann::json::parse(read_text(b / "run.json"));
  CHECK(info["distributed"]["world_size"] == 2);
  CHECK(info["distributed"]["launcher"] == "hearth --nproc");
  CHECK(info["step"] == 50);
  CHECK(fs::exists(b / "hearth.rank-1.log"));
  CHECK_FALSE(fs::exists(b / "hearth.rank-0.log"));

  at::Tensor ya = outputs_of(a, work / "a.npy", cache.path()), yb = outputs_of(b, work / "b.npy", cache.path());
  CHECK(ya.sizes() == yb.sizes());
  CHECK(at::allclose(ya, yb, 1e-4, 1e-5));
  // The weights moved: the comparison is not between two untrained models.
  std::map<std::string, double> ra = last_metrics_row(a / "metrics.csv"), rb = last_metrics_row(b / "metrics.csv");
  CHECK(ra.at("train.loss") == Approx(rb.at("train.loss")).epsilon(1e-4));
  CHECK(ra.at("valid.loss") == Approx(rb.at("valid.loss")).epsilon(1e-4));
  CHECK(ra.at("valid.accuracy") > 0.5);
}

TEST_CASE("with batch norm every rank follows rank 0's statistics and valid numbers are the whole split's", "[distributed]") {
  TempDir runs, cache;
  CommandResult r = run_hearth("run " + kJob + fifty_steps(32) + " --set model.batch_norm=true --set train.epochs=2 --nproc 2 --runs-dir " +
                                   runs.path().string(),
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  fs::path run = single_run(runs.path());
  // hearth eval in one process reproduces what the two ranks reported for the same checkpoint.
  REQUIRE(run_hearth("eval " + run.string() + " --checkpoint last --split valid", cache.path()).exit_code == 0);
  auto scored = nlohmann::json::parse(read_text(run / "eval-valid-last.json"));
  std::map<std::string, double> row = last_metrics_row(run / "metrics.csv");
  CHECK(scored["samples"] == 128);
  CHECK(scored["values"]["valid.accuracy"].get<double>() == Approx(row.at("valid.accuracy")).epsilon(1e-7));
  CHECK(scored["values"]["valid.loss"].get<double>() == Approx(row.at("valid.loss")).epsilon(1e-6));
}

TEST_CASE("2 ranks keep the same weight average as each other and as 1 process of the whole batch", "[distributed][ema]") {
  TempDir one, two, work, cache;
  const std::string ema = " --set train.ema=0.9 --set train.epochs=2";
  CommandResult single = run_hearth("run " + kJob + fifty_steps(64) + ema + " --runs-dir " + one.path().string(), cache.path());
  INFO(single.output);
  REQUIRE(single.exit_code == 0);
  CommandResult pair = run_hearth("run " + kJob + fifty_steps(32) + ema + " --nproc 2 --runs-dir " + two.path().string(), cache.path());
  INFO(pair.output);
  REQUIRE(pair.exit_code == 0);
  const fs::path a = single_run(one.path()), b = single_run(two.path());
  // Before each validation rank 1 takes rank 0's model, average swapped in, and says when any of
  // its parameters differed: its average followed rank 0's step by step.
  CHECK_THAT(read_text(b / "hearth.rank-1.log"), !ContainsSubstring("differed from rank 0's"));
  // The checkpoint's model is the average the ranks validated: one process scoring it finds their numbers.
  REQUIRE(run_hearth("eval " + b.string() + " --checkpoint last --split valid", cache.path()).exit_code == 0);
  auto scored = nlohmann::json::parse(read_text(b / "eval-valid-last.json"));
  std::map<std::string, double> row = last_metrics_row(b / "metrics.csv");
  CHECK(scored["values"]["valid.loss"].get<double>() == Approx(row.at("valid.loss")).epsilon(1e-6));
  CHECK(scored["values"]["valid.accuracy"].get<double>() == Approx(row.at("valid.accuracy")).epsilon(1e-7));
  // The average is the one a single process of the whole batch keeps.
  at::Tensor ya = outputs_of(a, work / "a.npy", cache.path()), yb = outputs_of(b, work / "b.npy", cache.path());
  CHECK(at::allclose(ya, yb, 1e-4, 1e-5));
  // ... and not the weights themselves: the checkpoint's training_model differs from its model.
  const CheckpointState state = load_checkpoint(b / "checkpoints" / "last.pt");
  REQUIRE_FALSE(state.training_model.empty());
  CHECK(state.model != state.training_model);
}

TEST_CASE("each launcher starts ranks that train one run", "[distributed][launchers]") {
  TempDir reference, runs, cache;
  const std::string job = "run " + kJob + " --set train.epochs=2 --runs-dir ";
  REQUIRE(run_hearth(job + reference.path().string() + " --nproc 2", cache.path()).exit_code == 0);
  const std::string expected = read_text(single_run(reference.path()) / "metrics.csv");
  const std::string port = std::to_string(free_loopback_port());
  std::string launcher;

  SECTION("torchrun's variables") {
    launcher = "torchrun";
    const std::string common = "WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port;
    CommandResult rank1;
    std::thread other([&] { rank1 = run_with_env("RANK=1 LOCAL_RANK=1 " + common, job + runs.path().string(), cache.path()); });
    CommandResult rank0 = run_with_env("RANK=0 LOCAL_RANK=0 " + common, job + runs.path().string(), cache.path());
    other.join();
    INFO(rank0.output + rank1.output);
    REQUIRE((rank0.exit_code == 0 && rank1.exit_code == 0));
  }
  SECTION("Open MPI's mpirun") {
    launcher = "Open MPI";
    CommandResult r = run_command("env -u HEARTH_PLUGIN_PATH NO_COLOR=1 HEARTH_CACHE_DIR='" + cache.path().string() +
                                  "' MASTER_PORT=" + port + " mpirun --allow-run-as-root --oversubscribe -np 2 -x MASTER_PORT " +
                                  "-x HEARTH_CACHE_DIR -x NO_COLOR '" HEARTH_EXE "' " + job + runs.path().string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
  }
  SECTION("Slurm's srun variables") {
    launcher = "Slurm";
    const std::string common = "SLURM_STEP_NUM_TASKS=2 SLURM_STEP_TASKS_PER_NODE=2 SLURM_STEP_NODELIST=localhost MASTER_PORT=" + port;
    CommandResult rank1;
    std::thread other([&] { rank1 = run_with_env("SLURM_PROCID=1 SLURM_LOCALID=1 " + common, job + runs.path().string(), cache.path()); });
    CommandResult rank0 = run_with_env("SLURM_PROCID=0 SLURM_LOCALID=0 " + common, job + runs.path().string(), cache.path());
    other.join();
    INFO(rank0.output + rank1.output);
    REQUIRE((rank0.exit_code == 0 && rank1.exit_code == 0));
  }
  fs::path run = single_run(runs.path());
  auto info = nlohmann::json::parse(read_text(run / "run.json"));
  CHECK(info["distributed"]["launcher"] == launcher);
  CHECK(info["distributed"]["world_size"] == 2);
  CHECK(read_text(run / "metrics.csv") == expected);
}

namespace {

/// What a rank's log says it is bound to ("CPU 1", "CPUs 2-3"), or "" when it is not.
std::string binding_in(const fs::path& log) {
  const std::string text = read_text(log);
  const size_t at = text.find(", on CPU");
  if (at == std::string::npos) return {};
  return text.substr(at + 5, text.find(';', at) - at - 5);
}

}  // namespace

TEST_CASE("run with nproc binds each rank to its own share of the CPUs unless told not to", "[distributed][launchers]") {
  if (allowed_cpus().size() < 2) {
    WARN("SKIPPED: this process may use one CPU only: there is nothing to share out");
    return;
  }
  TempDir runs, cache;
  const std::string job = "run " + kJob + " --set train.epochs=1 --nproc 2 --runs-dir ";
  REQUIRE(run_hearth(job + (runs / "bound").string(), cache.path()).exit_code == 0);
  const fs::path bound = single_run(runs / "bound");
  const std::string first = binding_in(bound / "hearth.log"), second = binding_in(bound / "hearth.rank-1.log");
  INFO(first + " / " + second);
  CHECK(first.rfind("CPU", 0) == 0);
  CHECK(second.rfind("CPU", 0) == 0);
  CHECK(first != second);
  REQUIRE(run_hearth(job + (runs / "free").string() + " --no-bind", cache.path()).exit_code == 0);
  const fs::path free = single_run(runs / "free");
  CHECK(binding_in(free / "hearth.log").empty());
  CHECK(binding_in(free / "hearth.rank-1.log").empty());
}

TEST_CASE("two local ranks train on one copy of Fashion-MNIST and score what one process scores", "[distributed][sharing]") {
  TempDir runs, cache;
  CommandResult r = run_hearth("run " HEARTH_SOURCE_DIR "/assets/jobs/fashion-mnist-mlp.toml --set dataset.subsample=0.02 "
                               "--set train.epochs=1 --set job.threads=1 --nproc 2 --runs-dir " + runs.path().string(),
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path run = single_run(runs.path());
  const std::string follower = read_text(run / "hearth.rank-1.log");
  INFO(follower);
  // Train and test images and labels: four tensors made by rank 0 and mapped by rank 1.
  size_t mapped = 0;
  for (size_t at = follower.find("mapped rank 0's copy"); at != std::string::npos; at = follower.find("mapped rank 0's copy", at + 1))
    ++mapped;
  CHECK(mapped == 4);
  CHECK(follower.find("keeps its own copy") == std::string::npos);
  CHECK(read_text(run / "hearth.log").find("made a shared tensor of 179 MB") != std::string::npos);
  // Rank 1 scored half of the valid split on the mapped pages: one process with its own copy of the
  // dataset reproduces the number.
  REQUIRE(run_hearth("eval " + run.string() + " --checkpoint last --split valid", cache.path()).exit_code == 0);
  auto scored = nlohmann::json::parse(read_text(run / "eval-valid-last.json"));
  std::map<std::string, double> row = last_metrics_row(run / "metrics.csv");
  CHECK(scored["values"]["valid.accuracy"].get<double>() == Approx(row.at("valid.accuracy")).epsilon(1e-7));
  CHECK(scored["values"]["valid.loss"].get<double>() == Approx(row.at("valid.loss")).epsilon(1e-6));
}

namespace {

/// Polls `done` every 50 ms for up to `seconds`; whether it came true.
bool eventually(const std::function<bool()>& done, double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

/// The pid run.json records for `rank` ("rank 1 (host, pid 4242)"), or 0 before it is there.
pid_t pid_of_rank(const fs::path& runs, int rank) {
  if (!fs::exists(runs)) return 0;
  for (auto& job : fs::directory_iterator(runs))
    for (auto& run : fs::directory_iterator(job.path())) {
      auto info = nlohmann::json::parse(read_text(run.path() / "run.json"), nullptr, false);
      if (info.is_discarded() || !info.contains("distributed")) continue;
      std::string text = info["distributed"]["ranks"][static_cast<size_t>(rank)];
      return static_cast<pid_t>(std::stol(text.substr(text.rfind("pid ") + 4)));
    }
  return 0;
}

size_t finished_epochs(const fs::path& runs) {
  if (!fs::exists(runs)) return 0;
  for (auto& job : fs::directory_iterator(runs))
    for (auto& run : fs::directory_iterator(job.path())) {
      std::string csv = fs::exists(run.path() / "metrics.csv") ? read_text(run.path() / "metrics.csv") : "";
      size_t lines = static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n'));
      return lines > 0 ? lines - 1 : 0;
    }
  return 0;
}

}  // namespace

TEST_CASE("a rank killed mid-epoch stops the others with its name, and resume finishes bitwise", "[distributed][faults]") {
  TempDir reference, killed, work, cache;
  const std::string job = "run " + kJob + " --set dataset.train_samples=16000 --set dataset.batch_size=16 --set train.epochs=3"
                          " --set distributed.timeout_seconds=20 --nproc 2 --runs-dir ";
  REQUIRE(run_hearth(job + reference.path().string(), cache.path()).exit_code == 0);

  const BackgroundHearth h = start_hearth(job + killed.path().string(), cache.path(), work.path());
  REQUIRE(eventually([&] { return finished_epochs(killed.path()) >= 1; }, 120));
  pid_t rank1 = pid_of_rank(killed.path(), 1);
  REQUIRE(rank1 > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // into epoch 2
  REQUIRE(::kill(rank1, SIGKILL) == 0);
  auto killed_at = std::chrono::steady_clock::now();
  REQUIRE(eventually([&] { return h.ended(); }, 60));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  INFO(read_text(h.out));
  CHECK(seconds < 20);  // well within the job's timeout: a closed connection is noticed at once
  CHECK(h.exit_code() != 0);
  CHECK_THAT(read_text(h.out), ContainsSubstring("rank 1 of 2 was killed by signal"));
  fs::path run = single_run(killed.path());
  auto info = nlohmann::json::parse(read_text(run / "run.json"));
  CHECK(info["status"] == "failed");
  CHECK_THAT(info["error"].get<std::string>(), ContainsSubstring("rank 1 (") && ContainsSubstring("stopped answering"));
  CHECK(info["epochs_done"] == 1);

  // A world size that cannot split the global batch (2 x 16) is refused before anything runs.
  CommandResult three = run_hearth("resume " + run.string() + " --nproc 3", cache.path());
  CHECK(three.exit_code == 2);
  CHECK_THAT(three.output, ContainsSubstring("global batch of 32 (2 x batch_size 16) that does not split over 3 processes"));

  CommandResult resumed = run_hearth("resume " + run.string() + " --nproc 2", cache.path());
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  fs::path ref = single_run(reference.path());
  CHECK(read_text(run / "metrics.csv") == read_text(ref / "metrics.csv"));
  CheckpointState a = load_checkpoint(ref / "checkpoints/last.pt"), b = load_checkpoint(run / "checkpoints/last.pt");
  CHECK(a.model == b.model);  // bitwise the same weights (optimizer archives hold addresses, as in jobs_test)
  CHECK((a.step == b.step && a.epoch == 3));
}

namespace {

/// A run of `job` started in the background on `nproc` processes (1: no launcher) and stopped by
/// SIGTERM inside its second epoch; returns the run folder.
fs::path stopped_in_epoch_two(const std::string& job, int nproc, const TempDir& runs, const fs::path& cache, int after_ms) {
  const BackgroundHearth h = start_hearth(job + (nproc > 1 ? " --nproc " + std::to_string(nproc) : "") + " --runs-dir " +
                                              (runs / "runs").string(), cache, runs.path());
  const fs::path run = wait_for_epochs(runs / "runs", 1, h, 120);
  std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));  // into epoch 2
  REQUIRE(::kill(static_cast<pid_t>(std::stol(read_text(h.pid))), SIGTERM) == 0);
  REQUIRE(h.wait(60));
  INFO(read_text(h.out));
  REQUIRE(nlohmann::json::parse(read_text(run / "run.json"))["status"] == "interrupted");
  return run;
}

}  // namespace

TEST_CASE("a run stopped mid-epoch resumes on another number of processes with the same global batch", "[distributed][resume]") {
  // No dropout: its masks are drawn per rank, so only without it do 2 x 16 and 1 x 32 see alike.
  // Epochs of half a second (1 process) to two (2 ranks), so that the SIGTERM lands inside
  // epoch 2; a small step without momentum, so that the float summation order changes the
  // weights by ~1e-6 only (another sample order changes them by ~0.1).
  const std::string job = "run " + kJob + " --set dataset.train_samples=16000 --set dataset.batch_size=16 --set train.epochs=3"
                          " --set 'model.hidden=[256]' --set model.dropout=0 --set optimizer.lr=0.02 --set optimizer.momentum=0"
                          " --set distributed.timeout_seconds=20";
  TempDir reference, two_to_one, one_to_two, work, cache;
  REQUIRE(run_hearth(job + " --nproc 2 --runs-dir " + reference.path().string(), cache.path()).exit_code == 0);
  const fs::path ref = single_run(reference.path());
  const at::Tensor want = outputs_of(ref, work / "reference.npy", cache.path());
  const int64_t want_step = load_checkpoint(ref / "checkpoints/last.pt").step;

  SECTION("2 ranks x 16, resumed on 1 process x 32") {
    const fs::path run = stopped_in_epoch_two(job, 2, two_to_one, cache.path(), 400);
    const CheckpointState at_stop = load_checkpoint(run / "checkpoints/last.pt");
    CommandResult resumed = run_hearth("resume " + run.string(), cache.path());
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    CHECK_THAT(resumed.output, ContainsSubstring("resumes on 1: each takes 32 samples of every global batch of 32"));
    auto info = nlohmann::json::parse(read_text(run / "run.json"));
    CHECK(info["resumes"].back()["world_size"] == 1);
    CHECK(info["distributed"]["world_size"] == 2);  // where it started
    CHECK((at_stop.epoch == 1 && at_stop.batch_in_epoch > 0));  // stopped inside epoch 2: a mid-epoch resume
    CHECK(load_checkpoint(run / "checkpoints/last.pt").step == want_step);  // the same steps, the same samples each
    // The same samples per step; only the sums' float order differs.
    CHECK(at::allclose(outputs_of(run, work / "two_to_one.npy", cache.path()), want, 1e-4, 1e-5));
  }
  SECTION("1 process x 32, resumed on 2 ranks x 16") {
    const fs::path run = stopped_in_epoch_two(job + " --set dataset.batch_size=32", 1, one_to_two, cache.path(), 120);
    const CheckpointState at_stop = load_checkpoint(run / "checkpoints/last.pt");
    CHECK((at_stop.epoch == 1 && at_stop.batch_in_epoch > 0));
    CommandResult resumed = run_hearth("resume " + run.string() + " --nproc 2", cache.path());
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    CHECK(load_checkpoint(run / "checkpoints/last.pt").step == want_step);
    CHECK(at::allclose(outputs_of(run, work / "one_to_two.npy", cache.path()), want, 1e-4, 1e-5));
  }
}

TEST_CASE("a port in use, an unreachable master and ranks with different jobs are clear errors", "[distributed][faults]") {
  TempDir runs, cache;
  const std::string job = "run " + kJob + " --set distributed.timeout_seconds=3 --set distributed.join_timeout_seconds=3"
                          " --runs-dir " + runs.path().string();
  const std::string port = std::to_string(free_loopback_port());

  SECTION("rank 0 cannot serve on a port that is taken") {
    int held = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
    REQUIRE(::bind(held, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    REQUIRE(::listen(held, 1) == 0);
    CommandResult r = run_with_env("RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port, job, cache.path());
    ::close(held);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, ContainsSubstring("rank 0 cannot serve the rendezvous store at 127.0.0.1:" + port) &&
                             ContainsSubstring("set MASTER_PORT"));
  }
  SECTION("NCCL where it cannot run is refused before a store is served") {
    // This job trains on the CPU: a build without NCCL says so, one with it says NCCL needs a GPU.
    CommandResult r = run_with_env("RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port,
                                   job + " --set 'distributed.backend=\"nccl\"'", cache.path());
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, ContainsSubstring("[distributed] backend = \"nccl\""));
    CHECK_THAT(r.output, ContainsSubstring("built without NCCL") || ContainsSubstring("needs the job on a GPU"));
    CHECK_THAT(r.output, !ContainsSubstring("rendezvous"));
  }
  SECTION("a rank whose master never answers stops after the timeout") {
    CommandResult r = run_with_env("RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port, job, cache.path());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, ContainsSubstring("rank 1 cannot reach the rendezvous store at 127.0.0.1:" + port) &&
                             ContainsSubstring("is rank 0 running"));
  }
  SECTION("a rank that never arrives is named after the join timeout") {
    CommandResult r = run_with_env("RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port, job, cache.path());
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.output, ContainsSubstring("rank 1 did not reach the group's connections within 3 s") &&
                             ContainsSubstring("join_timeout_seconds"));
    CHECK_THAT(r.output, !ContainsSubstring("Exception raised from"));
  }
  SECTION("ranks that resolved different jobs") {
    const std::string common = "WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port;
    CommandResult rank1;
    std::thread other([&] { rank1 = run_with_env("RANK=1 " + common, job + " --set train.epochs=3", cache.path()); });
    CommandResult rank0 = run_with_env("RANK=0 " + common, job, cache.path());
    other.join();
    INFO(rank0.output + rank1.output);
    CHECK(rank1.exit_code == 2);
    CHECK_THAT(rank1.output, ContainsSubstring("rank 1 resolved a different job than rank 0"));
    CHECK(rank0.exit_code != 0);
  }
}

namespace {

/// Two network namespaces joined by a veth pair: two "machines" with addresses of their own,
/// made for one test and deleted after it.
class TwoMachines {
 public:
  TwoMachines() {
    const std::string id = std::to_string(::getpid() % 100000);
    subnet_ = "10.211." + std::to_string(::getpid() % 250) + ".";
    a_ = "hearth-a-" + id;
    b_ = "hearth-b-" + id;
    const std::string va = "hva" + id, vb = "hvb" + id;
    ok_ = sh("ip netns add " + a_) && sh("ip netns add " + b_) && sh("ip link add " + va + " type veth peer name " + vb) &&
          sh("ip link set " + va + " netns " + a_) && sh("ip link set " + vb + " netns " + b_) &&
          sh("ip netns exec " + a_ + " ip addr add " + address(0) + "/24 dev " + va) &&
          sh("ip netns exec " + b_ + " ip addr add " + address(1) + "/24 dev " + vb) &&
          sh("ip netns exec " + a_ + " ip link set " + va + " up") && sh("ip netns exec " + b_ + " ip link set " + vb + " up") &&
          sh("ip netns exec " + a_ + " ip link set lo up") && sh("ip netns exec " + b_ + " ip link set lo up");
  }
  ~TwoMachines() {
    run_command("ip netns del " + a_ + " 2>/dev/null");
    run_command("ip netns del " + b_ + " 2>/dev/null");
  }
  bool ok() const { return ok_; }
  std::string address(int machine) const { return subnet_ + std::to_string(machine + 1); }
  /// `command` run inside machine 0 or 1.
  std::string inside(int machine, const std::string& command) const {
    return "ip netns exec " + (machine == 0 ? a_ : b_) + " " + command;
  }

 private:
  static bool sh(const std::string& c) { return run_command(c + " 2>&1").exit_code == 0; }
  std::string subnet_, a_, b_;
  bool ok_ = false;
};

}  // namespace

TEST_CASE("two machines (network namespaces over a veth pair) train one run over TCP", "[distributed][netns]") {
  if (::geteuid() != 0 || run_command("command -v ip").exit_code != 0) {
    WARN("SKIPPED: needs root and iproute2 to make network namespaces");
    return;
  }
  TwoMachines machines;
  if (!machines.ok()) {
    WARN("SKIPPED: this system refuses network namespaces (ip netns add failed)");
    return;
  }
  TempDir reference, runs, cache;
  const std::string job = "run " + kJob + " --set train.epochs=2 --runs-dir ";
  REQUIRE(run_hearth(job + reference.path().string() + " --nproc 2", cache.path()).exit_code == 0);
  const std::string env = "env -u HEARTH_PLUGIN_PATH NO_COLOR=1 HEARTH_CACHE_DIR='" + cache.path().string() +
                          "' WORLD_SIZE=2 LOCAL_WORLD_SIZE=1 LOCAL_RANK=0 MASTER_ADDR=" + machines.address(0) +
                          " MASTER_PORT=29613 ";
  const std::string hearth = std::string(" '") + HEARTH_EXE + "' " + job + runs.path().string();
  CommandResult rank1;
  std::thread other([&] { rank1 = run_command(machines.inside(1, env + "RANK=1" + hearth)); });
  CommandResult rank0 = run_command(machines.inside(0, env + "RANK=0" + hearth));
  other.join();
  INFO(rank0.output + rank1.output);
  REQUIRE((rank0.exit_code == 0 && rank1.exit_code == 0));
  fs::path run = single_run(runs.path());
  CHECK(read_text(run / "metrics.csv") == read_text(single_run(reference.path()) / "metrics.csv"));
  auto info = nlohmann::json::parse(read_text(run / "run.json"));
  CHECK(info["distributed"]["master"] == machines.address(0));
  CHECK_THAT(read_text(run / "hearth.rank-1.log"), ContainsSubstring("rendezvous at " + machines.address(0)));
}

TEST_CASE("a non-finite loss on one rank makes every rank skip, or stop, alike", "[distributed][nan]") {
  TempDir dir, runs, cache;
  // 64 rows, one with a NaN feature: each epoch it lands in one rank's shard only.
  std::ofstream csv(dir / "data.csv");
  csv << "x1,x2,x3,y\n";
  for (int i = 0; i < 64; ++i) csv << (i == 17 ? std::string("nan") : std::to_string(i % 7 * 0.1)) << "," << i % 5 * 0.2 << ",0.5," << i % 3 << "\n";
  csv.close();
  std::ofstream(dir / "nan.toml") << "[job]\nseed = 3\ndevice = 'cpu'\n\n"
                                      "[dataset]\nplugin = 'csv'\nfile = 'data.csv'\ntargets = ['y']\ntarget_type = 'numeric'\nbatch_size = 8\n\n"
                                      "[model]\nplugin = 'mlp'\nin_features = 3\nhidden = [8]\nout_features = 1\n\n"
                                      "[[losses]]\nplugin = 'mse'\n\n[optimizer]\nplugin = 'sgd'\nlr = 0.01\n\n"
                                      "[train]\nepochs = 2\nmonitor = 'train.loss'\n";
  const std::string job = "run " + (dir / "nan.toml").string() + " --nproc 2 --runs-dir " + runs.path().string();

  SECTION("skip: every rank skips the step, whichever holds the sample") {
    CommandResult r = run_hearth(job + " --set train.nan_policy=skip", cache.path());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    auto info = nlohmann::json::parse(read_text(single_run(runs.path()) / "run.json"));
    CHECK(info["skipped_steps"] == 2);  // one batch an epoch holds the sample
    CHECK(info["step"] == 2 * (32 / 8) - 2);
  }
  SECTION("stop: every rank stops with the reason") {
    CommandResult r = run_hearth(job, cache.path());
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, ContainsSubstring("the loss is NaN"));
    CHECK_THAT(r.output, !ContainsSubstring("stopped answering"));
  }
}

TEST_CASE("a rank that starts late is waited for under the join timeout, not the step timeout", "[distributed][faults]") {
  // Ranks set up at different speeds (plugins, data, a busy disk): one that starts longer after
  // the other than the step timeout must not be taken for a hang.
  TempDir runs, cache;
  const std::string job = "run " + kJob + " --set train.epochs=2 --set distributed.timeout_seconds=5 --runs-dir " +
                          runs.path().string();
  const std::string common = "WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" +
                             std::to_string(free_loopback_port());
  CommandResult rank1;
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::seconds(8));
    rank1 = run_with_env("RANK=1 LOCAL_RANK=1 " + common, job, cache.path());
  });
  CommandResult rank0 = run_with_env("RANK=0 LOCAL_RANK=0 " + common, job, cache.path());
  late.join();
  INFO(rank0.output + rank1.output);
  REQUIRE((rank0.exit_code == 0 && rank1.exit_code == 0));
  CHECK(finished_epochs(runs.path()) == 2);
}

TEST_CASE("a rank that hangs is named by the others after the timeout", "[distributed][faults]") {
  TempDir runs, work, cache;
  // Short epochs and many of them: the first ends soon even on a loaded machine, and the run is
  // still training when rank 1 is stopped.
  const std::string job = "run " + kJob + " --set dataset.train_samples=1024 --set dataset.batch_size=16 --set train.epochs=200"
                          " --set distributed.timeout_seconds=3 --nproc 2 --runs-dir ";
  const BackgroundHearth h = start_hearth(job + runs.path().string(), cache.path(), work.path());
  const bool started = eventually([&] { return finished_epochs(runs.path()) >= 1; }, 120);
  INFO(read_text(h.out));
  REQUIRE(started);
  pid_t rank1 = pid_of_rank(runs.path(), 1);
  REQUIRE(rank1 > 0);
  REQUIRE(::kill(rank1, SIGSTOP) == 0);  // alive, holding its connections, answering nothing
  fs::path run = single_run(runs.path());
  bool failed = eventually([&] {
    auto info = nlohmann::json::parse(read_text(run / "run.json"), nullptr, false);
    return !info.is_discarded() && info.value("status", "") == "failed";
  }, 30);
  ::kill(rank1, SIGKILL);
  REQUIRE(eventually([&] { return h.ended(); }, 60));
  INFO(read_text(h.out));
  REQUIRE(failed);
  CHECK(finished_epochs(runs.path()) < 200);
  auto info = nlohmann::json::parse(read_text(run / "run.json"));
  CHECK_THAT(info["error"].get<std::string>(), ContainsSubstring("rank 1 (") && ContainsSubstring("stopped answering"));
  CHECK(info["epochs_done"].get<int>() >= 1);
  CHECK(load_checkpoint(run / "checkpoints/last.pt").epoch == info["epochs_done"].get<int>());
}
