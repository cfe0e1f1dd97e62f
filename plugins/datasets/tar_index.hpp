// Random access into POSIX tar files (ustar, pax and GNU long names): where each member's header
// and data are, read from the headers alone. Hand-written because libarchive reads a tar as a
// stream and cannot seek to one member, which a shuffled epoch over shards needs; the format is
// small (512-byte headers, a checksum each). Header-only, for the `shards` dataset.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hearth_datasets {

/// One member of a tar file as its headers describe it.
struct TarMember {
  std::string name;
  uint64_t header_offset = 0;  ///< where its own ustar header starts (checked again when read)
  uint64_t data_offset = 0;
  uint64_t size = 0;
  char type = '0';             ///< the typeflag: '0' a regular file, others links, folders, devices
  bool regular() const { return type == '0' || type == '\0' || type == '7'; }
};

namespace tar_detail {

/// An octal field (or GNU's base-256 for large sizes); nullopt-like -1 when it is not a number.
inline int64_t number(const char* field, size_t width) {
  const auto* u = reinterpret_cast<const unsigned char*>(field);
  if (u[0] & 0x80) {  // base-256: big-endian, the first byte's top bit a flag
    uint64_t v = u[0] & 0x7f;
    for (size_t i = 1; i < width; ++i) {
      if (v >> 55) return -1;
      v = v << 8 | u[i];
    }
    return static_cast<int64_t>(v);
  }
  int64_t v = 0;
  size_t i = 0;
  while (i < width && field[i] == ' ') ++i;
  bool any = false;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (v >> 60) return -1;
    v = v * 8 + (field[i] - '0');
    any = true;
  }
  for (; i < width; ++i)
    if (field[i] != ' ' && field[i] != '\0') return -1;
  return any ? v : -1;
}

inline bool checksum_ok(const unsigned char* h) {
  const int64_t stored = number(reinterpret_cast<const char*>(h) + 148, 8);
  int64_t sum = 0;
  for (int i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : h[i];
  return stored == sum;
}

inline std::string field(const unsigned char* h, size_t offset, size_t width) {
  const char* p = reinterpret_cast<const char*>(h) + offset;
  return std::string(p, strnlen(p, width));
}

/// `path` and `size` from a pax extended header's records ("LEN key=value\n" each).
inline void read_pax(const std::string& records, std::string& path, int64_t& size, const std::string& where) {
  size_t at = 0;
  while (at < records.size()) {
    size_t space = records.find(' ', at);
    if (space == std::string::npos) break;
    const std::string digits = records.substr(at, space - at);
    const size_t len = digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos
                           ? 0
                           : std::stoul(digits);
    if (len <= digits.size() + 1 || at + len > records.size() || records[at + len - 1] != '\n')
      throw std::invalid_argument(where + ": a pax header record is malformed; the shard is damaged");
    const std::string record = records.substr(space + 1, len - (space - at) - 2);
    const size_t eq = record.find('=');
    if (eq != std::string::npos) {
      const std::string key = record.substr(0, eq), value = record.substr(eq + 1);
      if (key == "path") path = value;
      if (key == "size") {
        if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string::npos)
          throw std::invalid_argument(where + ": a pax size of '" + value + "' is not a number");
        size = std::stoll(value);
      }
    }
    at += len;
  }
}

inline void read_exact(int fd, void* buf, size_t n, uint64_t offset, const std::string& what) {
  size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, static_cast<char*>(buf) + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw std::invalid_argument("cannot read " + what + ": " + std::strerror(errno));
    if (got == 0) throw std::invalid_argument(what + " is truncated at byte " + std::to_string(offset + done));
    done += static_cast<size_t>(got);
  }
}

}  // namespace tar_detail

