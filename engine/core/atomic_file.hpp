// Replacing a file so that a reader, or a machine that loses power, sees the old file or the new
// one, never a mix.
#pragma once

#include <filesystem>
#include <string>

namespace hearth {

/// Writes `text` to `path` through a temporary file, fsync and a rename: a reader sees the old
/// file or the new one. On failure the temporary is removed, the old file is untouched, and the
/// Error says why ("cannot write [what ]PATH: No space left on device").
void write_file_atomically(const std::filesystem::path& path, const std::string& text, const std::string& what = "");

/// fsyncs a folder, so that entries renamed into it reach the disk; failures are ignored (some
/// file systems cannot sync a folder, and the rename has happened either way).
void sync_folder(const std::filesystem::path& folder);

}  // namespace hearth
