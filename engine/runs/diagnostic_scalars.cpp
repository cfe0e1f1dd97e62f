#include "engine/runs/diagnostic_scalars.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth {

namespace fs = std::filesystem;

namespace {
constexpr const char* kScalarsHeader = "epoch,diagnostic,name,value";

/// One row, or nullopt when `line` is not one (a cell missing or not a number).
std::optional<DiagnosticScalar> parse_row(const std::string& line) {
  std::istringstream cells(line);
  DiagnosticScalar row;
  std::string epoch, value;
  if (!std::getline(cells, epoch, ',') || !std::getline(cells, row.diagnostic, ',') || !std::getline(cells, row.name, ',') ||
      !std::getline(cells, value) || row.diagnostic.empty() || row.name.empty() || epoch.empty() || value.empty())
    return std::nullopt;
  char* end = nullptr;
  errno = 0;
  row.epoch = std::strtoll(epoch.c_str(), &end, 10);
  if (*end != '\0' || errno != 0) return std::nullopt;
  row.value = std::strtod(value.c_str(), &end);  // nan and inf read back as written
  if (*end != '\0') return std::nullopt;
  return row;
}

}  // namespace

void append_diagnostic_scalars(const fs::path& file, const std::string& diagnostic, int64_t epoch,
                               const std::vector<std::pair<std::string, double>>& values) {
  if (values.empty()) return;
  fs::create_directories(file.parent_path());
  std::error_code ec;
  const bool fresh = !fs::exists(file, ec) || fs::file_size(file, ec) == 0;
  std::ofstream out(file, std::ios::app);
  if (fresh) out << kScalarsHeader << '\n';
  // Shortest text that reads back as the same double.
  for (const auto& [name, value] : values) out << epoch << ',' << diagnostic << ',' << name << ',' << fmt::format("{}", value) << '\n';
  if (!out.flush()) throw Error("cannot write " + printable(file.string()));
}

std::vector<DiagnosticScalar> read_diagnostic_scalars(const fs::path& file, DamagedRows damaged) {
  std::ifstream in(file);
  if (!in) return {};
  std::map<std::tuple<int64_t, std::string, std::string>, size_t> at;  // the latest row of each
  std::vector<DiagnosticScalar> rows;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (number == 1 && line == kScalarsHeader) continue;
    std::optional<DiagnosticScalar> row = parse_row(line);
    if (!row && damaged == DamagedRows::skip) continue;
    if (!row)
      throw UsageError(printable(file.string()) + ":" + std::to_string(number) + ": not a row of " + kScalarsHeader + ": \"" +
                       printable(line) + "\"");
    auto key = std::make_tuple(row->epoch, row->diagnostic, row->name);
    if (auto it = at.find(key); it != at.end()) {
      rows[it->second] = std::move(*row);
    } else {
      at[key] = rows.size();
      rows.push_back(std::move(*row));
    }
  }
  return rows;
}

}  // namespace hearth
