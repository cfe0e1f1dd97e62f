// The members of one shard (a tar file), read from its headers once and cached in Hearth's cache
// folder, where the cache is checked against the shard's size and modification time on every
// open: a shard that changed is indexed again, never read through a stale index. Torch-free and
// compiled once (shard_index.cpp), so that a change to the `shards` dataset's own file recompiles
// only that file.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hearth_datasets {

/// A shard's identity as the cache checks it.
struct ShardStamp {
  std::string path;  ///< absolute
  uint64_t size = 0;
  int64_t mtime_sec = 0, mtime_nsec = 0;
  bool operator==(const ShardStamp& o) const {
    return path == o.path && size == o.size && mtime_sec == o.mtime_sec && mtime_nsec == o.mtime_nsec;
  }
};

/// What a dataset keeps of one member: 32 bytes, whatever its name (an index of a million
/// samples then costs tens of megabytes, not hundreds).
struct CompactMember {
  uint64_t header_offset = 0;
  uint64_t size = 0;
  uint64_t name_hash = 0;  ///< of its whole name; checked against its header when it is read
  uint32_t data_delta = 0;  ///< data offset - header offset: 512, or more after pax or GNU long-name headers
  uint16_t extension = 0;   ///< index into the shards' table of extensions
  bool short_name = false;  ///< the whole name is in the ustar header (so the check can be made)
};

/// The extensions of every member of a dataset's shards, each stored once.
class ExtensionTable {
 public:
  uint16_t id(const std::string& ext) {
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == ext) return static_cast<uint16_t>(i);
    if (names_.size() >= 65535) throw std::invalid_argument("shards hold more than 65,535 member extensions; rebuild them");
    names_.push_back(ext);
    return static_cast<uint16_t>(names_.size() - 1);
  }
  const std::string& name(uint16_t id) const { return names_[id]; }
  uint16_t size() const { return static_cast<uint16_t>(names_.size()); }

 private:
  std::vector<std::string> names_;
};

/// WebDataset's split of a member name: key up to the first dot of the last path component.
std::pair<std::string, std::string> key_and_extension(const std::string& name);

/// A member name a shard may hold: relative, no `..`, no control bytes. Names are keys, never
/// paths written to disk, but one that any sane extractor would refuse means a hostile or
/// broken shard: refused naming the shard.
void check_member_name(const std::string& name, const std::string& shard);

struct TarMember;
namespace shard_cache {
struct CachedIndex;
}

/// One shard, open for reading its members from any thread (pread), its members kept compact and
/// grouped into samples (a sample's members are next to each other; a key seen before but not
/// just now starts a new sample, as WebDataset reads it).
class Shard {
 public:
  /// Opens `path` (a regular file: a FIFO or device is refused) and indexes it, or takes its
  /// index from the cache when the shard's size and modification time still match. Member names
  /// that are hostile and members that are links or devices are refused here, naming the shard.
  Shard(const std::string& path, ExtensionTable& extensions);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  const std::string& path() const { return stamp_.path; }
  const std::vector<CompactMember>& members() const { return members_; }
  /// Each sample as its first member and member count.
  const std::vector<std::pair<uint32_t, uint16_t>>& samples() const { return samples_; }

  /// The bytes of member `i`, after checking that its header is still there and still names it:
  /// a shard rewritten after its index was made is refused, not read as garbage.
  /// With `name`, the member's name as its header gives it (for messages; a long name may come
  /// shortened), from the header this read checks anyway.
  std::string read(size_t i, std::string* name = nullptr) const;
  /// Member `i`'s name as its header gives it (for messages).
  std::string name(size_t i) const;

 private:
  /// Member `t` into `index`, checked; `extensions` numbers this shard's own extensions.
  void add(const TarMember& t, ExtensionTable& extensions, uint64_t& last_key, shard_cache::CachedIndex& index) const;

  int fd_ = -1;
  ShardStamp stamp_;
  std::string label_;  ///< "shard PATH", for every read's messages
  std::vector<CompactMember> members_;
  std::vector<std::pair<uint32_t, uint16_t>> samples_;
};

}  // namespace hearth_datasets
