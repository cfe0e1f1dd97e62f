// Names from requests turned into paths, treated as hostile bytes: a run is named "JOB/RUN"
// under the runs folder, a file "a/b.png" under its run, and a saved job "x/y.toml" under the
// studio's folder. Nothing resolves outside those folders, through a symbolic link, or to
// anything but a regular file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hearth::studio {

/// The folder of run `id` ("JOB/RUN": two names of [A-Za-z0-9][A-Za-z0-9._+-]*, each a real
/// folder, not a link). Throws UsageError saying why not.
std::filesystem::path run_folder_of(const std::filesystem::path& runs_dir, const std::string& id);

/// The id of a run folder under `runs_dir`.
std::string run_id_of(const std::filesystem::path& runs_dir, const std::filesystem::path& run);

/// A regular file's bytes, at most `max_bytes`.
struct FileBytes {
  std::string bytes;
  std::string name;  ///< the last component, for its content type
};

/// Reads `relative` ("metrics.csv", "renders/sheet.png") under `folder`, opening each component
/// with O_NOFOLLOW: a link, "..", an absolute path, a hidden name, a FIFO or device, or a file past
/// `max_bytes` is refused with UsageError.
FileBytes read_file_inside(const std::filesystem::path& folder, const std::string& relative, uint64_t max_bytes);

/// The regular files under `folder` (not following links, at most `depth` folders deep, hidden
/// names left out), as relative paths with their sizes.
struct ListedFile {
  std::string path;
  uint64_t size = 0;
};
std::vector<ListedFile> files_inside(const std::filesystem::path& folder, int depth);

/// Where a job named `relative` ("jobs/mnist.toml") is saved under `work_dir`: it must end in
/// .toml, be UTF-8 without control characters, have no "..", no hidden or absolute part, and its folder must exist inside `work_dir`
/// without links. Throws UsageError.
std::filesystem::path job_path_inside(const std::filesystem::path& work_dir, const std::string& relative);

}  // namespace hearth::studio
