// The shard index of shard_index.hpp: a shard's headers read through tar_index.hpp, the index
// cached in Hearth's cache folder, and members read back with their headers checked.
#include "shard_index.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "dataset_cache.hpp"
#include "tar_index.hpp"

namespace hearth_datasets {

namespace {

uint64_t name_hash(const std::string& name) {
  return cache_bytes::fnv1a(name);  // enough to tell a rewritten shard's names apart
}


std::string header_name(const unsigned char* h) {
  const std::string prefix = std::memcmp(h + 257, "ustar", 5) == 0 ? tar_detail::field(h, 345, 155) : "";
  return (prefix.empty() ? "" : prefix + "/") + tar_detail::field(h, 0, 100);
}


}  // namespace

std::pair<std::string, std::string> key_and_extension(const std::string& name) {
  const size_t slash = name.rfind('/');
  const size_t dot = name.find('.', slash == std::string::npos ? 0 : slash + 1);
  if (dot == std::string::npos) return {name, ""};
  return {name.substr(0, dot), name.substr(dot + 1)};
}


void check_member_name(const std::string& name, const std::string& shard) {
  std::string why;
  if (name.empty()) why = "is empty";
  else if (name[0] == '/') why = "is absolute";
  else if (("/" + name + "/").find("/../") != std::string::npos) why = "climbs out with '..'";
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) why = "holds a control character";
  if (why.empty()) return;
  std::string shown;
  for (unsigned char c : name.substr(0, 120)) {
    if (c < 0x20 || c == 0x7f || c == '\\') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      shown += hex;
    } else {
      shown += static_cast<char>(c);
    }
  }
  throw std::invalid_argument("shard " + shard + ": member name '" + shown + "' " + why +
                              "; rebuild the shard (hearth shard, or tar from a clean folder)");
}


namespace shard_cache {

constexpr char kMagic[] = "HEARTH-SHARD-INDEX-2\n";

using cache_bytes::put;
using cache_bytes::put_text;
using cache_bytes::Reader;

std::filesystem::path file_for(const ShardStamp& s) {
  const std::string name = std::filesystem::path(s.path).filename().string();
  std::string safe;
  for (char c : name.substr(0, 40)) safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return hearth_cache_folder() / "shard-index" / (safe + "-" + std::to_string(std::hash<std::string>{}(s.path)) + ".idx");
}

/// A shard's index as the cache keeps it: its extensions by name (local ids), its members and
/// its samples, exactly as the dataset holds them (no member names: their hashes).
struct CachedIndex {
  std::vector<std::string> extensions;
  std::vector<CompactMember> members;
  std::vector<std::pair<uint32_t, uint16_t>> samples;
};

bool load(const ShardStamp& stamp, CachedIndex& index) {
  std::ifstream in(file_for(stamp), std::ios::binary);
  if (!in) return false;
  in.seekg(0, std::ios::end);
  std::string bytes(static_cast<size_t>(std::max<std::streamoff>(0, in.tellg())), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())) || bytes.compare(0, sizeof kMagic - 1, kMagic) != 0)
    return false;
  Reader r(bytes, sizeof kMagic - 1);
  ShardStamp cached;
  uint64_t n_ext = 0, n_members = 0, n_samples = 0;
  if (!r.get_text(cached.path) || !r.get(cached.size) || !r.get(cached.mtime_sec) || !r.get(cached.mtime_nsec) ||
      !(cached == stamp) || !r.get(n_ext) || n_ext > 65535)
    return false;
  CachedIndex out;
  out.extensions.resize(n_ext);
  for (std::string& e : out.extensions)
    if (!r.get_text(e)) return false;
  if (!r.get(n_members) || n_members > bytes.size() / sizeof(CompactMember)) return false;
  out.members.resize(n_members);
  for (CompactMember& m : out.members)
    if (!r.get(m) || m.extension >= n_ext || m.header_offset + m.data_delta + m.size > stamp.size) return false;
  if (!r.get(n_samples) || n_samples > n_members) return false;
  out.samples.resize(n_samples);
  for (auto& [first, count] : out.samples)
    if (!r.get(first) || !r.get(count) || static_cast<uint64_t>(first) + count > n_members) return false;
  index = std::move(out);
  return true;
}

