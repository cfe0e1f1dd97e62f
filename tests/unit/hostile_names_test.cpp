// Names and strings that are not what they seem (issue 12, part 1): file names with newlines or
// bytes that are not UTF-8, plugin strings that are not UTF-8, pack names that break `pack:name`,
// and a library blocked under a short scan timeout.
#include "unit/catch.hpp"

#include <fstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/discovery/scan_protocol.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const ScanResult* problem_at(const PluginRegistry& reg, const fs::path& file) {
  for (const ScanResult& r : reg.problems())
    if (r.path == file.string()) return &r;
  return nullptr;
}

/// A folder of plugins whose files are copies of test plugins under the given names.
fs::path plugin_folder(const TempDir& root, const std::vector<std::pair<std::string, fs::path>>& files) {
  const fs::path folder = root / "metrics";
  fs::create_directories(folder);
  for (const auto& [name, from] : files) fs::copy_file(from, folder / name);
  return folder;
}

const fs::path kGood = test_plugin_dir("good_c") / "libgood_c.so";
const fs::path kCrash = test_plugin_dir("crash_at_load") / "libcrash_at_load.so";

}  // namespace

TEST_CASE("printable escapes control characters and bytes that are not UTF-8", "[names]") {
  CHECK(is_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5"));
  CHECK_FALSE(is_utf8("caf\xe9"));
  CHECK_FALSE(is_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(is_utf8("\xed\xa0\x80"));      // a surrogate
  CHECK_FALSE(is_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(is_utf8("\xe2\x82"));          // cut short
  CHECK(printable("a\nb\tc\\d") == "a\\nb\\tc\\\\d");
  CHECK(printable("caf\xe9\x01.so") == "caf\\xe9\\x01.so");
  CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");
}

TEST_CASE("scanner messages are framed: any bytes in, the same bytes out", "[names]") {
  const std::string path("odd\nname\0with nul\xff", 19);
  std::string buffer = scan_protocol::frame(path) + scan_protocol::frame("second");
  std::string body;
  REQUIRE(scan_protocol::take_frame(buffer, body));
  CHECK(body == path);
  REQUIRE(scan_protocol::take_frame(buffer, body));
  CHECK(body == "second");
  CHECK_FALSE(scan_protocol::take_frame(buffer, body));
  std::string partial = scan_protocol::frame("abc").substr(0, 5);
  CHECK_FALSE(scan_protocol::take_frame(partial, body));
  std::string huge = "\xff\xff\xff\x7f";
  CHECK_THROWS_AS(scan_protocol::take_frame(huge, body), Error);
}

TEST_CASE("a newline in a plugin's file name cannot move verdicts onto other files", "[names][discovery]") {
  TempDir cache, root;
  // A crashing library whose name holds a newline, scanned before a good one whose name does too.
  const fs::path folder = plugin_folder(root, {{"a-crash\nlibx.so", kCrash}, {"b-good\nliby.so", kGood}});
  PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {root.path()}, false));
  REQUIRE(reg.problems().size() == 1);
  const ScanResult* crash = problem_at(reg, folder / "a-crash\nlibx.so");
  REQUIRE(crash != nullptr);
  CHECK(crash->status == ScanStatus::blocked);
  CHECK_THAT(crash->reason, ContainsSubstring("crashed the scanner with signal 11"));
  REQUIRE(reg.lookup("c_metric").size() == 1);
  CHECK(reg.lookup("c_metric")[0]->file == folder / "b-good\nliby.so");
  // Cached as such: a warm start gives the same verdicts without scanning.
  PluginRegistry again = PluginRegistry::discover(isolated_discovery(cache.path(), {root.path()}, false));
  CHECK(again.scanned_now() == 0);
  CHECK(again.problems().size() == 1);
  CHECK(again.lookup("c_metric").size() == 1);
}

TEST_CASE("a file name that is not UTF-8 is scanned, cached and printed escaped", "[names][discovery]") {
  TempDir cache, root;
  const fs::path folder = plugin_folder(root, {{"caf\xe9.so", kGood}});
  PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {root.path()}, false));
  CHECK(reg.problems().empty());
  REQUIRE(reg.lookup("c_metric").size() == 1);
  CHECK(reg.lookup("c_metric")[0]->file == folder / "caf\xe9.so");
  CHECK(PluginRegistry::discover(isolated_discovery(cache.path(), {root.path()}, false)).scanned_now() == 0);
  for (const auto& e : fs::directory_iterator(cache.path()))
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);

  CommandResult r = run_hearth("plugins describe c_metric --no-builtins --plugin-path '" + root.path().string() + "'", cache.path());
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("caf\\xe9.so"));
}

TEST_CASE("a plugin whose strings are not UTF-8 or whose pack name breaks pack:name is rejected", "[names][discovery]") {
  TempDir cache;
  PluginRegistry reg = PluginRegistry::discover(
      isolated_discovery(cache.path(), {test_plugin_dir("bad_utf8"), test_plugin_dir("colon_pack")}, false));
  REQUIRE(reg.problems().size() == 2);
  const ScanResult* latin = problem_at(reg, test_plugin_dir("bad_utf8") / "libbad_utf8.so");
  REQUIRE(latin != nullptr);
  CHECK(latin->status == ScanStatus::rejected);
  CHECK_THAT(latin->reason, ContainsSubstring("metric 'latin''s summary is not valid UTF-8"));
  CHECK_THAT(latin->reason, ContainsSubstring("caf\\xe9 style"));
  const ScanResult* colon = problem_at(reg, test_plugin_dir("colon_pack") / "libcolon_pack.so");
  REQUIRE(colon != nullptr);
  CHECK(colon->status == ScanStatus::rejected);
  CHECK_THAT(colon->reason, ContainsSubstring("pack name 'a:b' is not [a-z0-9][a-z0-9_-]*"));
  CHECK(reg.lookup("latin").empty());
  CHECK(reg.lookup("colon").empty());
}

TEST_CASE("a library blocked for hanging under a short timeout is scanned again under a longer one", "[names][discovery]") {
  TempDir cache, root;
  plugin_folder(root, {{"libhang.so", test_plugin_dir("hang_at_load") / "libhang_at_load.so"}});
  DiscoveryOptions o = isolated_discovery(cache.path(), {root.path()}, false);
  o.scanner.library_timeout = std::chrono::milliseconds(300);
  PluginRegistry first = PluginRegistry::discover(o);
  REQUIRE(first.problems().size() == 1);
  CHECK(first.problems()[0].timeout_ms == 300);
  CHECK(PluginRegistry::discover(o).scanned_now() == 0);  // the same timeout: still blocked, no rescan
  o.scanner.library_timeout = std::chrono::milliseconds(600);
  PluginRegistry longer = PluginRegistry::discover(o);
  CHECK(longer.scanned_now() == 1);
  REQUIRE(longer.problems().size() == 1);
  CHECK(longer.problems()[0].timeout_ms == 600);
  CHECK_THAT(longer.problems()[0].reason, ContainsSubstring("within 600 ms"));
  o.scanner.library_timeout = std::chrono::milliseconds(300);
  CHECK(PluginRegistry::discover(o).scanned_now() == 0);  // a shorter one does not retry
}
