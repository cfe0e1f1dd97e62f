#include "engine/packs/pack_archive.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/regular_file.hpp"
#include "engine/core/sha256.hpp"
#include "engine/packs/unpack_folder.hpp"

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

/// The one pass over a pack's entries: each checked against the rules and the caps, files hashed
/// as they stream by and, when unpacking, written out.
class PackReader {
 public:
  PackReader(const fs::path& file, const PackLimits& limits, const fs::path& unpack_to)
      : where_(file.string()), limits_(limits), archive_(archive_read_new(), &archive_read_free) {
    if (!unpack_to.empty()) unpack_.emplace(unpack_to, where_);
    require_regular_file(file, "pack");
    archive_read_support_filter_gzip(archive_.get());
    archive_read_support_format_tar(archive_.get());
    if (archive_read_open_filename(archive_.get(), file.c_str(), 1 << 16) != ARCHIVE_OK)
      throw UsageError(where_ + ": not a readable pack (" + archive_error() + "); a .hpack is a tar.gz made by `hearth pack build`");
  }

  std::vector<PackEntry> read_all() {
    archive_entry* e = nullptr;
    for (;;) {
      const int rc = archive_read_next_header(archive_.get(), &e);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) throw UsageError(where_ + ": damaged archive: " + archive_error());
      if (out_.size() + 1 > limits_.max_entries)
        throw UsageError(where_ + ": more than " + std::to_string(limits_.max_entries) + " entries; refused (a pack bomb?)");
      read_entry(e);
    }
    return std::move(out_);
  }

 private:
  std::string archive_error() const {
    const char* text = archive_error_string(archive_.get());
    return text ? text : "unknown error";
  }
  UsageError refuse(const std::string& raw, const std::string& why) const {
    return UsageError(where_ + ": entry '" + printable(raw) + "' " + why + "; refused");
  }
  /// Adds `bytes` to the unpacked total, refusing it past the cap before anything is read.
  void count(const std::string& raw, uint64_t bytes, const char* what) {
    if (bytes > limits_.max_bytes || total_ > limits_.max_bytes - bytes)
      throw UsageError(where_ + ": unpacks to more than " + std::to_string(limits_.max_bytes) + " bytes (at '" + printable(raw) +
                       "'" + what + "); refused");
    total_ += bytes;
  }

  void read_entry(archive_entry* e) {
    const char* raw_name = archive_entry_pathname(e);
    const std::string raw = raw_name ? raw_name : "";
    bool absolute = false, climbs = false;
    PackEntry entry;
    entry.path = normalised(raw, absolute, climbs);
    if (absolute) throw refuse(raw, "has an absolute path");
    if (climbs) throw refuse(raw, "climbs out of the pack with '..'");
    if (entry.path.empty()) return;  // "./" itself
    if (find_entry(out_, entry.path) != nullptr) throw refuse(raw, "appears twice");
    const mode_t type = archive_entry_filetype(e);
    if (const char* hardlink = archive_entry_hardlink(e)) {
      read_hard_link(raw, hardlink, entry);
    } else if (type == AE_IFDIR) {
      entry.kind = PackEntry::Kind::directory;
      if (unpack_) unpack_->directory(entry.path);
    } else if (type == AE_IFLNK) {
      entry.kind = PackEntry::Kind::symlink;
      entry.target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
      if (!inside(entry.path, entry.target)) throw refuse(raw, "is a link to '" + printable(entry.target) + "', outside the pack");
      if (unpack_) unpack_->symlink(entry.path, entry.target);
    } else if (type == AE_IFREG) {
      read_file(raw, archive_entry_size(e), (archive_entry_perm(e) & 0111) != 0, entry);
    } else {
      throw refuse(raw, "is a device, FIFO or socket, not a file");
    }
    out_.push_back(std::move(entry));
  }

  /// A hard link's entry has the bytes of an earlier file: it counts against the cap like a file
  /// (before, a 450 kB pack of links to one file unpacked to 2 GB in memory), and is a copy of it
  /// on disk when unpacking; nothing is held in memory.
  void read_hard_link(const std::string& raw, const char* hardlink, PackEntry& entry) {
    bool absolute = false, climbs = false;
    const std::string target = normalised(hardlink, absolute, climbs);
    if (absolute || climbs) throw refuse(raw, "is a hard link to '" + printable(hardlink) + "', outside the pack");
    const PackEntry* original = find_entry(out_, target);
    if (original == nullptr || original->kind != PackEntry::Kind::file) throw refuse(raw, "is a hard link to a file not in the pack");
    if (entry.path == "pack.toml" || entry.path == "pack.sig") throw refuse(raw, "is a hard link; the manifest and signature are files");
    count(raw, original->size, ", a hard link");
    entry.bytes = original->bytes;
    entry.sha256 = original->sha256;
    entry.size = original->size;
    entry.executable = original->executable;
    if (unpack_) {
      unpack_->copy_of(entry.path, original->path, entry.executable);
      entry.source = unpack_->root() / entry.path;
    }
  }

  /// A file's bytes stream through the hash (and into its unpacked copy); only pack.toml and
  /// pack.sig are kept in memory, capped. Fewer bytes than declared mean a damaged pack.
  void read_file(const std::string& raw, int64_t declared, bool executable, PackEntry& entry) {
    if (declared < 0) throw refuse(raw, "has a negative size");
    const uint64_t size = static_cast<uint64_t>(declared);
    count(raw, size, "");
    const bool in_memory = entry.path == "pack.toml" || entry.path == "pack.sig";
    if (in_memory && size > limits_.max_inline_bytes)
      throw refuse(raw, "holds " + std::to_string(size) + " bytes, more than " + std::to_string(limits_.max_inline_bytes) +
                            " (a manifest or signature is a few kB)");
    entry.executable = executable;
    if (unpack_) unpack_->open_file(entry.path, executable);
    Sha256 hash;
    char chunk[1 << 16];
    uint64_t done = 0;
    while (done < size) {
      const la_ssize_t got = archive_read_data(archive_.get(), chunk, static_cast<size_t>(std::min<uint64_t>(sizeof chunk, size - done)));
      if (got <= 0) break;
      hash.update(chunk, static_cast<size_t>(got));
      if (in_memory) entry.bytes.append(chunk, static_cast<size_t>(got));
      if (unpack_) unpack_->write(chunk, static_cast<size_t>(got));
      done += static_cast<uint64_t>(got);
    }
    if (unpack_) {
      unpack_->close_file();
      entry.source = unpack_->root() / entry.path;
    }
    if (done != size) throw UsageError(where_ + ": entry '" + printable(raw) + "' is truncated; the pack is damaged");
    entry.sha256 = hash.hex();
    entry.size = size;
  }

  std::string where_;
  PackLimits limits_;
  ReadArchive archive_;
  std::optional<UnpackFolder> unpack_;
  std::vector<PackEntry> out_;
  uint64_t total_ = 0;
};

}  // namespace

std::vector<PackEntry> read_pack(const fs::path& file, const PackLimits& limits, const fs::path& unpack_to) {
  return PackReader(file, limits, unpack_to).read_all();
}

namespace {

/// A file entry's bytes into the archive: streamed from its `source`, else its `bytes`.
void write_content(archive* a, const PackEntry& p, const fs::path& out) {
  auto put = [&](const char* data, size_t size) {
    if (size > 0 && archive_write_data(a, data, size) != static_cast<la_ssize_t>(size))
      throw Error("cannot write " + out.string() + ": " + archive_error_string(a));
  };
  if (p.source.empty()) return put(p.bytes.data(), p.bytes.size());
  std::ifstream in(p.source, std::ios::binary);
  if (!in) throw Error("cannot read " + printable(p.source.string()) + " to pack it");
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) put(chunk, static_cast<size_t>(in.gcount()));
}

}  // namespace

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
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(p.source.empty() ? p.bytes.size() : fs::file_size(p.source)));
      }
      if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK) throw Error("cannot write " + out.string() + ": " + archive_error_string(a.get()));
      if (p.kind == PackEntry::Kind::file) write_content(a.get(), p, out);
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
