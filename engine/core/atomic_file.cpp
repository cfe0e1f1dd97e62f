#include "engine/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/core/error.hpp"

namespace hearth {

namespace fs = std::filesystem;

void write_file_atomically(const fs::path& path, const std::string& text, const std::string& what) {
  fs::path tmp = path;
  tmp += ".tmp";
  // POSIX calls rather than a stream: the reason a write fails (no space, quota, file too large,
  // read-only file system) is errno, and that reason is the message.
  auto fail = [&](const std::string& doing) {
    const std::string why = std::strerror(errno);
    std::error_code ec;
    fs::remove(tmp, ec);
    throw Error("cannot " + doing + " " + (what.empty() ? "" : what + " ") + path.string() + ": " + why);
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("write");
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      fail("write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    fail("write");
  }
  if (::close(fd) != 0) fail("write");
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("replace");
  // The rename itself reaches the disk with the folder's entry.
  sync_folder(path.parent_path().empty() ? fs::path(".") : path.parent_path());
}

void sync_folder(const fs::path& folder) {
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace hearth
