// metrics.csv: one row per epoch ("epoch", "step", "lr", "train.loss", ...). This file's reader
// is the only code that parses it, and its writer the only code that writes it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

/// metrics.csv read whole: its columns and one row of values per epoch (NaN: an empty cell, a
/// value not measured that epoch, or nan).
struct MetricsTable {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;

  /// The position of column `name`, nullopt when the table has none.
  std::optional<size_t> index_of(const std::string& name) const;
  /// The values of column `name`, one per row; empty when the table has no such column.
  std::vector<double> column(const std::string& name) const;
};

/// What a reader does with a row that is not a row of the table (wrong number of cells, a cell
/// that is no number).
enum class DamagedRows {
  refuse,  ///< UsageError naming the file and the line
  skip,    ///< left out: a file being followed while it is written (the studio)
};

/// Parses metrics.csv text; `file` names it in errors. An empty text is an empty table.
MetricsTable parse_metrics_table(const std::string& text, const std::string& file, DamagedRows damaged = DamagedRows::refuse);
/// Reads `file`; a missing file is an empty table (no epoch has finished yet).
MetricsTable read_metrics_table(const std::filesystem::path& file, DamagedRows damaged = DamagedRows::refuse);

/// Appends metrics.csv's rows (or valid_steps.csv's, whose first column is the step), flushed one
/// by one. On resume, rows after the checkpoint's epoch (step) are dropped first, so the file
/// always matches the checkpoint it continues from.
class MetricsTableWriter {
 public:
  /// Writes the header of `columns`; keeps the rows of an existing file whose first cell (the
  /// epoch, or the step) is at most `keep_epochs_through` (-1: a new run). Throws UsageError
  /// naming a damaged line.
  MetricsTableWriter(const std::filesystem::path& file, std::vector<std::string> columns, int64_t keep_epochs_through = -1);
  /// One row; nullopt is an empty cell (not measured this epoch), NaN is written as nan.
  void row(const std::vector<std::optional<double>>& values);
  const std::vector<std::string>& columns() const { return columns_; }

 private:
  std::filesystem::path file_;
  std::vector<std::string> columns_;
  std::ofstream out_;
};

}  // namespace hearth
