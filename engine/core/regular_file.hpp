// Files Hearth reads whole (packs, checkpoints) must be regular files: a FIFO blocks a reader
// forever, /dev/zero never ends, a folder is no file. Checked before opening, with what it is.
#pragma once

#include <filesystem>
#include <string>

namespace hearth {

/// Throws UsageError unless `path` (following links) is a regular file: "`what` PATH is a FIFO,
/// not a regular file", or "does not exist". The path is printed escaped.
void require_regular_file(const std::filesystem::path& path, const std::string& what);

}  // namespace hearth
