#include "engine/runs/metrics_table.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "engine/core/atomic_file.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/regular_file.hpp"

namespace hearth {
namespace {

/// The cells of one line (the files hold numbers and names without commas).
std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream is(line);
  while (std::getline(is, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

/// A cell's value: NaN for an empty cell and "nan"; nullopt when it is no number.
std::optional<double> cell_value(const std::string& cell) {
  if (cell.empty() || cell == "nan") return NAN;
  char* end = nullptr;
  const double v = std::strtod(cell.c_str(), &end);
  if (end != cell.c_str() + cell.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<size_t> MetricsTable::index_of(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  return std::nullopt;
}

std::vector<double> MetricsTable::column(const std::string& name) const {
  std::vector<double> out;
  if (std::optional<size_t> i = index_of(name))
    for (const std::vector<double>& row : rows) out.push_back(row[*i]);
  return out;
}

MetricsTable parse_metrics_table(const std::string& text, const std::string& file, DamagedRows damaged) {
  MetricsTable table;
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line.empty()) return table;
  table.columns = cells_of(line);
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = cells_of(line);
    std::string why;
    std::vector<double> row;
    if (cells.size() != table.columns.size())
      why = std::to_string(cells.size()) + " cells for " + std::to_string(table.columns.size()) + " columns; the file is damaged";
    for (size_t i = 0; why.empty() && i < cells.size(); ++i) {
      const std::optional<double> v = cell_value(cells[i]);
      if (!v) why = "'" + printable(cells[i]) + "' in column " + printable(table.columns[i]) + " is not a number";
      else row.push_back(*v);
    }
    if (why.empty()) table.rows.push_back(std::move(row));
    else if (damaged == DamagedRows::refuse) throw UsageError(printable(file) + ":" + std::to_string(number) + ": " + why);
  }
  return table;
}

MetricsTable read_metrics_table(const std::filesystem::path& file, DamagedRows damaged) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return {};
  require_regular_file(file, "metrics table");
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return parse_metrics_table(text.str(), file.string(), damaged);
}

MetricsTableWriter::MetricsTableWriter(const std::filesystem::path& file, std::vector<std::string> columns,
                                       int64_t keep_epochs_through)
    : file_(file), columns_(std::move(columns)) {
  std::vector<std::string> kept;
  if (keep_epochs_through >= 0) {
    std::ifstream in(file_);
    std::string line;
    std::getline(in, line);  // header
    for (int number = 2; std::getline(in, line); ++number) {
      if (line.empty()) continue;
      const std::string cell = line.substr(0, line.find(','));
      char* end = nullptr;
      const long long epoch = std::strtoll(cell.c_str(), &end, 10);
      if (cell.empty() || *end != '\0')
        throw UsageError(printable(file_.string()) + ":" + std::to_string(number) + ": '" + printable(cell) +
                         "' is not an " + columns_.front() + " number; the file is damaged: repair or remove that line and resume again");
      if (epoch <= keep_epochs_through) kept.push_back(line);
    }
  }
  std::ostringstream text;
  for (size_t i = 0; i < columns_.size(); ++i) text << (i ? "," : "") << columns_[i];
  text << "\n";
  for (const std::string& l : kept) text << l << "\n";
  write_file_atomically(file_, text.str());
  out_.open(file_, std::ios::app);
  if (!out_) throw Error("cannot append to " + printable(file_.string()));
}

void MetricsTableWriter::row(const std::vector<std::optional<double>>& values) {
  std::ostringstream os;
  os.precision(9);
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) os << ',';
    if (!values[i]) continue;
    double v = *values[i];
    if (std::isnan(v)) os << "nan";
    else if (columns_[i] == "epoch" || columns_[i] == "step" || columns_[i] == "skipped_steps" || columns_[i] == "batch")
      os << static_cast<int64_t>(v);
    else os << v;
  }
  out_ << os.str() << '\n';
  out_.flush();
}

}  // namespace hearth
