// The shape behind every job command: a job resolved once into typed options, one split plan per
// session that every command sees alike, and a jobs library that refuses a command it lacks.
#include "unit/catch.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/jobs/job.hpp"
#include "engine/jobs/session.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

/// Calls hearth_jobs_main of the built library with `request`; its stderr comes back in `err`.
int call_jobs_library(const std::string& request, std::string& err) {
  void* lib = dlopen((std::string(HEARTH_BUILD_DIR) + "/lib/hearth/libhearth_jobs.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  REQUIRE(lib != nullptr);
  auto main = reinterpret_cast<int (*)(const char*)>(dlsym(lib, "hearth_jobs_main"));
  REQUIRE(main != nullptr);
  TempDir dir;
  fs::path file = dir / "stderr";
  std::fflush(stderr);
  int saved = dup(2);
  FILE* capture = std::fopen(file.c_str(), "w");
  dup2(fileno(capture), 2);
  int code = main(request.c_str());
  std::cerr.flush();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::fclose(capture);
  err = read_text(file);
  return code;
}

}  // namespace

TEST_CASE("a job is resolved once into typed options", "[jobs][options]") {
  TempDir cache;
  PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {}));
  Job job = load_job(kJob,
                     {"train.accumulate=3", "train.mode=max", "train.nan_policy=skip", "dataset.augment_shift=2",
                      "losses=[{plugin='cross_entropy'},{plugin='cross_entropy',weight=0.5,output=0,target=0}]",
                      "metrics=[{plugin='accuracy'},{plugin='accuracy'}]",
                      "analyzers=[{plugin='multiclass',split='all'},{plugin='class_count',split='valid'}]",
                      "renders=[{plugin='bitmap',tensor='image'}]"},
                     reg);
  const JobOptions& o = job.options;
  CHECK(o.general.name == "random-smoke");
  CHECK(o.general.seed == 7);
  CHECK(o.general.device.text() == "cpu");
  CHECK(o.general.threads == 1);
  CHECK(o.data.batch_size == 32);
  CHECK(o.data.shuffle);
  CHECK(o.data.augmentation.shift == 2);
  CHECK_FALSE(o.data.augmentation.flip);
  CHECK(o.train.epochs == 6);
  CHECK(o.train.accumulate == 3);
  CHECK(o.train.mode == MonitorMode::max);
  CHECK(o.train.skip_nan);
  CHECK_FALSE(o.train.bf16);
  CHECK(o.train.monitor == "valid.accuracy");
  REQUIRE(o.losses.size() == 2);
  CHECK(o.losses[0].name == "cross_entropy");
  CHECK(o.losses[1].name == "cross_entropy_1");
  CHECK(o.losses[1].weight == 0.5);
  REQUIRE(o.metrics.size() == 2);
  CHECK(o.metrics[1].name == "accuracy_1");
  REQUIRE(o.analyzers.size() == 2);
  CHECK_FALSE(o.analyzers[0].split.has_value());  // "all"
  CHECK(o.analyzers[1].split == SplitName::valid);
  REQUIRE(o.renders.size() == 1);
  CHECK(o.renders[0].tensor == "image");

  SECTION("a job without [job] name is named after its file") {
    TempDir dir;
    std::ofstream(dir / "unnamed.toml") << "[dataset]\nplugin = 'random'\n[model]\nplugin = 'mlp'\n"
                                           "[[losses]]\nplugin = 'cross_entropy'\n[optimizer]\nplugin = 'sgd'\n";
    CHECK(load_job(dir / "unnamed.toml", {}, reg).options.general.name == "unnamed");
  }
}

TEST_CASE("split names are parsed in one place", "[jobs][options]") {
  CHECK(parse_split("test", "--split") == SplitName::test);
  CHECK_FALSE(parse_split_or_all("all", "--split").has_value());
  CHECK_THROWS_WITH(parse_split("validation", "--split"), ContainsSubstring("--split 'validation' is not a split"));
}

TEST_CASE("training, eval, analyze and render see the same split plan", "[jobs][session]") {
  TempDir runs, work, cache;
  // A seeded valid share of train and a subsample: a second plan built another way would differ.
  const std::string sets = " --set dataset.valid_fraction=0.3 --set dataset.valid_samples=0 --set dataset.subsample=0.7"
                           " --set train.epochs=2";
  REQUIRE(run_hearth("run " + kJob + sets + " --runs-dir " + runs.path().string(), cache.path()).exit_code == 0);
  fs::path run = single_run(runs.path());

  PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {}));
  Job job = load_job(run / "job.toml", {}, reg);
  Session session(job);
  const size_t valid = session.plan().indices(SplitName::valid).size();
  CHECK(valid == static_cast<size_t>(512 * 0.3 * 0.7));

  // eval of `last` reproduces the valid values training wrote after its last epoch.
  CommandResult eval = run_hearth("eval " + run.string() + " --checkpoint last --split valid", cache.path());
  REQUIRE(eval.exit_code == 0);
  auto scored = nlohmann::json::parse(read_text(run / "eval-valid-last.json"));
  CHECK(scored["samples"].get<size_t>() == valid);
  std::map<std::string, double> row = last_metrics_row(run / "metrics.csv");
  CHECK(scored["values"]["valid.accuracy"].get<double>() == Approx(row.at("valid.accuracy")).epsilon(1e-7));
  CHECK(scored["values"]["valid.loss"].get<double>() == Approx(row.at("valid.loss")).epsilon(1e-7));

  CommandResult analyzed = run_hearth("analyze " + kJob + sets + " --split valid --runs-dir " + (work / "a").string(), cache.path());
  REQUIRE(analyzed.exit_code == 0);
  auto summary = nlohmann::json::parse(read_text(single_run(work / "a") / "analysis/summary.json"));
  CHECK(summary["multiclass"]["samples"].get<size_t>() == valid);

  std::string last = std::to_string(valid - 1), past = std::to_string(valid);
  CHECK(run_hearth("render " + kJob + sets + " --index " + last + " --out " + (work / "r").string(), cache.path()).exit_code == 0);
  CommandResult beyond = run_hearth("render " + kJob + sets + " --index " + past + " --out " + (work / "r").string(), cache.path());
  CHECK(beyond.exit_code == 2);
  CHECK_THAT(beyond.output, ContainsSubstring("which has " + std::to_string(valid) + " samples"));
}

TEST_CASE("the jobs library refuses a command it does not have", "[jobs][cli]") {
  std::string err;
  CHECK(call_jobs_library(R"({"base": {"command": "trian"}})", err) == 2);
  CHECK_THAT(err, ContainsSubstring("has no command 'trian'") && ContainsSubstring("eval") && ContainsSubstring("run"));
  CHECK(call_jobs_library(R"({"job": "x.toml"})", err) == 2);  // no command at all: never training
  CHECK_THAT(err, ContainsSubstring("has no command ''"));
  CHECK(call_jobs_library("not json", err) == 1);
  CHECK_THAT(err, ContainsSubstring("not JSON"));
}
