#include "engine/packs/pack_archive.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>

#include "engine/core/error.hpp"
#include "engine/core/regular_file.hpp"
#include "engine/core/sha256.hpp"

namespace hearth {
namespace fs = std::filesystem;
namespace {

using ReadArchive = std::unique_ptr<archive, decltype(&archive_read_free)>;
using WriteArchive = std::unique_ptr<archive, decltype(&archive_write_free)>;

/// "./lib//x.so" -> "lib/x.so"; empty when the path is absolute or climbs out with "..".
std::string normalised(const std::string& raw, bool& absolute, bool& climbs) {
  absolute = !raw.empty() && raw[0] == '/';
  climbs = false;
  std::vector<std::string> parts;
  for (const auto& p : fs::path(raw)) {
    std::string s = p.string();
    if (s.empty() || s == "." || s == "/") continue;
    if (s == "..") {
      climbs = true;
      continue;
    }
    parts.push_back(s);
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

/// Whether `target`, read from the folder of `link`, stays inside the pack.
bool inside(const std::string& link, const std::string& target) {
  if (target.empty() || target[0] == '/') return false;
  int depth = 0;
  for (const auto& p : fs::path(link).parent_path()) {
    std::string s = p.string();
    if (!s.empty() && s != ".") ++depth;
  }
  for (const auto& p : fs::path(target)) {
    std::string s = p.string();
    if (s.empty() || s == ".") continue;
    if (s == "..") {
      if (--depth < 0) return false;
    } else {
      ++depth;
    }
  }
  return true;
}

/// Reads the current entry's data (at most `size` bytes, its declared size, already checked
/// against the caps) into `entry`, hashing it piece by piece as it arrives: no second pass over
/// the bytes. Fewer bytes than declared leave entry.bytes short, for the caller to refuse.
void read_file_entry(archive* a, size_t size, PackEntry& entry) {
  entry.bytes.reserve(size);
  Sha256 hash;
  char chunk[1 << 16];
  while (entry.bytes.size() < size) {
    const la_ssize_t got = archive_read_data(a, chunk, std::min(sizeof chunk, size - entry.bytes.size()));
    if (got <= 0) break;
    hash.update(chunk, static_cast<size_t>(got));
    entry.bytes.append(chunk, static_cast<size_t>(got));
  }
  entry.sha256 = hash.hex();
}

}  // namespace

std::vector<PackEntry> read_pack(const fs::path& file, const PackLimits& limits) {
  const std::string where = file.string();
  require_regular_file(file, "pack");
  ReadArchive a(archive_read_new(), &archive_read_free);
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 16) != ARCHIVE_OK)
    throw UsageError(where + ": not a readable pack (" + std::string(archive_error_string(a.get()) ? archive_error_string(a.get()) : "unknown error") +
                     "); a .hpack is a tar.gz made by `hearth pack build`");
  std::vector<PackEntry> out;
  uint64_t total = 0;
  archive_entry* e = nullptr;
  for (;;) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) throw UsageError(where + ": damaged archive: " + std::string(archive_error_string(a.get())));
    if (out.size() + 1 > limits.max_entries)
      throw UsageError(where + ": more than " + std::to_string(limits.max_entries) + " entries; refused (a pack bomb?)");
    const char* raw_name = archive_entry_pathname(e);
    std::string raw = raw_name ? raw_name : "";
    bool absolute = false, climbs = false;
    std::string path = normalised(raw, absolute, climbs);
    auto refuse = [&](const std::string& why) { return UsageError(where + ": entry '" + raw + "' " + why + "; refused"); };
    if (absolute) throw refuse("has an absolute path");
    if (climbs) throw refuse("climbs out of the pack with '..'");
    if (path.empty()) continue;  // "./" itself
    PackEntry entry;
    entry.path = path;
    const char* hardlink = archive_entry_hardlink(e);
    mode_t type = archive_entry_filetype(e);
    if (hardlink != nullptr) {
      bool abs2 = false, climbs2 = false;
      std::string target = normalised(hardlink, abs2, climbs2);
      if (abs2 || climbs2) throw refuse("is a hard link to '" + std::string(hardlink) + "', outside the pack");
      const PackEntry* original = find_entry(out, target);
      if (original == nullptr || original->kind != PackEntry::Kind::file) throw refuse("is a hard link to a file not in the pack");
      // A link's bytes are copied, so they count against the cap like a file's: before, a 450 kB
      // pack of links to one file unpacked to 2 GB in memory.
      if (total + original->bytes.size() > limits.max_bytes)
        throw UsageError(where + ": unpacks to more than " + std::to_string(limits.max_bytes) + " bytes (at '" + raw +
                         "', a hard link); refused");
      total += original->bytes.size();
      entry.bytes = original->bytes;
      entry.sha256 = original->sha256;
      entry.executable = original->executable;
    } else if (type == AE_IFDIR) {
      entry.kind = PackEntry::Kind::directory;
    } else if (type == AE_IFLNK) {
      entry.kind = PackEntry::Kind::symlink;
      entry.target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
      if (!inside(path, entry.target)) throw refuse("is a link to '" + entry.target + "', outside the pack");
    } else if (type == AE_IFREG) {
      int64_t size = archive_entry_size(e);
      if (size < 0 || total + static_cast<uint64_t>(size) > limits.max_bytes)
        throw UsageError(where + ": unpacks to more than " + std::to_string(limits.max_bytes) + " bytes (at '" + raw + "'); refused");
      read_file_entry(a.get(), static_cast<size_t>(size), entry);
      if (entry.bytes.size() != static_cast<uint64_t>(size))
        throw UsageError(where + ": entry '" + raw + "' is truncated; the pack is damaged");
      total += static_cast<uint64_t>(size);
      entry.executable = (archive_entry_perm(e) & 0111) != 0;
    } else {
      throw refuse("is a device, FIFO or socket, not a file");
    }
    if (find_entry(out, path) != nullptr) throw refuse("appears twice");
    out.push_back(std::move(entry));
  }
  return out;
}

