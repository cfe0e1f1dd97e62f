// Analyzers end to end: `hearth analyze` reports and summaries, analyzer weights reaching a loss
// through the ABI, the built-in analyzers' figures, and the errors of analyzer references.
#include "unit/catch.hpp"
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fstream>

#include "engine/jobs/analysis.hpp"
#include "engine/jobs/job.hpp"
#include "engine/jobs/job_modules.hpp"
#include "engine/jobs/session.hpp"
#include "unit/picture_check.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

/// A CSV classification set sorted by class and imbalanced: 30 "cat", 10 "dog", 5 "owl".
void write_imbalanced(const fs::path& folder) {
  std::ofstream csv(folder / "pets.csv");
  csv << "x1,x2,animal\n";
  const char* names[] = {"cat", "dog", "owl"};
  int counts[] = {30, 10, 5};
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < counts[c]; ++i) csv << (c + 0.1 * i) << "," << (i % 3) << "," << names[c] << "\n";
}

std::string pets_job(const std::string& loss_extra, const std::string& analyzers) {
  return "[job]\nname = 'pets'\nseed = 1\ndevice = 'cpu'\n\n"
         "[dataset]\nplugin = 'csv'\nfile = 'pets.csv'\ntargets = ['animal']\nbatch_size = 45\n\n" + analyzers +
         "[model]\nplugin = 'mlp'\nin_features = 2\nhidden = [4]\nout_features = 3\n\n"
         "[[losses]]\nplugin = 'cross_entropy'\n" + loss_extra + "\n"
         "[optimizer]\nplugin = 'sgd'\n\n[train]\nepochs = 1\nmonitor = 'train.loss'\n";
}

fs::path only_run(const fs::path& runs) {
  for (auto& job : fs::directory_iterator(runs))
    for (auto& run : fs::directory_iterator(job.path())) return run.path();
  FAIL("no run folder");
  return {};
}

}  // namespace

TEST_CASE("hearth analyze writes report pictures and a JSON summary into a run", "[analysis]") {
  TempDir dir, cache;
  write_imbalanced(dir.path());
  std::ofstream(dir / "pets.toml") << pets_job("", "");
  CommandResult r = run_hearth("analyze " + (dir / "pets.toml").string() + " --runs-dir " + (dir / "runs").string(), cache.path());
  REQUIRE(r.exit_code == 0);
  INFO(r.output);
  fs::path run = only_run(dir / "runs");
  for (const char* picture : {"analysis/multiclass.png", "analysis/values_distribution.png"}) {
    PngFacts f = png_facts(run / picture);
    CHECK(f.width == 960);
    CHECK(f.height == 600);
    CHECK(f.colours > 20);
  }
  auto summary = nlohmann::json::parse(read_text(run / "analysis/summary.json"));
  CHECK(summary["multiclass"]["summary"]["count.cat"] == 30);
  CHECK(summary["multiclass"]["summary"]["count.owl"] == 5);
  // Sorted by class: two label changes where a shuffled order has about 22.
  CHECK(summary["multiclass"]["summary"]["randomness"].get<double>() < 0.2);
  CHECK(summary["multiclass"]["class_weights"][2].get<double>() == Approx(45.0 / (3 * 5)));
  CHECK(summary["values_distribution"]["summary"]["features.count"] == 90);
  CHECK(summary["values_distribution"]["summary"]["features.max"].get<double>() == Approx(2.9));
  CHECK(nlohmann::json::parse(read_text(run / "run.json"))["status"] == "analyzed");

  SECTION("--split all sees every split; an empty split is a clear error") {
    CommandResult valid = run_hearth("analyze " + (dir / "pets.toml").string() + " --split valid --runs-dir " +
                                         (dir / "runs2").string(), cache.path());
    CHECK(valid.exit_code == 2);
    CHECK_THAT(valid.output, ContainsSubstring("valid split is empty"));
  }
}

