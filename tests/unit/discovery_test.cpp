// Discovery: roots, the scanner child, the block list, the cache and name clashes.
#include "unit/catch.hpp"

#include <cstdlib>
#include <fstream>

#include "engine/core/category.hpp"
#include "engine/core/error.hpp"
#include "engine/runtime/library_loader.hpp"
#include "engine/runtime/modules/metric_module.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const ScanResult* problem_for(const PluginRegistry& reg, const std::string& file_part) {
  for (const ScanResult& r : reg.problems())
    if (r.path.find(file_part) != std::string::npos) return &r;
  return nullptr;
}

std::vector<fs::path> all_test_plugin_dirs() {
  std::vector<fs::path> dirs;
  for (const char* n : {"good_c", "noisy", "crash_at_load", "hang_at_load", "abi_major", "small_struct", "twins", "no_entry",
                        "throwing", "not_a_library"})
    dirs.push_back(test_plugin_dir(n));
  return dirs;
}

}  // namespace

TEST_CASE("the built-in pack covers every category", "[discovery]") {
  TempDir cache;
  PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {}));
  CHECK(reg.problems().empty());
  std::set<std::pair<std::string, std::string>> found;
  for (const ModuleEntry& m : reg.modules()) found.insert({category_name(m.info.category), m.info.name});
  CHECK(found == std::set<std::pair<std::string, std::string>>(builtin_modules().begin(), builtin_modules().end()));
  std::set<std::string> categories;
  for (const ModuleEntry& m : reg.modules()) {
    categories.insert(category_name(m.info.category));
    CHECK(m.pack == "builtin");
    CHECK(m.origin == "built-in");
  }
  CHECK(categories.size() == HEARTH_CATEGORY_COUNT);
  for (auto [cat, name] : std::vector<std::pair<hearth_category, const char*>>{
           {HEARTH_CATEGORY_DATASET, "random"}, {HEARTH_CATEGORY_ANALYZER, "class_count"}, {HEARTH_CATEGORY_LOSS, "mse"},
           {HEARTH_CATEGORY_METRIC, "accuracy"}, {HEARTH_CATEGORY_MODEL, "mlp"}, {HEARTH_CATEGORY_OPTIMIZER, "sgd"},
           {HEARTH_CATEGORY_RENDERER, "bitmap"}, {HEARTH_CATEGORY_SCHEDULER, "step"}})
    CHECK(reg.find(cat, name).info.category == cat);
  const ModuleEntry& mlp = reg.find(HEARTH_CATEGORY_MODEL, "mlp");
  REQUIRE(mlp.info.param("hidden") != nullptr);
  CHECK(*mlp.info.param("hidden")->default_toml == "[256, 128]");
}

TEST_CASE("broken plugins are reported with file and reason and good ones still work", "[discovery][broken]") {
  TempDir cache;
  PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), all_test_plugin_dirs()));

  const ScanResult* crash = problem_for(reg, "libcrash_at_load.so");
  REQUIRE(crash != nullptr);
  CHECK(crash->status == ScanStatus::blocked);
  CHECK_THAT(crash->reason, ContainsSubstring("crashed the scanner with signal 11"));

  const ScanResult* hang = problem_for(reg, "libhang_at_load.so");
  REQUIRE(hang != nullptr);
  CHECK(hang->status == ScanStatus::blocked);
  CHECK_THAT(hang->reason, ContainsSubstring("hung while loading"));

  const ScanResult* abi = problem_for(reg, "libabi_major.so");
  REQUIRE(abi != nullptr);
  CHECK(abi->status == ScanStatus::rejected);
  CHECK_THAT(abi->reason, ContainsSubstring("built for plugin ABI 99."));
  CHECK_THAT(abi->reason, ContainsSubstring("this host needs plugin ABI 1"));

  const ScanResult* tiny = problem_for(reg, "libsmall_struct.so");
  REQUIRE(tiny != nullptr);
  CHECK_THAT(tiny->reason, ContainsSubstring("struct_size 8"));

  const ScanResult* text = problem_for(reg, "libnot_a_library.so");
  REQUIRE(text != nullptr);
  CHECK_THAT(text->reason, ContainsSubstring("not a shared library"));

  const ScanResult* plain = problem_for(reg, "libno_entry.so");
  REQUIRE(plain != nullptr);
  CHECK_THAT(plain->reason, ContainsSubstring("without a Hearth entry"));

  CHECK(reg.problems().size() == 6);

  // The good ones are all there: the built-ins, the C plugin, the throwing pack and both twins.
  CHECK(reg.lookup("c_metric").size() == 1);
  CHECK(reg.lookup("noisy").size() == 1);  // printed JSON to stdout while loading: no harm done
  CHECK(reg.lookup("always_throws").size() == 1);
  CHECK(reg.lookup("mlp").size() == 1);
  size_t builtins = 0;
  for (const ModuleEntry& m : reg.modules()) builtins += m.pack == "builtin";
  CHECK(builtins == builtin_modules().size());

  // And a good plugin found beside the broken ones loads and runs in this process.
  ModuleRef ref = load_module(reg.find(HEARTH_CATEGORY_METRIC, "c_metric").file, HEARTH_CATEGORY_METRIC, "c_metric");
  ParamValues params;
  params.set("mode", std::string("sum"));
  MetricModule metric(ref, params);
  metric.update({at::zeros({1}), at::zeros({1})}, {at::zeros({1})});
  CHECK(metric.compute() == 3.0);
}