/// Writes the index through a temporary file and a rename, so that ranks indexing the same
/// shard at once never read half a file; a cache that cannot be written costs only time.
void save(const ShardStamp& stamp, const CachedIndex& index) {
  std::string out = kMagic;
  put_text(out, stamp.path);
  put(out, stamp.size);
  put(out, stamp.mtime_sec);
  put(out, stamp.mtime_nsec);
  put<uint64_t>(out, index.extensions.size());
  for (const std::string& e : index.extensions) put_text(out, e);
  put<uint64_t>(out, index.members.size());
  for (const CompactMember& m : index.members) put(out, m);
  put<uint64_t>(out, index.samples.size());
  for (const auto& [first, count] : index.samples) {
    put(out, first);
    put(out, count);
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

Shard::Shard(const std::string& path, ExtensionTable& extensions) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0)
    throw std::invalid_argument("cannot open shard " + path + ": " + std::strerror(errno) + "; check the dataset's shard names");
  try {
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) throw std::invalid_argument("shard " + path + " is not a regular file");
    stamp_ = {std::filesystem::absolute(path).lexically_normal().string(), static_cast<uint64_t>(st.st_size), st.st_mtim.tv_sec,
              st.st_mtim.tv_nsec};
    label_ = "shard " + stamp_.path;
    shard_cache::CachedIndex index;
    if (!shard_cache::load(stamp_, index)) {
      ExtensionTable local;
      uint64_t last_key = 0;
      for_each_tar_member(fd_, stamp_.size, "shard " + path, [&](const TarMember& t) { add(t, local, last_key, index); });
      for (uint16_t e = 0; e < local.size(); ++e) index.extensions.push_back(local.name(e));
      shard_cache::save(stamp_, index);
    }
    // The cache's extension ids are this shard's own: renumbered into the dataset's table.
    std::vector<uint16_t> ids;
    for (const std::string& e : index.extensions) ids.push_back(extensions.id(e));
    for (CompactMember& m : index.members) m.extension = ids[m.extension];
    members_ = std::move(index.members);
    samples_ = std::move(index.samples);
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

Shard::~Shard() { ::close(fd_); }

std::string Shard::read(size_t i, std::string* name) const {
  const CompactMember& m = members_[i];
  unsigned char h[512];
  tar_detail::read_exact(fd_, h, 512, m.header_offset, label_);
  if (!tar_detail::checksum_ok(h) || (m.short_name && name_hash(tar_detail::field(h, 0, 100)) != m.name_hash))
    throw std::invalid_argument(label_ + " changed after its index was made (a member is no longer where the "
                                "index says); the index is made again on the next start");
  if (name != nullptr) *name = header_name(h);
  std::string data(m.size, '\0');
  tar_detail::read_exact(fd_, data.data(), data.size(), m.header_offset + m.data_delta, label_);
  return data;
}

std::string Shard::name(size_t i) const {
  unsigned char h[512];
  tar_detail::read_exact(fd_, h, 512, members_[i].header_offset, label_);
  return header_name(h);
}

void Shard::add(const TarMember& t, ExtensionTable& extensions, uint64_t& last_key, shard_cache::CachedIndex& index) const {
  check_member_name(t.name, stamp_.path);
  if (!t.regular()) {
    if (t.type == '5') return;  // a folder: GNU tar records them; no data
    throw std::invalid_argument("shard " + stamp_.path + ": member '" + t.name + "' is a link or a device (type '" +
                                std::string(1, t.type) + "'), not data; rebuild the shard from plain files");
  }
  const auto [key, ext] = key_and_extension(t.name);
  CompactMember m;
  m.header_offset = t.header_offset;
  m.size = t.size;
  m.name_hash = name_hash(t.name);
  m.data_delta = static_cast<uint32_t>(t.data_offset - t.header_offset);
  m.extension = extensions.id(ext);
  m.short_name = t.name.size() <= 100 && t.name.find('/') == std::string::npos;
  const uint64_t key_hash = name_hash(key);
  auto& samples = index.samples;
  if (samples.empty() || key_hash != last_key || samples.back().second == 65535)
    samples.emplace_back(static_cast<uint32_t>(index.members.size()), 0);
  ++samples.back().second;
  last_key = key_hash;
  index.members.push_back(m);
}


}  // namespace hearth_datasets
