// A character-level GPT on real English text (the GPL from Debian's base-files, through
// assets/jobs/gpt-char.toml made smaller): it learns, resumes bitwise after SIGKILL, trains on 2
// ranks, exports, samples the same text for the same seed, and refuses data whose vocabulary changed.
#include "unit/catch.hpp"
#include <nlohmann/json.hpp>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "engine/export/safetensors.hpp"
#include "engine/runs/checkpoint.hpp"
#include "engine/runs/metrics_table.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/gpt-char.toml";
const char* kGpl = "/usr/share/common-licenses/GPL-3";

/// The job made small enough for a test: 2 blocks of width 64, 3 epochs of 165 steps, on CPU, on
/// `text` (a copy of the GPL the test may edit).
std::string small_job(const fs::path& text) {
  return "run " + kJob + " --set model.layers=2 --set model.width=64 --set model.heads=2 --set train.epochs=3"
         " --set scheduler.t_max=445 --set job.device='\"cpu\"' --set dataset.file='\"" + text.string() + "\"'";
}

double last_valid_loss(const fs::path& run) {
  return last_metrics_row(run / "metrics.csv").at("valid.loss");
}

CommandResult sample(const fs::path& run, const std::string& args, const TempDir& cache) {
  CommandResult r = run_hearth("sample " + run.string() + " --tokens 60 " + args, cache.path());
  INFO(r.output);
  return r;
}

/// Polls `done` until it holds or `seconds` pass.
bool until_true(const std::function<bool()>& done, int seconds) {
  for (auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds); std::chrono::steady_clock::now() < end;) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

/// The generated text: the command's output before its closing report on stderr.
std::string text_of(const CommandResult& r) { return r.output.substr(0, r.output.rfind("sampled 60 tokens")); }

}  // namespace

TEST_CASE("a char-level gpt on the GPL learns, resumes bitwise after SIGKILL, samples and exports", "[text][jobs][resume]") {
  TempDir data, reference, killed, work, cache;
  REQUIRE(fs::is_regular_file(kGpl));
  fs::copy_file(kGpl, data / "gpl.txt");
  CommandResult whole = run_hearth(small_job(data / "gpl.txt") + " --runs-dir " + reference.path().string(), cache.path());
  INFO(whole.output);
  REQUIRE(whole.exit_code == 0);
  const fs::path ref = single_run(reference.path());
  // docs/transformers.md: below 2.65 nats per character after 3 epochs of this configuration (a
  // model of the train part's character frequencies alone scores 3.50 on the valid part).
  CHECK(last_valid_loss(ref) < 2.65);
  const nlohmann::json record = nlohmann::json::parse(read_text(ref / "run.json"));
  REQUIRE(record["classes"].size() > 60);
  CHECK(record["classes"][0] == "<unk>");

  // Killed in its second epoch, resumed: the same numbers and weights as the run never killed.
  const BackgroundHearth h = start_hearth(small_job(data / "gpl.txt") + " --runs-dir " + killed.path().string(), cache.path(),
                                          work.path());
  const fs::path run = wait_for_epochs(killed.path(), 1, h, 120);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  REQUIRE(::kill(static_cast<pid_t>(std::stol(read_text(h.pid))), SIGKILL) == 0);
  REQUIRE(h.wait(60));
  CommandResult resumed = run_hearth("resume " + run.string(), cache.path());
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK(read_text(run / "metrics.csv") == read_text(ref / "metrics.csv"));
  CHECK(load_checkpoint(run / "checkpoints/last.pt").model == load_checkpoint(ref / "checkpoints/last.pt").model);

  // Sampling: a seed gives the same text; temperature 0 gives the same text with and without the cache.
  CommandResult a = sample(ref, "--seed 4 --prompt 'This License'", cache), b = sample(ref, "--seed 4 --prompt 'This License'", cache);
  REQUIRE((a.exit_code == 0 && b.exit_code == 0));
  CHECK(text_of(a) == text_of(b));
  CHECK(text_of(a).rfind("This License", 0) == 0);
  CHECK(text_of(a).size() >= std::string("This License").size() + 60);
  CHECK(text_of(a) != text_of(sample(ref, "--seed 5 --prompt 'This License'", cache)));
  CommandResult greedy = sample(ref, "--temperature 0", cache), uncached = sample(ref, "--temperature 0 --no-cache", cache);
  CHECK(text_of(greedy) == text_of(uncached));
  CHECK_THAT(greedy.output, ContainsSubstring("key-value cache"));
  CHECK_THAT(uncached.output, ContainsSubstring("whole context each token"));
  CommandResult foreign = sample(ref, "--prompt 'caf\xC3\xA9 \xCE\xA9'", cache);
  CHECK(foreign.exit_code != 0);
  CHECK_THAT(foreign.output, ContainsSubstring("is not in the run's vocabulary"));

  CommandResult ex = run_hearth("export " + ref.string() + " --format torchscript,safetensors", cache.path());
  INFO(ex.output);
  CHECK(ex.exit_code == 0);

  // The text changes under the run: its vocabulary no longer matches, and eval says so.
  std::ofstream(data / "gpl.txt", std::ios::app) << "\xE2\x82\xAC a new character in the train part\n";
  std::string body = read_text(data / "gpl.txt");
  std::ofstream(data / "gpl.txt", std::ios::binary) << "\xE2\x82\xAC" << body;
  CommandResult eval = run_hearth("eval " + ref.string() + " --split valid", cache.path());
  CHECK(eval.exit_code != 0);
  CHECK_THAT(eval.output, ContainsSubstring("now names other classes than run") && ContainsSubstring("the train text changed"));
}