/// Each member of the tar open as `fd` (`size` bytes long; `what` names it in errors), in order,
/// handed to `take` as it is read (so that an index of a large shard need not hold every name).
/// A header whose checksum is wrong, a member that runs past the end and a size that is not a
/// number are errors naming the byte where they are: a truncated or damaged shard is never read
/// as garbage.
inline void for_each_tar_member(int fd, uint64_t size, const std::string& what, const std::function<void(const TarMember&)>& take) {
  using namespace tar_detail;
  unsigned char h[512];
  uint64_t at = 0;
  std::string long_name;
  int64_t pax_size = -1;
  while (at + 512 <= size) {
    read_exact(fd, h, 512, at, what);
    if (std::all_of(h, h + 512, [](unsigned char c) { return c == 0; })) return;  // the end blocks
    const std::string where = what + " (header at byte " + std::to_string(at) + ")";
    if (!checksum_ok(h)) throw std::invalid_argument(where + " is not a tar header (bad checksum): the shard is damaged or not a tar");
    int64_t member_size = number(reinterpret_cast<const char*>(h) + 124, 12);
    if (member_size < 0) throw std::invalid_argument(where + ": the member's size is not a number");
    const char type = static_cast<char>(h[156]);
    const uint64_t data = at + 512;
    if (type == 'x' || type == 'g' || type == 'L') {
      if (member_size > (1 << 20)) throw std::invalid_argument(where + ": an extended header of " + std::to_string(member_size) + " bytes");
      std::string body(static_cast<size_t>(member_size), '\0');
      read_exact(fd, body.data(), body.size(), data, what);
      if (type == 'x') read_pax(body, long_name, pax_size, where);
      if (type == 'L') long_name = std::string(body.c_str());
      at = data + (static_cast<uint64_t>(member_size) + 511) / 512 * 512;
      continue;
    }
    TarMember m;
    m.type = type;
    m.header_offset = at;
    m.data_offset = data;
    if (pax_size >= 0) member_size = pax_size;
    m.size = static_cast<uint64_t>(member_size);
    if (!long_name.empty()) {
      m.name = long_name;
    } else {
      m.name = field(h, 0, 100);
      const std::string prefix = std::memcmp(h + 257, "ustar", 5) == 0 ? field(h, 345, 155) : "";
      if (!prefix.empty()) m.name = prefix + "/" + m.name;
    }
    long_name.clear();
    pax_size = -1;
    // Only regular members carry data; a link's size field says nothing about the archive.
    const uint64_t stored = m.regular() ? m.size : 0;
    if (data + stored > size)
      throw std::invalid_argument(what + " is truncated: member '" + m.name + "' needs " + std::to_string(stored) +
                                  " bytes from byte " + std::to_string(data) + " but the file ends at " + std::to_string(size));
    take(m);
    at = data + (stored + 511) / 512 * 512;
  }
  if (at != size && at + 512 > size && size % 512 != 0)
    throw std::invalid_argument(what + " is truncated: it ends inside a header at byte " + std::to_string(at));
  // No end blocks: GNU tar and Python accept that too.
}

/// Every member of the tar open as `fd`, in order (for_each_tar_member into a list).
inline std::vector<TarMember> list_tar_members(int fd, uint64_t size, const std::string& what) {
  std::vector<TarMember> members;
  for_each_tar_member(fd, size, what, [&](const TarMember& m) { members.push_back(m); });
  return members;
}

/// Reads member `m` of the tar open as `fd`, first checking that its header is still there and
/// still names it: a shard rewritten after its index was made is refused, not read as garbage.
inline std::string read_tar_member(int fd, const TarMember& m, const std::string& what) {
  using namespace tar_detail;
  unsigned char h[512];
  read_exact(fd, h, 512, m.header_offset, what);
  if (!checksum_ok(h) || (m.name.size() <= 100 && m.name.find('/') == std::string::npos && field(h, 0, 100) != m.name))
    throw std::invalid_argument(what + " changed after its index was made (member '" + m.name +
                                "' is no longer where the index says); the index is rebuilt on the next start");
  std::string data(m.size, '\0');
  read_exact(fd, data.data(), data.size(), m.data_offset, what);
  return data;
}

}  // namespace hearth_datasets
