#include "engine/data/shard_writer.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <cstdio>

#include "engine/core/error.hpp"
#include "engine/core/sha256.hpp"

namespace hearth {

ShardWriter::ShardWriter(std::filesystem::path folder, std::string prefix, int64_t max_bytes)
    : folder_(std::move(folder)), prefix_(std::move(prefix)), max_bytes_(max_bytes) {}

ShardWriter::~ShardWriter() {
  if (archive_ != nullptr) archive_write_free(archive_);
}

void ShardWriter::open_next() {
  char name[64];
  std::snprintf(name, sizeof name, "-%06zu.tar", done_.size());
  current_ = WrittenShard{prefix_ + name, 0, 0, ""};
  archive_ = archive_write_new();
  archive_write_set_format_pax_restricted(archive_);
  const std::filesystem::path path = folder_ / current_.file;
  if (archive_write_open_filename(archive_, path.c_str()) != ARCHIVE_OK)
    throw Error("cannot write shard " + path.string() + ": " + archive_error_string(archive_));
}

void ShardWriter::close_current() {
  const std::filesystem::path path = folder_ / current_.file;
  if (archive_write_close(archive_) != ARCHIVE_OK) throw Error("cannot write shard " + path.string() + ": " + archive_error_string(archive_));
  archive_write_free(archive_);
  archive_ = nullptr;
  current_.bytes = static_cast<int64_t>(std::filesystem::file_size(path));
  current_.sha256 = sha256_file(path);
  done_.push_back(current_);
}

void ShardWriter::add(const std::string& key, const std::vector<std::pair<std::string, std::string>>& members) {
  if (archive_ == nullptr) open_next();
  const std::filesystem::path path = folder_ / current_.file;
  for (const auto& [ext, bytes] : members) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), &archive_entry_free);
    const std::string name = key + "." + ext;
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_mtime(e.get(), 0, 0);  // the same data makes the same shards
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(bytes.size()));
    if (archive_write_header(archive_, e.get()) != ARCHIVE_OK ||
        (!bytes.empty() && archive_write_data(archive_, bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size())))
      throw Error("cannot write shard " + path.string() + ": " + archive_error_string(archive_));
    current_.bytes += static_cast<int64_t>(512 + (bytes.size() + 511) / 512 * 512);
  }
  ++current_.samples;
  if (current_.bytes >= max_bytes_) close_current();
}

std::vector<WrittenShard> ShardWriter::finish() {
  if (archive_ != nullptr) close_current();
  return done_;
}

}  // namespace hearth
