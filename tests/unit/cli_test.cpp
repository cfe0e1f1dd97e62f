// `hearth` as a user runs it: output, exit codes (0 ok, 1 failure, 2 usage), no colour off a terminal.
#include "unit/catch.hpp"
#include <nlohmann/json.hpp>
#include <torch/version.h>

#include <string>

#include "hearth/version.h"
#include "unit/test_support.hpp"

using namespace hearth::test;

TEST_CASE("hearth --version names the host the plugin ABI and LibTorch", "[cli]") {
  TempDir cache;
  CommandResult r = run_hearth("--version", cache.path());
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("hearth 0.1.0"));
  CHECK_THAT(r.output, ContainsSubstring("plugin ABI " + std::to_string(HEARTH_ABI_MAJOR) + "." + std::to_string(HEARTH_ABI_MINOR)));
  // The LibTorch this build uses: 1.13 on Debian 12, 2.6 on Debian 13.
  CHECK_THAT(r.output, ContainsSubstring("LibTorch " + std::to_string(TORCH_VERSION_MAJOR) + "." +
                                         std::to_string(TORCH_VERSION_MINOR) + "."));
}

TEST_CASE("hearth plugins lists the built-ins as a table and as JSON", "[cli]") {
  TempDir cache;
  CommandResult table = run_hearth("plugins", cache.path());
  CHECK(table.exit_code == 0);
  CHECK_THAT(table.output, ContainsSubstring("CATEGORY"));
  CHECK_THAT(table.output, ContainsSubstring("libhearth_model_mlp.so"));
  CHECK(table.output.find('\033') == std::string::npos);

  CommandResult json = run_hearth("plugins --json", cache.path());
  REQUIRE(json.exit_code == 0);
  auto list = nlohmann::json::parse(json.output);
  REQUIRE(list.size() == builtin_modules().size());
  std::set<std::string> categories;
  for (const auto& m : list) {
    categories.insert(m["category"].get<std::string>());
    CHECK(m["pack"] == "builtin");
    CHECK(m["version"] == "0.1.0");
  }
  CHECK(categories.size() == HEARTH_CATEGORY_COUNT);  // every category has a built-in

  CommandResult models = run_hearth("plugins --category models --json", cache.path());
  REQUIRE(models.exit_code == 0);
  auto only = nlohmann::json::parse(models.output);
  std::set<std::string> names;
  for (const auto& m : only) {
    CHECK(m["category"] == "model");
    names.insert(m["name"].get<std::string>());
  }
  CHECK(names.count("mlp") == 1);
  CHECK(names.count("cnn") == 1);
}

TEST_CASE("hearth plugins describe prints every parameter", "[cli]") {
  TempDir cache;
  CommandResult r = run_hearth("plugins describe mlp", cache.path());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("mlp  (model)"));
  CHECK_THAT(r.output, ContainsSubstring("Multilayer perceptron"));
  CHECK_THAT(r.output, ContainsSubstring("plugin ABI " + std::to_string(HEARTH_ABI_MAJOR) + "." + std::to_string(HEARTH_ABI_MINOR)));
  // The compiler that built the plugin, named as it names itself (the tests and the built-in
  // plugins share one).
#if defined(__clang__)
  CHECK_THAT(r.output, ContainsSubstring(__VERSION__) && !ContainsSubstring("GCC"));
#else
  CHECK_THAT(r.output, ContainsSubstring(std::string("GCC ") + __VERSION__));
#endif
  std::string hidden_line = r.output.substr(r.output.find("    hidden "));
  hidden_line = hidden_line.substr(0, hidden_line.find('\n'));
  CHECK_THAT(hidden_line, Matches(" +hidden +int list +\\[256, 128\\] +\\[1, inf\\) +Width of each hidden layer.*"));
  CHECK_THAT(r.output, ContainsSubstring("one of relu|tanh|gelu|sigmoid"));

  std::string file = (builtin_plugin_dir() / "losses" / "libhearth_loss_mse.so").string();
  CommandResult by_file = run_hearth("plugins describe " + file, cache.path());
  CHECK(by_file.exit_code == 0);
  CHECK_THAT(by_file.output, ContainsSubstring("mse  (loss)"));

  CommandResult json = run_hearth("plugins describe builtin:sgd --json", cache.path());
  REQUIRE(json.exit_code == 0);
  auto j = nlohmann::json::parse(json.output);
  CHECK(j[0]["params"][0]["key"] == "lr");

  // Parameters that name files or folders say so (the host checks them when a job is checked).
  CommandResult csv = run_hearth("plugins describe csv", cache.path());
  std::string file_line = csv.output.substr(csv.output.find("    file "));
  CHECK_THAT(file_line.substr(0, file_line.find('\n')), Matches(" +file +string +\\(required\\) +a regular file +CSV file.*"));
  CommandResult idx = run_hearth("plugins describe idx --json", cache.path());
  CHECK(nlohmann::json::parse(idx.output)[0]["params"][0]["names"] == "folder");
}

