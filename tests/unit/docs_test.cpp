// docs/jobs.md's reference is generated from the schemas; it must say what the code does today.
#include "unit/catch.hpp"

#include "unit/test_support.hpp"

using namespace hearth::test;

TEST_CASE("docs/jobs.md lists every host and module key as the code defines them", "[docs]") {
  TempDir cache, empty;
  CommandResult r = run_command("cd '" + empty.path().string() + "' && env -u HEARTH_PLUGIN_PATH HEARTH_CACHE_DIR='" +
                                cache.path().string() + "' XDG_DATA_HOME='" + (cache / "data").string() +
                                "' '" HEARTH_EXE "' plugins --markdown");
  REQUIRE(r.exit_code == 0);
  std::string doc = read_text(fs::path(HEARTH_SOURCE_DIR) / "docs" / "jobs.md");
  std::string begin = "<!-- generated:begin -->\n\n", end = "\n\n<!-- generated:end -->";
  auto b = doc.find(begin), e = doc.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  std::string generated = doc.substr(b + begin.size(), e - b - begin.size());
  INFO("docs/jobs.md is out of date: run scripts/gen-docs.sh");
  std::string output = r.output;
  while (!output.empty() && output.back() == '\n') output.pop_back();  // as $(...) in gen-docs.sh
  CHECK(generated == output);
  CHECK_THAT(r.output, ContainsSubstring("#### `cnn`"));
}
