#include "engine/plots/run_curves.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream is(line);
  while (std::getline(is, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

}  // namespace

void parse_metrics_csv(const std::string& text, const std::string& file, RunCurves& out) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line.empty()) throw UsageError(file + " is empty: the run has no finished epoch yet");
  out.columns = split_csv_line(line);
  for (const std::string& c : out.columns) out.values[c];
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    std::vector<std::string> cells = split_csv_line(line);
    if (cells.size() != out.columns.size())
      throw UsageError(file + ":" + std::to_string(number) + ": " + std::to_string(cells.size()) + " cells for " +
                       std::to_string(out.columns.size()) + " columns; the file is damaged");
    for (size_t i = 0; i < cells.size(); ++i) {
      double v = NAN;
      if (!cells[i].empty() && cells[i] != "nan") {
        size_t used = 0;
        try {
          v = std::stod(cells[i], &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != cells[i].size())
          throw UsageError(file + ":" + std::to_string(number) + ": '" + cells[i] + "' in column " + out.columns[i] +
                           " is not a number");
      }
      out.values[out.columns[i]].push_back(v);
    }
  }
}

RunCurves read_run_curves(const std::filesystem::path& run) {
  RunCurves out;
  out.folder = run;
  std::ifstream info_file(run / "run.json");
  if (!info_file) throw UsageError(run.string() + " is not a run folder (no run.json); give a folder under runs/<job>/");
  nlohmann::json info;
  try {
    info = nlohmann::json::parse(info_file);
  } catch (const std::exception& e) {
    throw UsageError((run / "run.json").string() + " is unreadable: " + e.what());
  }
  out.label = info.value("job", run.parent_path().filename().string()) + "/" + run.filename().string();
  if (info.contains("columns")) out.loss_names = info["columns"].value("losses", std::vector<std::string>{});
  if (info.contains("monitor")) out.monitor = info["monitor"].value("name", "");
  if (info.contains("best")) {
    out.best_value = info["best"].value("value", NAN);
    out.best_epoch = info["best"].value("epoch", NAN);
  }
  std::ifstream csv(run / "metrics.csv");
  if (!csv) throw UsageError((run / "metrics.csv").string() + " is missing: the run has not finished an epoch");
  std::stringstream text;
  text << csv.rdbuf();
  parse_metrics_csv(text.str(), (run / "metrics.csv").string(), out);
  return out;
}

}  // namespace hearth
