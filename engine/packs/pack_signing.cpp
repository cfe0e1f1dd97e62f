#include "engine/packs/pack_signing.hpp"

#include <sodium.h>
#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/core/error.hpp"
#include "engine/core/sha256.hpp"

namespace hearth {
namespace fs = std::filesystem;
namespace {

const char* kPublicTag = "hearth-pack-public-key";
const char* kSecretTag = "hearth-pack-secret-key";

std::string base64(const unsigned char* data, size_t n) {
  std::string out(sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string unbase64(const std::string& text, size_t expected, const std::string& where) {
  std::string out(expected, '\0');
  size_t got = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.c_str(), text.size(), nullptr, &got,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      got != expected)
    throw UsageError(where + ": not a valid key or signature (bad base64 or length)");
  return out;
}

/// "<tag> <base64>" from a key file.
std::string read_key(const fs::path& file, const char* tag, size_t bytes) {
  std::ifstream in(file);
  if (!in) throw UsageError(file.string() + ": cannot read the key file");
  std::string t, b64;
  in >> t >> b64;
  if (t != tag)
    throw UsageError(file.string() + ": not a " + std::string(tag == kPublicTag ? "public" : "secret") +
                     " key made by `hearth pack keygen`");
  return unbase64(b64, bytes, file.string());
}

void init() {
  if (sodium_init() < 0) throw Error("libsodium failed to initialise");
}

}  // namespace

std::string key_id(const std::string& public_key) { return sha256_bytes(public_key).substr(0, 16); }

std::string generate_key_pair(const fs::path& base) {
  init();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  fs::path secret = base, pub = base;
  secret += ".key";
  pub += ".pub";
  if (fs::exists(secret) || fs::exists(pub))
    throw UsageError(secret.string() + " or " + pub.string() + " exists; choose another name (keys are never overwritten)");
  {
    std::ofstream out(secret);
    if (!out) throw UsageError("cannot write " + secret.string());
    ::chmod(secret.c_str(), 0600);
    out << kSecretTag << " " << base64(sk, sizeof sk) << "\n";
  }
  sodium_memzero(sk, sizeof sk);
  std::ofstream(pub) << kPublicTag << " " << base64(pk, sizeof pk) << "\n";
  return key_id(std::string(reinterpret_cast<char*>(pk), sizeof pk));
}

std::string sign_manifest(const std::string& manifest, const fs::path& key_file) {
  init();
  std::string sk = read_key(key_file, kSecretTag, crypto_sign_SECRETKEYBYTES);
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(manifest.data()), manifest.size(),
                       reinterpret_cast<const unsigned char*>(sk.data()));
  std::string pk = sk.substr(crypto_sign_SECRETKEYBYTES - crypto_sign_PUBLICKEYBYTES);  // ed25519 sk ends with pk
  sodium_memzero(sk.data(), sk.size());
  return "key_id = \"" + key_id(pk) + "\"\nsignature = \"" + base64(sig, sizeof sig) + "\"\n";
}

SignatureCheck check_signature(const std::string& text, const std::string& manifest, const fs::path& dir,
                               const std::string& where) {
  init();
  SignatureCheck r;
  if (text.empty()) return r;
  toml::table t;
  try {
    t = toml::parse(text);
  } catch (const toml::parse_error&) {
    throw UsageError(where + ": pack.sig is damaged");
  }
  r.key_id = t["key_id"].value_or(std::string());
  std::string sig = unbase64(t["signature"].value_or(std::string()), crypto_sign_BYTES, where + ": pack.sig");
  r.status = SignatureCheck::Status::untrusted;
  for (const TrustedKey& k : trust_list(dir)) {
    if (k.id != r.key_id) continue;
    std::string pk = read_key(k.file, kPublicTag, crypto_sign_PUBLICKEYBYTES);
    if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                    reinterpret_cast<const unsigned char*>(manifest.data()), manifest.size(),
                                    reinterpret_cast<const unsigned char*>(pk.data())) != 0)
      throw UsageError(where + ": the signature of trusted key " + k.name + " (" + k.id +
                       ") does not match pack.toml: the pack was altered after signing; refused");
    r.status = SignatureCheck::Status::trusted;
    r.key_name = k.name;
  }
  return r;
}

fs::path trust_dir() {
  if (const char* d = std::getenv("HEARTH_TRUST_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return fs::path(x) / "hearth" / "trusted-keys";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".config" / "hearth" / "trusted-keys";
  throw UsageError("no trust store: set HOME, XDG_CONFIG_HOME or HEARTH_TRUST_DIR");
}

TrustedKey trust_add(const fs::path& dir, const fs::path& public_key_file) {
  std::string pk = read_key(public_key_file, kPublicTag, crypto_sign_PUBLICKEYBYTES);
  TrustedKey k{key_id(pk), public_key_file.stem().string(), dir / (key_id(pk) + ".pub")};
  fs::create_directories(dir);
  std::ofstream out(k.file);
  if (!out) throw UsageError("cannot write " + k.file.string());
  out << kPublicTag << " " << base64(reinterpret_cast<const unsigned char*>(pk.data()), pk.size()) << " " << k.name << "\n";
  return k;
}

std::vector<TrustedKey> trust_list(const fs::path& dir) {
  std::vector<TrustedKey> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".pub") continue;
    std::ifstream in(e.path());
    std::string tag, b64, name;
    in >> tag >> b64 >> name;
    out.push_back({e.path().stem().string(), name.empty() ? e.path().stem().string() : name, e.path()});
  }
  std::sort(out.begin(), out.end(), [](const TrustedKey& a, const TrustedKey& b) { return a.name < b.name; });
  return out;
}

TrustedKey trust_remove(const fs::path& dir, const std::string& id_or_name) {
  std::vector<TrustedKey> matches;
  for (const TrustedKey& k : trust_list(dir))
    if (k.name == id_or_name || k.id.rfind(id_or_name, 0) == 0) matches.push_back(k);
  if (matches.empty()) throw UsageError("no trusted key '" + id_or_name + "'; `hearth pack trust list` shows them");
  if (matches.size() > 1) throw UsageError("'" + id_or_name + "' matches several trusted keys; give more of the id");
  fs::remove(matches[0].file);
  return matches[0];
}

}  // namespace hearth