TEST_CASE("usage errors exit 2 with a hint", "[cli]") {
  TempDir cache;
  CommandResult typo = run_hearth("plugins describe mpl", cache.path());
  CHECK(typo.exit_code == 2);
  CHECK_THAT(typo.output, ContainsSubstring("did you mean 'mlp'?"));

  CommandResult cat = run_hearth("plugins --category widgets", cache.path());
  CHECK(cat.exit_code == 2);
  CHECK_THAT(cat.output, ContainsSubstring("unknown category 'widgets'"));

  CHECK(run_hearth("", cache.path()).exit_code == 2);
  CHECK(run_hearth("plugins --frobnicate", cache.path()).exit_code == 2);
}

TEST_CASE("hearth keeps working beside broken plugins and lists them with --blocked", "[cli][broken]") {
  TempDir cache;
  std::string paths;
  for (const char* n : {"crash_at_load", "hang_at_load", "abi_major", "not_a_library"})
    paths += " --plugin-path " + test_plugin_dir(n).string();
  CommandResult list = run_hearth("plugins" + paths, cache.path());
  CHECK(list.exit_code == 0);
  CHECK_THAT(list.output, ContainsSubstring("libhearth_model_mlp.so"));
  CHECK_THAT(list.output, ContainsSubstring("4 plugin file(s) rejected or blocked"));
  CHECK_THAT(list.output, ContainsSubstring("libcrash_at_load.so blocked: it crashed the scanner with signal 11"));

  CommandResult blocked = run_hearth("plugins --blocked --json" + paths, cache.path());
  REQUIRE(blocked.exit_code == 0);
  auto j = nlohmann::json::parse(blocked.output);
  REQUIRE(j.size() == 4);
  std::map<std::string, std::string> status;
  for (const auto& e : j) status[fs::path(e["file"].get<std::string>()).filename().string()] = e["status"];
  CHECK(status["libcrash_at_load.so"] == "blocked");
  CHECK(status["libhang_at_load.so"] == "blocked");
  CHECK(status["libabi_major.so"] == "rejected");
  CHECK(status["libnot_a_library.so"] == "rejected");

  CommandResult text = run_hearth("plugins --blocked" + paths, cache.path());
  CHECK_THAT(text.output, ContainsSubstring("hung while loading"));
  CHECK_THAT(text.output, ContainsSubstring("--rescan tries them again"));

  CommandResult describe = run_hearth("plugins describe " + (test_plugin_dir("abi_major") / "libabi_major.so").string(),
                                      cache.path());
  CHECK(describe.exit_code == 1);
  CHECK_THAT(describe.output, ContainsSubstring("is rejected: plugin ABI major differs"));
}

