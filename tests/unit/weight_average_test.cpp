// [train] ema: the average after K steps against one computed here from the weights of K separate
// runs; a SIGKILL and a resume give the same average and weights, bitwise; checkpoints keep both.
#include "unit/catch.hpp"

#include <torch/serialize.h>
#include <torch/torch.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/runs/checkpoint.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kSmoke = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

/// The MLP's tensors in a model state the SDK saved (an nn::Module archive: one sub-archive per
/// submodule).
std::map<std::string, at::Tensor> mlp_tensors(const std::string& bytes) {
  torch::serialize::InputArchive archive;
  archive.load_from(bytes.data(), bytes.size());
  std::map<std::string, at::Tensor> out;
  for (const char* module : {"linear0", "output"}) {
    torch::serialize::InputArchive sub;
    archive.read(module, sub);
    for (const char* name : {"weight", "bias"}) {
      at::Tensor t;
      sub.read(name, t);
      out[std::string(module) + "." + name] = t.to(at::kDouble);
    }
  }
  return out;
}

CheckpointState last_of(const fs::path& runs) { return load_checkpoint(single_run(runs) / "checkpoints" / "last.pt"); }

}  // namespace

TEST_CASE("the weights' average after 5 steps equals the average of the weights of 5 separate runs", "[ema]") {
  // Run k stops after k optimizer steps: its weights are step k of the same seeded trajectory.
  TempDir cache;
  std::vector<std::map<std::string, at::Tensor>> steps;
  for (int k = 1; k <= 5; ++k) {
    TempDir runs;
    CommandResult r = run_hearth("run " + kSmoke + " --runs-dir " + runs.path().string() +
                                     " --set train.epochs=1 --set train.max_steps=" + std::to_string(k),
                                 cache.path());
    REQUIRE(r.exit_code == 0);
    CheckpointState s = last_of(runs.path());
    CHECK(s.training_model.empty());  // no averaging: the checkpoint is as it always was
    steps.push_back(mlp_tensors(s.model));
  }
  TempDir averaged;
  const double decay = 0.75;
  CommandResult r = run_hearth("run " + kSmoke + " --runs-dir " + averaged.path().string() +
                                   " --set train.epochs=1 --set train.max_steps=5 --set train.ema=0.75"
                                   " --set train.ema_start=1",
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CheckpointState s = last_of(averaged.path());
  REQUIRE(!s.training_model.empty());
  // The weights training goes on from are step 5's, bitwise: averaging never touches training.
  const auto weights = mlp_tensors(s.training_model), average = mlp_tensors(s.model);
  for (const auto& [name, w] : steps[4]) CHECK(weights.at(name).equal(w));
  // ema_start = 1: the average is step 1's weights, then decay * average + (1 - decay) * weights.
  for (const auto& [name, first] : steps[0]) {
    at::Tensor expected = first.clone();
    for (size_t k = 1; k < steps.size(); ++k) expected = decay * expected + (1 - decay) * steps[k].at(name);
    INFO(name);
    CHECK(at::allclose(average.at(name), expected, /*rtol=*/0, /*atol=*/1e-6));
    CHECK(!average.at(name).equal(weights.at(name)));  // it is an average, not the weights
  }
}

TEST_CASE("a run with weight averaging killed with SIGKILL resumes to the same average and weights", "[ema][resume]") {
  const std::string sets = " --set dataset.train_samples=24000 --set dataset.batch_size=16 --set train.epochs=4"
                           " --set 'model.hidden=[64, 64]' --set train.ema=0.99";
  TempDir whole, killed, cache;
  REQUIRE(run_hearth("run " + kSmoke + " --runs-dir " + whole.path().string() + sets, cache.path()).exit_code == 0);
  BackgroundHearth h = start_hearth("run " + kSmoke + " --runs-dir '" + (killed / "runs").string() + "'" + sets,
                                    cache.path(), killed.path());
  const fs::path run = wait_for_epochs(killed / "runs", 2, h);
  REQUIRE(run_command("kill -9 $(cat '" + h.pid.string() + "')").exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CommandResult resumed = run_hearth("resume " + run.string(), cache.path());
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  const fs::path reference = single_run(whole.path());
  CHECK(read_text(run / "metrics.csv") == read_text(reference / "metrics.csv"));
  CheckpointState a = load_checkpoint(reference / "checkpoints" / "last.pt");
  CheckpointState b = load_checkpoint(run / "checkpoints" / "last.pt");
  CHECK(a.model == b.model);
  CHECK(a.training_model == b.training_model);
  CHECK(a.model != a.training_model);
  // `best` holds the average too: what eval and export read.
  CheckpointState best = load_checkpoint(reference / "checkpoints" / "best.pt");
  CHECK(!best.training_model.empty());
}
