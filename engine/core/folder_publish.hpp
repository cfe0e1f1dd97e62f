// Folders that appear only when whole: a run or sweep folder is filled while hidden
// (".NAME.creating-PID") and renamed into place without ever replacing another, so a reader, or
// a process killed half-way, never leaves a folder that looks complete and is not.
#pragma once

#include <filesystem>
#include <string>

namespace hearth {

/// Where a folder named `name` under `base` is prepared: "base/.NAME.creating-PID".
std::filesystem::path preparing_folder(const std::filesystem::path& base, const std::string& name);

/// Removes the hidden preparing folders under `base` whose process is gone (killed while making one).
void remove_unfinished_folders(const std::filesystem::path& base);

/// Moves `prepared` to base/name, or with `numbered` to the first free of base/name-1, -2, ...
/// Returns where it went. Throws UsageError when `name` is taken and not `numbered`, Error when
/// the rename fails otherwise.
std::filesystem::path publish_folder(const std::filesystem::path& prepared, const std::filesystem::path& base,
                                     const std::string& name, bool numbered);

}  // namespace hearth
