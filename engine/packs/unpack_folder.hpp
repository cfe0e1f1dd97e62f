// Where a pack is unpacked as it is read: every entry lands inside one folder, written through no
// symbolic link (a pack's own link to a folder of the pack must not carry a later entry's bytes
// anywhere, inside or out), never over an existing file, and streamed: a file of any size costs
// one buffer, not its size in memory.
#pragma once

#include <filesystem>
#include <string>

namespace hearth {

class UnpackFolder {
 public:
  /// `root` exists and is empty; `pack` names the pack in errors.
  UnpackFolder(std::filesystem::path root, std::string pack);

  void directory(const std::string& rel);
  void symlink(const std::string& rel, const std::string& target);
  /// A new file at `rel` (0644, or 0755 when `executable`); write() appends to it, close() ends it.
  void open_file(const std::string& rel, bool executable);
  void write(const char* data, size_t size);
  void close_file();
  /// `rel` as a copy of the file `original` unpacked before it (a hard link's bytes).
  void copy_of(const std::string& rel, const std::string& original, bool executable);

  const std::filesystem::path& root() const { return root_; }
  ~UnpackFolder();
  UnpackFolder(const UnpackFolder&) = delete;
  UnpackFolder& operator=(const UnpackFolder&) = delete;

 private:
  /// `rel`'s folder, made as needed; throws when a part of it is a link or not a folder.
  void make_parents(const std::string& rel);
  [[noreturn]] void fail(const std::string& rel, const std::string& why) const;

  std::filesystem::path root_;
  std::string pack_;
  std::string open_rel_;
  bool executable_ = false;
  int fd_ = -1;
};

}  // namespace hearth
