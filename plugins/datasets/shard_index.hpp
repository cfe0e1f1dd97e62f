// The members of one shard (a tar file), read from its headers once and cached in Hearth's cache
// folder, where the cache is checked against the shard's size and modification time on every
// open: a shard that changed is indexed again, never read through a stale index. Header-only,
// for the `shards` dataset.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "tar_index.hpp"

namespace hearth_datasets {

/// Hearth's cache folder, as the host finds it ($HEARTH_CACHE_DIR, $XDG_CACHE_HOME/hearth,
/// ~/.cache/hearth).
inline std::filesystem::path hearth_cache_folder() {
  if (const char* dir = std::getenv("HEARTH_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "hearth";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".cache" / "hearth";
  return std::filesystem::temp_directory_path() / "hearth-cache";
}

/// A shard's identity as the cache checks it.
struct ShardStamp {
  std::string path;  ///< absolute
  uint64_t size = 0;
  int64_t mtime_sec = 0, mtime_nsec = 0;
  bool operator==(const ShardStamp& o) const {
    return path == o.path && size == o.size && mtime_sec == o.mtime_sec && mtime_nsec == o.mtime_nsec;
  }
};

namespace shard_cache {

constexpr char kMagic[] = "HEARTH-SHARD-INDEX-1\n";

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
inline void put_text(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

/// Reads what put() wrote; false when the bytes run out or a length is not believable.
class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
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

inline std::filesystem::path file_for(const ShardStamp& s) {
  const std::string name = std::filesystem::path(s.path).filename().string();
  std::string safe;
  for (char c : name.substr(0, 40)) safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return hearth_cache_folder() / "shard-index" / (safe + "-" + std::to_string(std::hash<std::string>{}(s.path)) + ".idx");
}

inline bool load(const ShardStamp& stamp, std::vector<TarMember>& members) {
  std::ifstream in(file_for(stamp), std::ios::binary);
  if (!in) return false;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.compare(0, sizeof kMagic - 1, kMagic) != 0) return false;
  const std::string body = bytes.substr(sizeof kMagic - 1);
  Reader r(body);
  ShardStamp cached;
  uint64_t count = 0;
  if (!r.get_text(cached.path) || !r.get(cached.size) || !r.get(cached.mtime_sec) || !r.get(cached.mtime_nsec) ||
      !(cached == stamp) || !r.get(count) || count > body.size())
    return false;
  std::vector<TarMember> out(count);
  for (TarMember& m : out)
    if (!r.get_text(m.name) || !r.get(m.header_offset) || !r.get(m.data_offset) || !r.get(m.size) || !r.get(m.type) ||
        m.data_offset + (m.regular() ? m.size : 0) > stamp.size)
      return false;
  members = std::move(out);
  return true;
}

/// Writes the index through a temporary file and a rename, so that ranks indexing the same
/// shard at once never read half a file; a cache that cannot be written costs only time.
inline void save(const ShardStamp& stamp, const std::vector<TarMember>& members) {
  std::string out = kMagic;
  put_text(out, stamp.path);
  put(out, stamp.size);
  put(out, stamp.mtime_sec);
  put(out, stamp.mtime_nsec);
  put<uint64_t>(out, members.size());
  for (const TarMember& m : members) {
    put_text(out, m.name);
    put(out, m.header_offset);
    put(out, m.data_offset);
    put(out, m.size);
    put(out, m.type);
  }
  const std::filesystem::path file = file_for(stamp);
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const std::filesystem::path tmp = file.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f.write(out.data(), static_cast<std::streamsize>(out.size()))) return;
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

}  // namespace shard_cache

/// One shard, open for reading its members from any thread (pread).
class Shard {
 public:
  /// Opens `path` (a regular file: a FIFO or device is refused) and indexes it, or takes its
  /// index from the cache when the shard's size and modification time still match.
  explicit Shard(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0)
      throw std::invalid_argument("cannot open shard " + path + ": " + std::strerror(errno) + "; check the dataset's shard names");
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw std::invalid_argument("shard " + path + " is not a regular file");
    }
    stamp_ = {std::filesystem::absolute(path).lexically_normal().string(), static_cast<uint64_t>(st.st_size), st.st_mtim.tv_sec,
              st.st_mtim.tv_nsec};
    if (!shard_cache::load(stamp_, members_)) {
      members_ = list_tar_members(fd_, stamp_.size, "shard " + path);
      shard_cache::save(stamp_, members_);
    }
  }
  ~Shard() {
    if (fd_ >= 0) ::close(fd_);
  }
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  const std::string& path() const { return stamp_.path; }
  const std::vector<TarMember>& members() const { return members_; }
  /// The bytes of member `i`; throws when the shard changed under its index.
  std::string read(size_t i) const { return read_tar_member(fd_, members_[i], "shard " + stamp_.path); }

 private:
  int fd_ = -1;
  ShardStamp stamp_;
  std::vector<TarMember> members_;
};

}  // namespace hearth_datasets
