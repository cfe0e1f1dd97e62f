// Where a run folder keeps its diagnostics' files (diagnostics/<name>/epoch-NNN.png, .npy beside
// them, diagnostics/scalars.csv): the observer that writes them and every reader (the studio,
// `hearth runs show`) name them through here, so their layout has one owner.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hearth {

/// `run`/diagnostics/`name`/epoch-NNN.png
std::filesystem::path diagnostic_picture_file(const std::filesystem::path& run, const std::string& name, int64_t epoch);
/// `run`/diagnostics/`name`/epoch-NNN.`what`.npy
std::filesystem::path diagnostic_tensor_file(const std::filesystem::path& run, const std::string& name, int64_t epoch,
                                             const std::string& what);
/// `run`/diagnostics/scalars.csv
std::filesystem::path diagnostic_scalars_file(const std::filesystem::path& run);

/// One diagnostic's pictures, by epoch.
struct DiagnosticPictures {
  std::string name;
  std::vector<int64_t> epochs;      ///< ascending
  std::vector<std::string> files;   ///< "diagnostics/<name>/epoch-NNN.png", relative to the run, one per epoch
};

/// The pictures a run's diagnostics have drawn so far, sorted by name. Only regular files named as
/// the observer names them count: links, hidden names, other files and folders are left out, so
/// nothing a listing returns leads outside the run. A run without diagnostics has none.
std::vector<DiagnosticPictures> list_diagnostic_pictures(const std::filesystem::path& run);

}  // namespace hearth
