// ed25519 signatures of packs (libsodium) and the trust store of public keys. A signature covers
// pack.toml, which holds the SHA-256 of every other file, so it covers the whole pack.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

/// A key pair written as NAME.key (secret, mode 0600) and NAME.pub; returns the key id.
std::string generate_key_pair(const std::filesystem::path& base);

/// The id of a public key: the first 16 hex digits of its SHA-256.
std::string key_id(const std::string& public_key);

/// pack.sig text: key_id and a detached signature of `manifest` with the secret key in `key_file`.
std::string sign_manifest(const std::string& manifest, const std::filesystem::path& key_file);

struct SignatureCheck {
  enum class Status { unsigned_pack, untrusted, trusted } status = Status::unsigned_pack;
  std::string key_id;
  std::string key_name;  ///< the trusted key's file name
};

/// Checks pack.sig text (empty: unsigned) against `manifest` with the keys of `trust_dir`.
/// Throws UsageError when a trusted key's signature does not match: the pack was altered.
SignatureCheck check_signature(const std::string& signature_text, const std::string& manifest,
                               const std::filesystem::path& trust_dir, const std::string& where);

/// The trust store: $HEARTH_TRUST_DIR, else $XDG_CONFIG_HOME/hearth/trusted-keys (~/.config/...).
std::filesystem::path trust_dir();

struct TrustedKey {
  std::string id, name;
  std::filesystem::path file;
};

/// Adds a .pub file to the store (as <id>.pub, remembering its name); returns the entry.
TrustedKey trust_add(const std::filesystem::path& dir, const std::filesystem::path& public_key_file);
std::vector<TrustedKey> trust_list(const std::filesystem::path& dir);
/// Removes a key by id (or unique id prefix) or name; throws UsageError when none or several match.
TrustedKey trust_remove(const std::filesystem::path& dir, const std::string& id_or_name);

}  // namespace hearth
