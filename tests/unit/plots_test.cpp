// Metric and parameter plots: the pictures every run gets and `hearth plot` draws; their errors.
#include "unit/catch.hpp"

#include <fstream>

#include "engine/core/error.hpp"
#include "engine/plots/chart.hpp"
#include "engine/plots/metrics_plot.hpp"
#include "engine/plots/params_plot.hpp"
#include "engine/plots/run_curves.hpp"
#include "unit/picture_check.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

std::vector<fs::path> runs_under(const fs::path& root) {
  std::vector<fs::path> out;
  for (auto& job : fs::directory_iterator(root))
    for (auto& run : fs::directory_iterator(job.path())) out.push_back(run.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("nice ticks are round numbers that cover the range", "[plots]") {
  std::vector<double> unit = nice_ticks(0, 1, 5);
  REQUIRE(unit.size() == 6);
  for (size_t i = 0; i < unit.size(); ++i) CHECK(unit[i] == Approx(0.2 * static_cast<double>(i)));
  std::vector<double> t = nice_ticks(0.8312, 0.9487, 5);
  REQUIRE(t.size() >= 3);
  CHECK(t.front() >= 0.8312);
  CHECK(t.back() <= 0.9487);
  CHECK(t[1] - t[0] == Approx(0.025));
  CHECK(tick_label(0.0005) == "0.0005");
  CHECK(tick_label(2.5e-6) == "2.5e-06");
}

TEST_CASE("a damaged metrics.csv is refused with its line", "[plots]") {
  CHECK_THROWS_WITH(parse_metrics_table("epoch,train.loss\n1,0.5\n2\n", "m.csv"), ContainsSubstring("m.csv:3"));
  CHECK_THROWS_WITH(parse_metrics_table("epoch,train.loss\n1,abc\n", "m.csv"), ContainsSubstring("'abc'"));
  const MetricsTable ok = parse_metrics_table("epoch,valid.loss\n1,\n2,nan\n3,0.25\n", "m.csv");
  REQUIRE(ok.column("valid.loss").size() == 3);
  CHECK(std::isnan(ok.column("valid.loss")[0]));
  CHECK(ok.column("valid.loss")[2] == 0.25);
}

TEST_CASE("every run draws metrics.png and metrics.svg and hearth plot overlays runs", "[plots][jobs]") {
  TempDir runs, cache, out;
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + runs.path().string() + " --set train.epochs=3", cache.path()).exit_code == 0);
  REQUIRE(run_hearth("run " + kJob + " --runs-dir " + runs.path().string() +
                         " --set train.epochs=3 --set optimizer.lr=0.02 --set 'model.hidden=[8]'",
                     cache.path()).exit_code == 0);
  std::vector<fs::path> found = runs_under(runs.path());
  REQUIRE(found.size() == 2);
  PngFacts png = png_facts(found[0] / "metrics.png");
  CHECK(png.width >= 800);
  CHECK(png.height >= 600);
  CHECK(png.colours > 20);  // not blank: lines, text, grid
  std::string error;
  CHECK(svg_parses(found[0] / "metrics.svg", error));
  INFO(error);
  CHECK(read_text(found[0] / "metrics.svg").find("<path") != std::string::npos);

  RunCurves curves = read_run_curves(found[0]);
  CHECK(curves.monitor == "valid.accuracy");
  CHECK(curves.values["epoch"].size() == 3);

  CommandResult plot = run_hearth("plot " + found[0].string() + " " + found[1].string() + " --out " +
                                      (out / "both.svg").string(), cache.path());
  CHECK(plot.exit_code == 0);
  CHECK(svg_parses(out / "both.svg", error));
  CHECK(read_text(out / "both.svg").find("<path") != std::string::npos);

  CommandResult params = run_hearth("plot --params " + runs.path().string() + " --out " + (out / "params.png").string(), cache.path());
  CHECK(params.exit_code == 0);
  INFO(params.output);
  PngFacts p = png_facts(out / "params.png");
  CHECK(p.width > 300);
  CHECK(p.colours > 20);
  std::vector<RunParams> rp = read_runs_params(runs.path());
  REQUIRE(rp.size() == 2);
  CHECK(rp[0].monitor == "valid.accuracy");

  SECTION("bad input is a usage error that names the file") {
    CommandResult not_run = run_hearth("plot " + out.path().string(), cache.path());
    CHECK(not_run.exit_code == 2);
    CHECK_THAT(not_run.output, ContainsSubstring("is not a run folder"));
    CommandResult bad_ext = run_hearth("plot " + found[0].string() + " --out " + (out / "x.jpg").string(), cache.path());
    CHECK(bad_ext.exit_code == 2);
    CHECK_THAT(bad_ext.output, ContainsSubstring(".png or .svg"));
    CommandResult one = run_hearth("plot --params " + found[0].parent_path().string() + "/nothing-here", cache.path());
    CHECK(one.exit_code == 2);
  }
}

TEST_CASE("the parameters plot needs runs that differ", "[plots]") {
  RunParams a{"a", {{"optimizer.lr", "0.1"}}, {true}, "valid.accuracy", 0.5};
  RunParams b{"b", {{"optimizer.lr", "0.1"}}, {true}, "valid.accuracy", 0.6};
  TempDir out;
  CHECK_THROWS_WITH(write_params_plot({a}, out / "p.png"), ContainsSubstring("two or more runs"));
  CHECK_THROWS_WITH(write_params_plot({a, b}, out / "p.png"), ContainsSubstring("same hyper-parameters"));
  b.values[0].second = "0.01";
  RunParams c{"c", {{"optimizer.lr", "0.001"}, {"model.plugin", "cnn"}}, {true, false}, "valid.accuracy", 0.7};
  write_params_plot({a, b, c}, out / "p.svg");
  std::string error;
  CHECK(svg_parses(out / "p.svg", error));
}
