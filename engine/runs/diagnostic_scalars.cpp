#include "engine/runs/diagnostic_scalars.hpp"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth {

namespace fs = std::filesystem;

namespace {
constexpr const char* kScalarsHeader = "epoch,diagnostic,name,value";
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

std::vector<DiagnosticScalar> read_diagnostic_scalars(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return {};
  std::map<std::tuple<int64_t, std::string, std::string>, size_t> at;  // the latest row of each
  std::vector<DiagnosticScalar> rows;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (number == 1 && line == kScalarsHeader) continue;
    auto bad = [&] {
      return UsageError(printable(file.string()) + ":" + std::to_string(number) + ": not a row of " + kScalarsHeader + ": \"" +
                        printable(line) + "\"");
    };
    std::istringstream cells(line);
    std::string epoch, diagnostic, name, value;
    if (!std::getline(cells, epoch, ',') || !std::getline(cells, diagnostic, ',') || !std::getline(cells, name, ',') ||
        !std::getline(cells, value) || diagnostic.empty() || name.empty())
      throw bad();
    DiagnosticScalar row;
    try {
      size_t used = 0;
      row.epoch = std::stoll(epoch, &used);
      if (used != epoch.size()) throw bad();
      row.value = std::stod(value, &used);
      if (used != value.size()) throw bad();
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception&) {
      throw bad();
    }
    row.diagnostic = diagnostic;
    row.name = name;
    auto key = std::make_tuple(row.epoch, diagnostic, name);
    if (auto it = at.find(key); it != at.end()) {
      rows[it->second] = row;
    } else {
      at[key] = rows.size();
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace hearth
