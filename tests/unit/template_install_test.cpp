// The whole out-of-tree path: install Hearth into a prefix, scaffold a metric with `hearth new`,
// build it against the installed SDK with find_package(Hearth), drop it in a plugins folder,
// see `hearth plugins` list it, and run it through the ABI; then pack it, sign it, trust the key,
// install the pack, train a job that uses the module, and remove the pack.
#include "unit/catch.hpp"
#include <nlohmann/json.hpp>

#include "engine/params/param_resolver.hpp"
#include "engine/runtime/modules/metric_module.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

/// `hearth plugins` lists the dropped-in module beside the built-ins, and describes it.
void check_listed(const std::string& hearth, const fs::path& plugins) {
  CommandResult list = run_command(hearth + " plugins --json --plugin-path '" + plugins.string() + "'");
  INFO(list.output);
  REQUIRE(list.exit_code == 0);
  auto modules = nlohmann::json::parse(list.output);
  bool found_top3 = false, found_builtin = false;
  for (const auto& m : modules) {
    if (m["name"] == "top3") {
      found_top3 = true;
      CHECK(m["category"] == "metric");
      CHECK(m["pack"] == "top3");
      CHECK(m["origin"] == "--plugin-path");
    }
    found_builtin |= m["name"] == "mlp";
  }
  CHECK(found_top3);
  CHECK(found_builtin);

  CommandResult describe = run_command(hearth + " plugins describe top3 --plugin-path '" + plugins.string() + "'");
  CHECK(describe.exit_code == 0);
  CHECK_THAT(describe.output, ContainsSubstring("k  "));
}

/// The module computes what it says: top-3 hits over a small batch.
void check_top3_computes(const fs::path& library) {
  ModuleRef ref = load_module(library, HEARTH_CATEGORY_METRIC, "top3");
  MetricModule metric(ref, default_params(*ref.info));
  at::Tensor scores = at::tensor({0.1, 0.2, 0.3, 0.4, 0.9, 0.8, 0.7, 0.0}, at::kFloat).reshape({2, 4});
  metric.update({scores}, {at::tensor({0, 3}, at::kLong)});  // row 0: 0 is not in its top 3; row 1: 3 is not either
  metric.update({scores}, {at::tensor({3, 0}, at::kLong)});  // both inside
  CHECK(metric.compute() == Approx(0.5));
}

/// The pack path, with the installed hearth only: pack, sign, refuse untrusted, trust, install,
/// train a job that uses the module, remove.
void check_pack_path(const std::string& cmake, const std::string& hearth, const fs::path& project, const fs::path& work,
                     const fs::path& cache) {
  std::string packer = "env HEARTH_TRUST_DIR='" + (cache / "trust").string() + "' " + hearth;
  CommandResult packed = run_command(cmake + " --build '" + (project / "build").string() + "' --target pack");
  INFO(packed.output);
  REQUIRE(packed.exit_code == 0);
  fs::path hpack = project / "build" / "top3-0.1.0.hpack";
  REQUIRE(fs::exists(hpack));
  REQUIRE(run_command(packer + " pack keygen '" + (work / "author").string() + "'").exit_code == 0);
  REQUIRE(run_command(packer + " pack sign '" + hpack.string() + "' --key '" + (work / "author.key").string() + "'").exit_code == 0);
  CommandResult untrusted = run_command(packer + " pack install '" + hpack.string() + "' --into '" + (work / "packs").string() + "'");
  CHECK(untrusted.exit_code == 2);
  REQUIRE(run_command(packer + " pack trust add '" + (work / "author.pub").string() + "'").exit_code == 0);
  CommandResult installed = run_command(packer + " pack install '" + hpack.string() + "' --into '" + (work / "packs").string() + "'");
  INFO(installed.output);
  REQUIRE(installed.exit_code == 0);
  CHECK(fs::exists(work / "packs" / "top3" / "lib" / "libtop3.so"));
  CHECK(fs::exists(work / "packs" / "top3" / "lib" / "libscaled_mae.so"));  // every module of the project

  std::string job = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";
  CommandResult trained = run_command(packer + " run '" + job + "' --plugin-path '" + (work / "packs").string() +
                                      "' --runs-dir '" + (work / "runs").string() +
                                      "' --set train.epochs=1 --set train.monitor=valid.top3 --set 'metrics=[{plugin=\"top3:top3\"}]'");
  INFO(trained.output);
  REQUIRE(trained.exit_code == 0);
  bool has_column = false;
  for (auto& j : fs::directory_iterator(work / "runs"))
    for (auto& r : fs::directory_iterator(j.path())) has_column = read_text(r.path() / "metrics.csv").find("valid.top3") != std::string::npos;
  CHECK(has_column);

  CommandResult removed = run_command(packer + " pack remove top3 --into '" + (work / "packs").string() + "'");
  INFO(removed.output);
  CHECK(removed.exit_code == 0);
  CHECK_FALSE(fs::exists(work / "packs" / "top3"));
}

}  // namespace

