// diagnostics/scalars.csv: the numbers diagnostics record, one row each (epoch, diagnostic, name,
// value). This file's reader is the only code that parses it, and its appender the only code that
// writes it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "engine/runs/metrics_table.hpp"

namespace hearth {

struct DiagnosticScalar {
  int64_t epoch = 0;  ///< 1-based
  std::string diagnostic, name;
  double value = 0;
};

/// Appends one epoch's numbers of `diagnostic` (names are plain: [A-Za-z0-9_.-]), the header first
/// when the file is new. Throws Error naming the file when it cannot be written.
void append_diagnostic_scalars(const std::filesystem::path& file, const std::string& diagnostic, int64_t epoch,
                               const std::vector<std::pair<std::string, double>>& values);

/// The file's rows; a missing file has none. An epoch a resumed run ran its diagnostics for again
/// has rows twice: the later ones count, the earlier ones are left out. A damaged row (one being
/// written while the studio reads) is refused with UsageError naming the file and line, or skipped.
std::vector<DiagnosticScalar> read_diagnostic_scalars(const std::filesystem::path& file, DamagedRows damaged = DamagedRows::refuse);

}  // namespace hearth