TEST_CASE("hearth new scaffolds a renamed project for each category", "[cli][new]") {
  TempDir cache, work;
  CommandResult r = run_hearth("new metric top3 --dir " + work.path().string(), cache.path());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("cmake -S"));
  CHECK_THAT(r.output, ContainsSubstring("--plugin-path"));
  std::string manifest = read_text(work / "top3" / "hearth-plugin.toml");
  CHECK_THAT(manifest, ContainsSubstring("name = \"top3\""));
  CHECK_THAT(manifest, ContainsSubstring("category = \"metric\""));
  // The template's own summary is not the author's module's (before, every pack carried it).
  CHECK_THAT(manifest, ContainsSubstring("summary = \"top3: a metric module (write what it does here, in hearth-plugin.toml)\""));
  std::string source = read_text(work / "top3" / "src" / "top3.cpp");
  CHECK_THAT(source, ContainsSubstring("class Top3 : public hearth::Metric"));
  CHECK(source.find("template_module") == std::string::npos);
  CHECK_FALSE(fs::exists(work / "top3" / "skeletons"));

  CommandResult model = run_hearth("new model tiny_net --dir " + work.path().string(), cache.path());
  REQUIRE(model.exit_code == 0);
  CHECK_THAT(read_text(work / "tiny_net" / "src" / "tiny_net.cpp"), ContainsSubstring("class TinyNet : public hearth::Model"));
  CHECK_THAT(read_text(work / "tiny_net" / "hearth-plugin.toml"), ContainsSubstring("category = \"model\""));
  REQUIRE(run_hearth("new model small_net --summary 'A two-layer net for $1 tests' --dir " + work.path().string(), cache.path()).exit_code == 0);
  CHECK_THAT(read_text(work / "small_net" / "hearth-plugin.toml"), ContainsSubstring("summary = \"A two-layer net for $1 tests\""));
  CommandResult quoted = run_hearth("new model quoted_net --summary 'say \"hi\"' --dir " + work.path().string(), cache.path());
  CHECK(quoted.exit_code == 2);
  CHECK_FALSE(fs::exists(work / "quoted_net"));

  // --dir naming a project adds the module to it: its source, and an entry of the manifest's modules.
  CommandResult added = run_hearth("new loss my_loss --dir " + (work / "top3").string(), cache.path());
  INFO(added.output);
  REQUIRE(added.exit_code == 0);
  CHECK_THAT(read_text(work / "top3" / "src" / "my_loss.cpp"), ContainsSubstring("class MyLoss : public hearth::Loss"));
  REQUIRE(run_hearth("new model tiny_lm --dir " + (work / "top3").string(), cache.path()).exit_code == 0);
  CHECK_THAT(read_text(work / "top3" / "hearth-plugin.toml"), ContainsSubstring("modules = [\"my_loss:loss\", \"tiny_lm:model\"]"));
  CHECK_THAT(read_text(work / "top3" / "hearth-plugin.toml"), ContainsSubstring("name = \"top3\""));
  CHECK(run_hearth("new loss my_loss --dir " + (work / "top3").string(), cache.path()).exit_code == 2);
  CHECK(run_hearth("new model top3 --dir " + (work / "top3").string(), cache.path()).exit_code == 2);
  CHECK(run_hearth("new metric top3 --dir " + work.path().string(), cache.path()).exit_code == 2);
  CHECK(run_hearth("new metric Bad-Name --dir " + work.path().string(), cache.path()).exit_code == 2);
  CommandResult widget = run_hearth("new widget w --dir " + work.path().string(), cache.path());
  CHECK(widget.exit_code == 2);
  CHECK_THAT(widget.output, ContainsSubstring("use one of dataset, analyzer"));
}

TEST_CASE("a repeatable option takes one value per occurrence, so it never swallows the job", "[cli]") {
  TempDir cache;
  const std::string job = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";
  const std::string plugins = builtin_plugin_dir().string();
  // Before this, CLI11 read the job as a second plugin folder and said the job was missing.
  CommandResult before = run_hearth("check --plugin-path " + plugins + " " + job, cache.path());
  CHECK(before.exit_code == 0);
  CHECK_THAT(before.output, ContainsSubstring("OK: dataset random"));

  CommandResult sets = run_hearth("check --set train.epochs=-1 --plugin-path " + plugins + " " + job, cache.path());
  CHECK(sets.exit_code == 2);
  CHECK_THAT(sets.output, ContainsSubstring("epochs"));

  // Two values after one flag: the second takes the job's place, a usage error that names it, not
  // a silent second setting.
  CommandResult two = run_hearth("check --set train.epochs=2 train.epochs=3 " + job, cache.path());
  CHECK(two.exit_code == 2);
  CHECK_THAT(two.output, ContainsSubstring("job: File does not exist: train.epochs=3"));
}

TEST_CASE("more threads than the CPUs a process may run on are kept as asked and said", "[cli][threads]") {
  TempDir runs, cache;
  // Bound to one CPU, as `hearth run --nproc 2` binds each rank on a machine of two.
  const std::string run = "exec taskset -c 0 env -u HEARTH_PLUGIN_PATH HEARTH_CACHE_DIR='" + cache.path().string() + "' '" HEARTH_EXE
                          "' run " HEARTH_SOURCE_DIR "/assets/jobs/random-smoke.toml --set train.epochs=1 --runs-dir '" +
                          runs.path().string() + "' --set job.threads=";
  CommandResult two = run_command(run + "2");
  INFO(two.output);
  REQUIRE(two.exit_code == 0);
  CHECK_THAT(two.output, ContainsSubstring("[job] threads = 2, but this process may run on 1 CPU (bound to 0)"));
  CommandResult one = run_command(run + "1");
  REQUIRE(one.exit_code == 0);
  CHECK_THAT(one.output, !ContainsSubstring("threads would take turns"));
}