void write_pack(const fs::path& out, const std::vector<PackEntry>& entries) {
  fs::path tmp = out;
  tmp += ".tmp";
  {
    WriteArchive a(archive_write_new(), &archive_write_free);
    archive_write_add_filter_gzip(a.get());
    archive_write_set_format_pax_restricted(a.get());
    if (archive_write_open_filename(a.get(), tmp.c_str()) != ARCHIVE_OK)
      throw Error("cannot write " + out.string() + ": " + archive_error_string(a.get()));
    for (const PackEntry& p : entries) {
      std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), &archive_entry_free);
      archive_entry_set_pathname(e.get(), p.path.c_str());
      archive_entry_set_mtime(e.get(), 0, 0);  // the same content makes the same file
      if (p.kind == PackEntry::Kind::directory) {
        archive_entry_set_filetype(e.get(), AE_IFDIR);
        archive_entry_set_perm(e.get(), 0755);
      } else if (p.kind == PackEntry::Kind::symlink) {
        archive_entry_set_filetype(e.get(), AE_IFLNK);
        archive_entry_set_symlink(e.get(), p.target.c_str());
        archive_entry_set_perm(e.get(), 0777);
      } else {
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_perm(e.get(), p.executable ? 0755 : 0644);
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(p.bytes.size()));
      }
      if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK ||
          (p.kind == PackEntry::Kind::file && !p.bytes.empty() &&
           archive_write_data(a.get(), p.bytes.data(), p.bytes.size()) != static_cast<la_ssize_t>(p.bytes.size())))
        throw Error("cannot write " + out.string() + ": " + archive_error_string(a.get()));
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK) throw Error("cannot write " + out.string() + ": " + archive_error_string(a.get()));
  }
  std::error_code ec;
  fs::rename(tmp, out, ec);
  if (ec) throw Error("cannot write " + out.string() + ": " + ec.message());
}

const PackEntry* find_entry(const std::vector<PackEntry>& entries, const std::string& path) {
  for (const PackEntry& e : entries)
    if (e.path == path) return &e;
  return nullptr;
}

}  // namespace hearth