TEST_CASE("a plugin scaffolded by hearth new builds against the installed SDK and is found", "[install][slow]") {
  TempDir prefix, work, plugins, cache;
  const std::string cmake = "'" HEARTH_CMAKE_COMMAND "'";
  CommandResult install = run_command(cmake + " --install '" HEARTH_BUILD_DIR "' --prefix '" + prefix.path().string() + "'");
  INFO(install.output);
  REQUIRE(install.exit_code == 0);
  REQUIRE(fs::exists(prefix / "lib/hearth/plugins/models/libhearth_model_mlp.so"));
  REQUIRE(fs::exists(prefix / "libexec/hearth/hearth-plugin-scanner"));
  REQUIRE(fs::exists(prefix / "include/hearth/abi.h"));

  // The installed host must find its own scanner, built-ins and template: no HEARTH_* overrides.
  std::string env = "env -u HEARTH_SCANNER -u HEARTH_PLUGIN_PATH -u HEARTH_TEMPLATE_DIR NO_COLOR=1 HEARTH_CACHE_DIR='" +
                    cache.path().string() + "' XDG_DATA_HOME='" + (cache / "data").string() + "' ";
  std::string hearth = env + "'" + (prefix / "bin" / "hearth").string() + "'";
  CommandResult scaffold = run_command(hearth + " new metric top3 --dir '" + work.path().string() + "'");
  INFO(scaffold.output);
  REQUIRE(scaffold.exit_code == 0);

  fs::path project = work / "top3";
  // A second module of another category in the same project: one build, one plugins folder.
  CommandResult second = run_command(hearth + " new loss scaled_mae --dir '" + project.string() + "'");
  INFO(second.output);
  REQUIRE(second.exit_code == 0);
  CommandResult configure = run_command(cmake + " -S '" + project.string() + "' -B '" + (project / "build").string() +
                                        "' -DCMAKE_PREFIX_PATH='" + prefix.path().string() + "'");
  INFO(configure.output);
  REQUIRE(configure.exit_code == 0);
  CommandResult build = run_command(cmake + " --build '" + (project / "build").string() + "' -j2");
  INFO(build.output);
  REQUIRE(build.exit_code == 0);
  // The post-build step already made a plugins folder; drop the library into our own too.
  REQUIRE(fs::exists(project / "build" / "plugins" / "metrics" / "libtop3.so"));
  REQUIRE(fs::exists(project / "build" / "plugins" / "losses" / "libscaled_mae.so"));
  CommandResult both = run_command(hearth + " plugins --plugin-path '" + (project / "build" / "plugins").string() + "' --no-builtins");
  INFO(both.output);
  CHECK_THAT(both.output, ContainsSubstring("top3") && ContainsSubstring("scaled_mae"));
  fs::create_directories(plugins / "metrics");
  fs::copy_file(project / "build" / "libtop3.so", plugins / "metrics" / "libtop3.so");

  check_listed(hearth, plugins.path());
  check_top3_computes(plugins / "metrics" / "libtop3.so");
  check_pack_path(cmake, hearth, project, work.path(), cache.path());
}
