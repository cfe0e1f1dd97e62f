#include "engine/runs/run_metrics.hpp"

#include <cmath>
#include <map>
#include <string>

#include "engine/runs/diagnostic_files.hpp"
#include "engine/runs/diagnostic_scalars.hpp"

namespace hearth {

namespace {
constexpr const char* kPrefix = "diagnostics.";
std::string column_of(const DiagnosticScalar& s) { return kPrefix + s.diagnostic + "." + s.name; }
}  // namespace

bool is_diagnostic_column(const std::string& column) { return column.rfind(kPrefix, 0) == 0; }

MetricsTable read_run_metrics(const std::filesystem::path& run, DamagedRows damaged) {
  MetricsTable table = read_metrics_table(run / "metrics.csv", damaged);
  const std::optional<size_t> epoch_column = table.index_of("epoch");
  if (!epoch_column) return table;
  const std::vector<DiagnosticScalar> scalars = read_diagnostic_scalars(diagnostic_scalars_file(run), damaged);
  if (scalars.empty()) return table;
  std::map<double, size_t> row_of;  // epoch -> row
  for (size_t r = 0; r < table.rows.size(); ++r) row_of[table.rows[r][*epoch_column]] = r;
  std::map<std::string, size_t> position;  // sorted names first, positions after
  for (const DiagnosticScalar& s : scalars) position[column_of(s)] = 0;
  for (auto& [name, at] : position) {
    at = table.columns.size();
    table.columns.push_back(name);
  }
  for (std::vector<double>& row : table.rows) row.resize(table.columns.size(), std::nan(""));
  for (const DiagnosticScalar& s : scalars) {
    auto row = row_of.find(static_cast<double>(s.epoch));
    if (row != row_of.end()) table.rows[row->second][position.at(column_of(s))] = s.value;
  }
  return table;
}

}  // namespace hearth
