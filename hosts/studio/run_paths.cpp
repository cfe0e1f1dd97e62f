#include "run_paths.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth::studio {

namespace fs = std::filesystem;

namespace {

/// A name of a run or job folder: what run folders and validated job names are made of.
bool plain_name(const std::string& s) {
  if (s.empty() || s.size() > 255) return false;
  auto ok = [](char c, bool first) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    return alnum || (!first && (c == '.' || c == '_' || c == '-' || c == '+'));
  };
  for (size_t i = 0; i < s.size(); ++i)
    if (!ok(s[i], i == 0)) return false;
  return true;
}

/// The components of a relative path; refuses empty, ".", "..", hidden and absolute parts.
std::vector<std::string> components(const std::string& relative, const char* what) {
  if (relative.empty() || relative.front() == '/')
    throw UsageError(std::string(what) + " '" + printable(relative) + "' must be a relative path");
  if (relative.find('\0') != std::string::npos) throw UsageError(std::string(what) + " holds a NUL byte");
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= relative.size()) {
    size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    std::string part = relative.substr(start, end - start);
    if (part.empty() || part.front() == '.')
      throw UsageError(std::string(what) + " '" + printable(relative) + "' has an empty, hidden, '.' or '..' part");
    parts.push_back(std::move(part));
    start = end + 1;
  }
  return parts;
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

/// Opens the folder `parts[0..n)` under `base` component by component, never through a link.
int open_folder_chain(const fs::path& base, const std::vector<std::string>& parts, size_t n, const std::string& shown) {
  int dir = ::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) throw UsageError("cannot open " + printable(base.string()) + ": " + std::strerror(errno));
  for (size_t i = 0; i < n; ++i) {
    int next = ::openat(dir, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    ::close(dir);
    if (next < 0)
      throw UsageError("'" + printable(shown) + "': " + printable(parts[i]) +
                       (err == ELOOP || err == ENOTDIR ? " is not a folder (links are not followed)" : ": " + std::string(std::strerror(err))));
    dir = next;
  }
  return dir;
}

}  // namespace

fs::path run_folder_of(const fs::path& runs_dir, const std::string& id) {
  size_t slash = id.find('/');
  if (slash == std::string::npos || !plain_name(id.substr(0, slash)) || !plain_name(id.substr(slash + 1)))
    throw UsageError("'" + printable(id) + "' is not a run: runs are named JOB/RUN, as `hearth runs` lists them");
  std::vector<std::string> parts = {id.substr(0, slash), id.substr(slash + 1)};
  Fd folder(open_folder_chain(runs_dir, parts, 2, id));
  return runs_dir / parts[0] / parts[1];
}

std::string run_id_of(const fs::path& runs_dir, const fs::path& run) {
  return fs::relative(run, runs_dir).generic_string();
}

FileBytes read_file_inside(const fs::path& folder, const std::string& relative, uint64_t max_bytes) {
  std::vector<std::string> parts = components(relative, "file");
  Fd dir(open_folder_chain(folder, parts, parts.size() - 1, relative));
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  Fd file(::openat(dir.fd, parts.back().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (file.fd < 0)
    throw UsageError("cannot open '" + printable(relative) + "': " +
                     (errno == ELOOP ? std::string("it is a link (links are not followed)") : std::strerror(errno)));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode))
    throw UsageError("'" + printable(relative) + "' is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    throw UsageError("'" + printable(relative) + "' has " + std::to_string(st.st_size) + " bytes, more than the " +
                     std::to_string(max_bytes) + " the studio serves");
  FileBytes out;
  out.name = parts.back();
  out.bytes.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.bytes.size()) {
    ssize_t n = ::read(file.fd, out.bytes.data() + done, out.bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the file shrank while it was read
    done += static_cast<size_t>(n);
  }
  out.bytes.resize(done);
  return out;
}

std::vector<ListedFile> files_inside(const fs::path& folder, int depth) {
  std::vector<ListedFile> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, fs::directory_options::none, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path name = it->path().filename();
    if (name.string().front() == '.' || it.depth() >= depth) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    out.push_back({fs::relative(it->path(), folder).generic_string(), it->file_size(ec)});
  }
  return out;
}

fs::path job_path_inside(const fs::path& work_dir, const std::string& relative) {
  std::vector<std::string> parts = components(relative, "job");
  if (parts.back().size() < 6 || parts.back().substr(parts.back().size() - 5) != ".toml")
    throw UsageError("job '" + printable(relative) + "' must be a .toml file");
  if (!is_utf8(relative)) throw UsageError("job '" + printable(relative) + "' is not UTF-8");
  for (unsigned char c : relative)
    if (c < 0x20 || c == 0x7f) throw UsageError("job '" + printable(relative) + "' has a control character in its name");
  Fd dir(open_folder_chain(work_dir, parts, parts.size() - 1, relative));
  fs::path path = work_dir;
  for (const std::string& p : parts) path /= p;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw UsageError("job '" + printable(relative) + "' exists and is not a regular file (links are not followed)");
  return path;
}

}  // namespace hearth::studio