TEST_CASE("a char-level gpt trains on 2 ranks", "[text][distributed]") {
  TempDir data, runs, cache;
  fs::copy_file(kGpl, data / "gpl.txt");
  CommandResult r = run_hearth(small_job(data / "gpl.txt") + " --set train.epochs=1 --set train.max_steps=40 --nproc 2 --runs-dir " +
                                   runs.path().string(),
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path run = single_run(runs.path());
  CHECK(nlohmann::json::parse(read_text(run / "run.json"))["distributed"]["world_size"] == 2);
  CHECK(last_valid_loss(run) < 3.5);
}

TEST_CASE("validate_every_steps validates and checkpoints inside epochs and a kill resumes from there bitwise", "[text][jobs][resume]") {
  TempDir data, reference, killed, work, cache;
  fs::copy_file(kGpl, data / "gpl.txt");
  const std::string job = small_job(data / "gpl.txt") +
                          " --set model.layers=1 --set model.width=32 --set train.epochs=2 --set train.validate_every_steps=40 --runs-dir ";
  CommandResult whole = run_hearth(job + reference.path().string(), cache.path());
  INFO(whole.output);
  REQUIRE(whole.exit_code == 0);
  const fs::path ref = single_run(reference.path());
  const MetricsTable steps = read_metrics_table(ref / "valid_steps.csv");
  CHECK(steps.columns == std::vector<std::string>({"step", "epoch", "batch", "valid.loss", "valid.bits_per_token"}));
  CHECK(steps.column("step") == std::vector<double>({40, 80, 120, 160, 200, 240, 280, 320}));  // 165 steps an epoch
  CHECK(steps.column("batch") == std::vector<double>({40, 80, 120, 160, 35, 75, 115, 155}));
  CHECK_THAT(whole.output, ContainsSubstring("step 200 (epoch 2, batch 35): valid.loss = "));

  // Killed after a validation in epoch 2: `last` was saved there, and the resume goes on from it.
  const BackgroundHearth h = start_hearth(job + killed.path().string(), cache.path(), work.path());
  fs::path run;
  REQUIRE(until_true([&] {
    std::error_code ec;
    for (fs::directory_iterator it(killed.path() / "gpt-char", ec), end; !ec && it != end; it.increment(ec)) run = it->path();
    return !run.empty() && read_metrics_table(run / "valid_steps.csv", DamagedRows::skip).column("step").size() >= 6;
  }, 600));
  // A validation's row is written before its checkpoint, so only once step 240's row is there is
  // `last` surely a checkpoint inside epoch 2 (step 200's or 240's); a kill between a row and its
  // checkpoint resumes from the one before and rewrites the row (the resume below checks that too).
  REQUIRE(::kill(static_cast<pid_t>(std::stol(read_text(h.pid))), SIGKILL) == 0);
  REQUIRE(h.wait(60));
  const CheckpointState mid = load_checkpoint(run / "checkpoints/last.pt");
  CHECK(mid.step % 40 == 0);
  CHECK(mid.epoch == 1);
  CHECK(mid.batch_in_epoch == mid.step - 165);
  CommandResult resumed = run_hearth("resume " + run.string(), cache.path());
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK(read_text(run / "valid_steps.csv") == read_text(ref / "valid_steps.csv"));
  CHECK(load_checkpoint(run / "checkpoints/last.pt").model == load_checkpoint(ref / "checkpoints/last.pt").model);
  CHECK(last_valid_loss(run) == last_valid_loss(ref));
}

TEST_CASE("with validate_every_steps the best checkpoint and early stopping go by the validations inside epochs", "[text][jobs]") {
  TempDir data, runs, cache;
  fs::copy_file(kGpl, data / "gpl.txt");
  // min_delta is larger than any change: the first validation is the best, each later one is not.
  CommandResult r = run_hearth(small_job(data / "gpl.txt") +
                                   " --set model.layers=1 --set model.width=32 --set train.validate_every_steps=40"
                                   " --set train.patience=2 --set train.min_delta=100 --runs-dir " + runs.path().string(),
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("step 40 (epoch 1, batch 40): valid.loss = ") && ContainsSubstring(" (best)"));
  CHECK_THAT(r.output, ContainsSubstring("early stop: valid.loss did not improve by more than 100 for 2 validations"));
  const fs::path run = single_run(runs.path());
  const nlohmann::json info = nlohmann::json::parse(read_text(run / "run.json"));
  CHECK(info["status"] == "stopped_early");
  CHECK(info["best"]["epoch"] == 1);
  CHECK(info["best"]["step"] == 40);
  const MetricsTable steps = read_metrics_table(run / "valid_steps.csv");
  CHECK(steps.column("step") == std::vector<double>({40, 80, 120}));  // ended inside the first epoch of 165 steps
  CHECK(info["best"]["value"].get<double>() == Approx(steps.column("valid.loss")[0]));
  const CheckpointState best = load_checkpoint(run / "checkpoints/best.pt");
  CHECK(best.step == 40);
  CHECK(best.batch_in_epoch == 40);
  CHECK(best.best_step == 40);
  const CheckpointState last = load_checkpoint(run / "checkpoints/last.pt");
  CHECK(last.step == 120);
  CHECK(last.epoch == 0);
  CHECK(last.bad_epochs == 2);
  CHECK(read_metrics_table(run / "metrics.csv").column("epoch").empty());

  // A kill between `last` and its copy to `best` inside an epoch: `last` says it holds the best
  // (its step is the best's), and the next reader of `best` repairs it from there.
  fs::copy_file(run / "checkpoints/best.pt", run / "checkpoints/last.pt", fs::copy_options::overwrite_existing);
  fs::remove(run / "checkpoints/best.pt");
  CommandResult eval = run_hearth("eval " + run.string() + " --split valid", cache.path());
  INFO(eval.output);
  CHECK(eval.exit_code == 0);
  CHECK(load_checkpoint(run / "checkpoints/best.pt").step == 40);
}

TEST_CASE("adamw decay = weights gets the gpt's parameter names from the host and leaves its embeddings undecayed", "[text][optimizer]") {
  TempDir data, runs, cache;
  fs::copy_file(kGpl, data / "gpl.txt");
  // One step from the same seed with a large decay: "matrices" decays every matrix, "weights"
  // every matrix but the token and position embeddings (named transformer.wte and .wpe).
  auto one_step = [&](const std::string& decay) {
    const fs::path dir = runs / decay;
    CommandResult r = run_hearth(small_job(data / "gpl.txt") + " --set train.max_steps=1 --set optimizer.weight_decay=50" +
                                     " --set optimizer.decay='\"" + decay + "\"' --runs-dir " + dir.string(),
                                 cache.path());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const fs::path run = single_run(dir);
    CommandResult ex = run_hearth("export " + run.string() + " --format safetensors --checkpoint last", cache.path());
    INFO(ex.output);
    REQUIRE(ex.exit_code == 0);
    std::map<std::string, std::string> weights;
    for (const SafetensorsTensor& t : read_safetensors(run / "export-last" / "model.safetensors").tensors) weights[t.name] = t.bytes;
    return weights;
  };
  std::map<std::string, std::string> matrices = one_step("matrices"), weights = one_step("weights");
  REQUIRE(matrices.size() == weights.size());
  for (const char* embedding : {"transformer.wte.weight", "transformer.wpe.weight"}) {
    INFO(embedding);
    CHECK(matrices.at(embedding) != weights.at(embedding));
  }
  for (const char* same : {"transformer.h.0.attn.c_attn.weight", "transformer.h.1.mlp.c_proj.weight", "transformer.h.0.ln_1.weight",
                           "transformer.h.0.attn.c_attn.bias"}) {
    INFO(same);
    CHECK(matrices.at(same) == weights.at(same));
  }
}