TEST_CASE("blocked files stay blocked without rescanning until they change", "[discovery][broken]") {
  TempDir cache, root;
  fs::create_directories(root / "metrics");
  fs::path copy = root / "metrics" / "libcrash_at_load.so";
  fs::copy_file(test_plugin_dir("crash_at_load") / "libcrash_at_load.so", copy);
  DiscoveryOptions o = isolated_discovery(cache.path(), {root.path()}, false);

  PluginRegistry first = PluginRegistry::discover(o);
  CHECK(first.scanned_now() == 1);
  REQUIRE(first.problems().size() == 1);
  CHECK(first.problems()[0].status == ScanStatus::blocked);

  PluginRegistry second = PluginRegistry::discover(o);
  CHECK(second.scanned_now() == 0);
  REQUIRE(second.problems().size() == 1);
  CHECK(second.problems()[0].status == ScanStatus::blocked);

  fs::last_write_time(copy, fs::last_write_time(copy) + std::chrono::seconds(5));
  PluginRegistry third = PluginRegistry::discover(o);
  CHECK(third.scanned_now() == 1);

  o.rescan = true;
  CHECK(PluginRegistry::discover(o).scanned_now() == 1);
}

TEST_CASE("the scan cache answers warm starts and is dropped for another host build", "[discovery][cache]") {
  TempDir cache;
  DiscoveryOptions o = isolated_discovery(cache.path(), {});
  const size_t n = builtin_library_count();
  CHECK(PluginRegistry::discover(o).scanned_now() == n);
  PluginRegistry warm = PluginRegistry::discover(o);
  CHECK(warm.scanned_now() == 0);
  CHECK(warm.modules().size() == builtin_modules().size());

  fs::path file = cache / "plugin-scan.json";
  std::string text = read_text(file);
  auto at = text.find("\"torch\": \"");
  REQUIRE(at != std::string::npos);
  text.replace(at, 10, "\"torch\": \"0.0-");
  std::ofstream(file, std::ios::trunc) << text;
  CHECK(PluginRegistry::discover(o).scanned_now() == n);

  std::ofstream(file, std::ios::trunc) << "{ not json";
  PluginRegistry again = PluginRegistry::discover(o);
  CHECK(again.scanned_now() == n);
  CHECK(again.modules().size() == builtin_modules().size());
}

TEST_CASE("a name offered twice - the first wins the other is reachable as pack:name", "[discovery]") {
  TempDir cache;
  PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {test_plugin_dir("twins")}, false));
  REQUIRE(reg.clashes().size() == 1);
  CHECK(reg.clashes()[0].winner.filename() == "libtwin_a.so");
  CHECK(reg.clashes()[0].loser.filename() == "libtwin_b.so");
  CHECK(reg.find(HEARTH_CATEGORY_METRIC, "twin").pack == "pack_a");
  CHECK(reg.find(HEARTH_CATEGORY_METRIC, "pack_b:twin").file.filename() == "libtwin_b.so");
  CHECK(reg.lookup("twin").size() == 1);
}

TEST_CASE("earlier search roots win and pack folders take their name from pack.toml", "[discovery]") {
  TempDir cache, first, second;
  fs::copy_file(test_plugin_dir("twins") / "libtwin_b.so", first / "libtwin_b.so");
  fs::create_directories(second / "metrics");
  fs::copy_file(test_plugin_dir("twins") / "libtwin_a.so", second / "metrics" / "libtwin_a.so");
  fs::create_directories(second / "my_pack" / "lib");
  std::ofstream(second / "my_pack" / "pack.toml") << "name = \"renamed\"\nversion = \"2.0.0\"\n";
  fs::copy_file(test_plugin_dir("good_c") / "libgood_c.so", second / "my_pack" / "lib" / "libgood_c.so");

  PluginRegistry reg =
      PluginRegistry::discover(isolated_discovery(cache.path(), {first.path(), second.path()}, false));
  CHECK(reg.find(HEARTH_CATEGORY_METRIC, "twin").pack == "pack_b");
  CHECK(reg.find(HEARTH_CATEGORY_METRIC, "renamed:c_metric").pack == "renamed");
  CHECK_THROWS_WITH(reg.find(HEARTH_CATEGORY_METRIC, "twni"), ContainsSubstring("did you mean 'twin'?"));
  CHECK_THROWS_AS(reg.find(HEARTH_CATEGORY_MODEL, "twin"), UsageError);
}

TEST_CASE("search roots come in the documented order", "[discovery]") {
  TempDir home;
  ::setenv("HEARTH_PLUGIN_PATH", "/env/one:/env/two", 1);
  ::setenv("XDG_DATA_HOME", home.path().c_str(), 1);
  RootOptions o;
  o.plugin_paths = {"/cli"};
  o.job_folder = "/jobs";
  o.builtin_folder = "/builtin";
  std::vector<SearchRoot> roots = search_roots(o);
  ::unsetenv("HEARTH_PLUGIN_PATH");
  ::unsetenv("XDG_DATA_HOME");
  std::vector<std::string> paths;
  for (const SearchRoot& r : roots) paths.push_back(r.path.string());
  CHECK(paths == std::vector<std::string>{"/cli", "/env/one", "/env/two", "/jobs/plugins",
                                          (home.path() / "hearth" / "plugins").string(), "/builtin"});
  CHECK(roots[1].origin == "HEARTH_PLUGIN_PATH");
}

TEST_CASE("every skeleton of `hearth new` builds into a valid module of its category", "[discovery][new]") {
  TempDir cache;
  PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {test_plugin_dir("skeletons")}, false));
  CHECK(reg.problems().empty());
  std::set<std::string> seen;
  for (const ModuleEntry& m : reg.modules()) {
    CHECK(m.info.name == std::string("skeleton_") + category_name(m.info.category));
    seen.insert(category_name(m.info.category));
  }
  CHECK(seen.size() == HEARTH_CATEGORY_COUNT);
}
