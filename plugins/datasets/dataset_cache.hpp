// Hearth's cache folder as the host finds it, and the binary layout of the files the built-in
// datasets keep there (shard indexes, encoded text): what they computed from their files, kept
// between runs. Header-only: each built-in dataset is its own library.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace hearth_datasets {

/// $HEARTH_CACHE_DIR, else $XDG_CACHE_HOME/hearth, else ~/.cache/hearth, else a folder in /tmp.
inline std::filesystem::path hearth_cache_folder() {
  if (const char* dir = std::getenv("HEARTH_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "hearth";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".cache" / "hearth";
  return std::filesystem::temp_directory_path() / "hearth-cache";
}

namespace cache_bytes {

/// Appends v's bytes as they are in memory (a cache is read back on the machine that wrote it).
template <typename T, typename Bytes>
void put(Bytes& out, T v) {
  const char* p = reinterpret_cast<const char*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}
inline void put_text(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

/// Reads what put() wrote; false when the bytes run out or a length is not believable.
class Reader {
 public:
  Reader(const std::string& bytes, size_t from) : bytes_(bytes), at_(from) {}
  template <typename T>
  bool get(T& v) {
    if (at_ + sizeof v > bytes_.size()) return false;
    std::memcpy(&v, bytes_.data() + at_, sizeof v);
    at_ += sizeof v;
    return true;
  }
  bool get_text(std::string& s) {
    uint64_t n = 0;
    if (!get(n) || n > bytes_.size() - at_) return false;
    s.assign(bytes_.data() + at_, n);
    at_ += n;
    return true;
  }

 private:
  const std::string& bytes_;
  size_t at_ = 0;
};

/// FNV-1a of `text`: a cache file's name (its contents are checked against the whole key).
inline uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace cache_bytes

}  // namespace hearth_datasets
