// `hearth plot RUN_DIR... [--out FILE]`: the metric curves of one or several runs in one picture;
// `hearth plot --params RUNS_FOLDER [--out FILE]`: parallel coordinates of hyper-parameters.
#include <iostream>
#include <memory>

#include "cli_context.hpp"
#include "commands/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/plots/metrics_plot.hpp"
#include "engine/plots/params_plot.hpp"
#include "engine/plots/run_curves.hpp"

namespace hearth::cli {
namespace {

struct PlotOptions {
  std::vector<std::string> runs;
  std::string params_folder;
  std::string out;
};

void plot(const PlotOptions& o) {
  if (!o.params_folder.empty()) {
    if (!o.runs.empty()) throw UsageError("give either run folders or --params RUNS_FOLDER, not both");
    fs::path out = o.out.empty() ? fs::path(o.params_folder) / "params.png" : fs::path(o.out);
    write_params_plot(read_runs_params(o.params_folder), out);
    std::cout << "wrote " << out.string() << '\n';
    return;
  }
  if (o.runs.empty()) throw UsageError("give one or more run folders (see `hearth runs list`), or --params RUNS_FOLDER");
  std::vector<RunCurves> curves;
  for (const std::string& r : o.runs) curves.push_back(read_run_curves(r));
  fs::path out = !o.out.empty()        ? fs::path(o.out)
                 : curves.size() == 1 ? curves[0].folder / "metrics.png"
                                      : fs::path("metrics-compared.png");
  write_metrics_plot(curves, out);
  std::cout << "wrote " << out.string() << '\n';
}

}  // namespace

void setup_plot_command(CLI::App& app) {
  auto o = std::make_shared<PlotOptions>();
  CLI::App* cmd = app.add_subcommand("plot", "Plot the metrics of runs, or their hyper-parameters (--params)");
  cmd->add_option("runs", o->runs, "Run folders; several are overlaid with a legend");
  cmd->add_option("--params", o->params_folder,
                  "Runs folder: parallel coordinates of the hyper-parameters that differ, against the best metric");
  cmd->add_option("--out,-o", o->out,
                  "Picture to write, .png or .svg (default: the run's metrics.png, metrics-compared.png, or "
                  "RUNS_FOLDER/params.png)");
  cmd->callback([o] { plot(*o); });
}

}  // namespace hearth::cli
