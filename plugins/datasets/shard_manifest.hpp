// What the `shards` dataset reads besides the tar files: the brace patterns that name shards,
// manifest.json (written by `hearth shard`) and JSON members. Torch-free and compiled once
// (shard_manifest.cpp, with nlohmann::json), so the dataset's own file stays quick to rebuild.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace hearth_datasets {

/// Every name a brace pattern stands for: `{000..099}` (numbers, as wide as the first) and
/// `{a,b}` (alternatives), as many as the pattern holds, in order.
std::vector<std::string> expand_braces(const std::string& pattern);

/// What manifest.json says of a folder's shards; all empty when the folder has none.
struct ShardManifest {
  std::vector<std::string> classes;                 ///< class names, by class number
  std::map<std::string, std::string> tensor_names;  ///< member extension -> tensor name
  std::vector<std::string> inputs, targets;         ///< member extensions, by role
};

/// `folder`/manifest.json, or an empty manifest when there is none; one that is not a JSON
/// object is an error naming the file.
ShardManifest read_shard_manifest(const std::filesystem::path& folder);

/// A JSON member's numbers: one number (`scalar` set) or a flat list of them. Anything else is
/// an error naming `what`.
std::vector<float> json_numbers(const std::string& text, const std::string& what, bool& scalar);

}  // namespace hearth_datasets
