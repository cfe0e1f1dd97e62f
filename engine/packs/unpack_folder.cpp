#include "engine/packs/unpack_folder.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth {
namespace fs = std::filesystem;

UnpackFolder::UnpackFolder(fs::path root, std::string pack) : root_(std::move(root)), pack_(std::move(pack)) {}

UnpackFolder::~UnpackFolder() {
  if (fd_ >= 0) ::close(fd_);
}

void UnpackFolder::fail(const std::string& rel, const std::string& why) const {
  throw Error("cannot unpack '" + printable(rel) + "' of " + printable(pack_) + " into " + printable(root_.string()) + ": " + why);
}

void UnpackFolder::make_parents(const std::string& rel) {
  fs::path at = root_;
  for (const fs::path& part : fs::path(rel).parent_path()) {
    at /= part;
    struct stat st {};
    if (::lstat(at.c_str(), &st) != 0) {
      if (errno != ENOENT || ::mkdir(at.c_str(), 0755) != 0) fail(rel, std::strerror(errno));
      continue;
    }
    if (S_ISLNK(st.st_mode)) fail(rel, "it would be written through the pack's link " + printable(fs::relative(at, root_).string()));
    if (!S_ISDIR(st.st_mode)) fail(rel, "a part of its path is a file of the pack");
  }
}

void UnpackFolder::directory(const std::string& rel) {
  make_parents(rel + "/x");
}

void UnpackFolder::symlink(const std::string& rel, const std::string& target) {
  make_parents(rel);
  if (::symlink(target.c_str(), (root_ / rel).c_str()) != 0) fail(rel, std::strerror(errno));
}

void UnpackFolder::open_file(const std::string& rel, bool executable) {
  make_parents(rel);
  fd_ = ::open((root_ / rel).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, executable ? 0755 : 0644);
  if (fd_ < 0) fail(rel, std::strerror(errno));
  open_rel_ = rel;
  executable_ = executable;
}

void UnpackFolder::write(const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(open_rel_, std::strerror(errno));
    data += n;
    size -= static_cast<size_t>(n);
  }
}

void UnpackFolder::close_file() {
  // fchmod: the umask may have narrowed open's mode, and the pack says what it is.
  const bool ok = ::fchmod(fd_, executable_ ? 0755 : 0644) == 0;
  const int closed = ::close(fd_);
  fd_ = -1;
  if (!ok || closed != 0) fail(open_rel_, std::strerror(errno));
}

void UnpackFolder::copy_of(const std::string& rel, const std::string& original, bool executable) {
  const int in = ::open((root_ / original).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) fail(rel, "its original " + printable(original) + " cannot be read: " + std::strerror(errno));
  open_file(rel, executable);
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(in, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(in);
      fail(rel, std::strerror(errno));
    }
    if (n == 0) break;
    write(buffer, static_cast<size_t>(n));
  }
  ::close(in);
  close_file();
}

}  // namespace hearth
