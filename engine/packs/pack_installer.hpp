// Building, verifying, installing and removing module packs. Installing unpacks into a temporary
// folder beside the destination, verifies every file there, and renames it into place; what it
// added is recorded in .hearth-install.json so that removing deletes exactly that.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/packs/pack_archive.hpp"
#include "engine/packs/pack_manifest.hpp"
#include "engine/packs/pack_signing.hpp"

namespace hearth {

/// Packs `dir` (its pack.toml plus every other file) into `out`; fills [build] with this host's
/// versions when pack.toml has none and [files] with the SHA-256 of each file. Returns the manifest.
PackManifest build_pack(const std::filesystem::path& dir, const std::filesystem::path& out);

/// A pack read and checked: the manifest matches every file, the signature is verified.
struct VerifiedPack {
  PackManifest manifest;
  std::string manifest_text;
  SignatureCheck signature;
  std::vector<PackEntry> entries;
};

/// Signs the pack `file` with the secret key `key` (replacing an earlier signature), once its files
/// match its manifest. Streamed through a folder beside it.
void sign_pack(const std::filesystem::path& file, const std::filesystem::path& key);

/// Reads `file` and checks it: safety rules, every file against the manifest (naming the file and
/// both hashes on a mismatch), no file missing from it, the signature. Throws UsageError.
VerifiedPack verify_pack(const std::filesystem::path& file, const std::filesystem::path& trust, const PackLimits& limits = {});

struct InstallOptions {
  std::filesystem::path root;  ///< the plugin folder the pack goes under (root/<name>/)
  bool upgrade = false;
  bool allow_unsigned = false;
  PackLimits limits;
};

/// Installs `file`; returns the pack's folder. Refuses unsigned or untrusted packs without
/// allow_unsigned, packs built for another ABI or LibTorch, and an installed pack without upgrade.
std::filesystem::path install_pack(const std::filesystem::path& file, const std::filesystem::path& trust,
                                   const InstallOptions& options);

struct InstalledPack {
  std::string name, version, signed_by;
  std::filesystem::path folder;
};

/// Packs installed (with a record) under `root`.
std::vector<InstalledPack> installed_packs(const std::filesystem::path& root);

/// Deletes what installing `name` under `root` added; returns the files removed. Files the user
/// added later are left, and said; so are files the install added that the user changed since
/// (their SHA-256 differs from the install's), unless `force`.
std::vector<std::string> remove_pack(const std::filesystem::path& root, const std::string& name, bool force = false);

}  // namespace hearth