TEST_CASE("class weights of an analyzer reach the loss through the ABI", "[analysis]") {
  TempDir dir, cache;
  write_imbalanced(dir.path());
  std::ofstream(dir / "pets.toml") << pets_job("weights = 'analyzer:multiclass'\n",
                                               "[[analyzers]]\nplugin = 'multiclass'\nsplit = 'all'\n\n");
  PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {}));
  Job job = load_job(dir / "pets.toml", {}, reg);
  REQUIRE(job.losses[0].from_analyzer.at("weights") == "multiclass");
  CHECK_THAT(job.resolved_toml(), ContainsSubstring("weights = \"analyzer:multiclass\""));
  // Data paths in a job are relative to its folder, as in `hearth run`.
  struct Cwd {
    fs::path saved = fs::current_path();
    ~Cwd() { fs::current_path(saved); }
  } restore;
  fs::current_path(dir.path());
  JobModules bare;
  bare.data = make_dataset(job);
  CHECK_THROWS_WITH(make_model_modules(bare, job, {}, "cpu"), ContainsSubstring("offers no class weights"));
  Session session(job);  // runs the analyzers first: the job's loss takes their class weights
  JobModules& m = session.modules();
  AnalyzerWeights seen = run_analysis(job, job.analyzers, *m.data, AnalysisOptions{});
  REQUIRE(seen.at("multiclass").size() == 3);
  CHECK(seen["multiclass"][0] == Approx(45.0 / 90));
  torch::Tensor logits = torch::tensor({{2.0f, 0.0f, 0.0f}, {0.0f, 1.0f, 0.0f}, {0.5f, 0.0f, 2.0f}, {0.0f, 0.0f, 1.0f}});
  torch::Tensor target = torch::tensor({1, 1, 2, 0}, torch::kInt64);
  torch::Tensor w = torch::tensor({45.0f / 90, 45.0f / 30, 45.0f / 15});
  double got = m.losses[0]->forward({logits}, {target}).item<double>();
  double weighted = torch::nn::functional::cross_entropy(logits, target, torch::nn::functional::CrossEntropyFuncOptions().weight(w)).item<double>();
  double plain = torch::nn::functional::cross_entropy(logits, target).item<double>();
  CHECK(got == Approx(weighted).epsilon(1e-5));
  CHECK(std::abs(got - plain) > 1e-3);

  SECTION("hearth run writes the analysis into the run and trains with the weights") {
    CommandResult r = run_hearth("run " + (dir / "pets.toml").string() + " --runs-dir " + (dir / "runs").string(), cache.path());
    REQUIRE(r.exit_code == 0);
    fs::path run = only_run(dir / "runs");
    CHECK(fs::exists(run / "analysis/multiclass.png"));
    auto summary = nlohmann::json::parse(read_text(run / "analysis/summary.json"));
    CHECK(summary["multiclass"]["split"] == "all");
  }
}

TEST_CASE("analyzer references are checked with file line and column", "[analysis][validation]") {
  TempDir dir, cache;
  write_imbalanced(dir.path());
  std::ofstream(dir / "a.toml") << pets_job("weights = 'analyzer:multiclas'\n", "[[analyzers]]\nplugin = 'multiclass'\n\n");
  CommandResult typo = run_hearth("check " + (dir / "a.toml").string(), cache.path());
  CHECK(typo.exit_code == 2);
  CHECK_THAT(typo.output, ContainsSubstring("a.toml:") && ContainsSubstring("refers to analyzer 'multiclas'") &&
                              ContainsSubstring("did you mean 'multiclass'"));
  std::ofstream(dir / "b.toml") << pets_job("smoothing = 'analyzer:multiclass'\n", "[[analyzers]]\nplugin = 'multiclass'\n\n");
  CommandResult wrong_key = run_hearth("check " + (dir / "b.toml").string(), cache.path());
  CHECK(wrong_key.exit_code == 2);
  CHECK_THAT(wrong_key.output, ContainsSubstring("only lists of numbers"));
  std::ofstream(dir / "c.toml") << pets_job("weights = 'analyzer:multiclass'\n", "");
  CommandResult none = run_hearth("check " + (dir / "c.toml").string(), cache.path());
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.output, ContainsSubstring("add [[analyzers]]"));
}

TEST_CASE("multilabel counts labels per class and per sample", "[analysis]") {
  TempDir dir, cache;
  std::ofstream csv(dir / "tags.csv");
  csv << "x,red,round,big\n1,1,0,0\n2,1,1,0\n3,1,1,1\n4,0,0,0\n";
  csv.close();
  std::ofstream(dir / "tags.toml")
      << "[dataset]\nplugin = 'csv'\nfile = 'tags.csv'\ntargets = ['red', 'round', 'big']\ntarget_type = 'numeric'\n\n"
         "[[analyzers]]\nplugin = 'multilabel'\n\n[[analyzers]]\nplugin = 'values_distribution'\ntensors = ['features']\n\n"
         "[model]\nplugin = 'mlp'\nin_features = 1\nout_features = 3\n\n[[losses]]\nplugin = 'mse'\n\n[optimizer]\nplugin = 'sgd'\n";
  CommandResult r = run_hearth("analyze " + (dir / "tags.toml").string() + " --runs-dir " + (dir / "runs").string(), cache.path());
  REQUIRE(r.exit_code == 0);
  INFO(r.output);
  auto s = nlohmann::json::parse(read_text(only_run(dir / "runs") / "analysis/summary.json"));
  CHECK(s["multilabel"]["summary"]["count.0"] == 3);
  CHECK(s["multilabel"]["summary"]["samples_with.0"] == 1);
  CHECK(s["multilabel"]["summary"]["samples_with.3"] == 1);
  CHECK(s["multilabel"]["class_weights"][2].get<double>() == Approx(3.0));
  CHECK(s["values_distribution"]["summary"]["features.mean"].get<double>() == Approx(2.5));
  CHECK(s["values_distribution"]["summary"]["features.std"].get<double>() == Approx(1.29099).epsilon(1e-4));
}
