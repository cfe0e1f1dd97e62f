// Writes samples into WebDataset-style tar shards (members KEY.EXT, a sample's members side by
// side), starting a new shard when the current one reaches its size. libarchive writes the tar
// (pax where a name or size needs it, ustar otherwise), so GNU tar, Python's tarfile and the
// webdataset library read every shard.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct archive;

namespace hearth {

/// One finished shard, as the manifest lists it.
struct WrittenShard {
  std::string file;  ///< name within the folder
  int64_t samples = 0;
  int64_t bytes = 0;
  std::string sha256;
};

class ShardWriter {
 public:
  /// Shards `<folder>/<prefix>-000000.tar`, -000001, ...; a shard is closed once it holds at
  /// least `max_bytes` of members (a sample is never split over two shards).
  ShardWriter(std::filesystem::path folder, std::string prefix, int64_t max_bytes);
  ~ShardWriter();
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;

  /// Adds one sample: member `key.ext` for each (ext, bytes). Throws Error when a write fails.
  void add(const std::string& key, const std::vector<std::pair<std::string, std::string>>& members);
  /// Closes the last shard; returns every shard written, in order.
  std::vector<WrittenShard> finish();

 private:
  void open_next();
  void close_current();

  std::filesystem::path folder_;
  std::string prefix_;
  int64_t max_bytes_;
  struct archive* archive_ = nullptr;
  WrittenShard current_;
  std::vector<WrittenShard> done_;
};

}  // namespace hearth
