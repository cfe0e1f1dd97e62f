// pack.toml: what a module pack is, what it was built against, and the SHA-256 of every file.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace hearth {

struct PackManifest {
  std::string name;     ///< [a-z0-9][a-z0-9_-]*: the pack's folder and its `pack:` prefix
  std::string version;  ///< free text, "1.2.0"
  std::string summary;
  std::vector<std::string> authors;
  std::string license;
  int abi_major = 0, abi_minor = 0;      ///< the Hearth plugin ABI its libraries use
  int torch_major = 0, torch_minor = 0;  ///< the LibTorch its libraries link
  int cxx11_abi = -1;                    ///< _GLIBCXX_USE_CXX11_ABI of the build
  std::map<std::string, std::string> files;  ///< path inside the pack -> SHA-256 hex
};

/// Parses pack.toml text; `where` names it in errors (UsageError with line when TOML is broken).
PackManifest parse_manifest(const std::string& text, const std::string& where);

/// The manifest as TOML, keys in a stable order (the signed bytes).
std::string manifest_text(const PackManifest& m);

/// Throws LibraryRefusal, with discovery's wording, when the pack's libraries cannot load here.
void check_pack_versions(const PackManifest& m, const std::string& where);

}  // namespace hearth
