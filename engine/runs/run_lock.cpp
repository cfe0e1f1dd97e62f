#include "engine/runs/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth {
namespace {

std::filesystem::path lock_file(const std::filesystem::path& run) { return run / "run.lock"; }

/// O_NOFOLLOW: a link planted as run.lock does not make Hearth truncate its target.
int open_lock(const std::filesystem::path& run) {
  const int fd = ::open(lock_file(run).c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd < 0)
    throw Error("cannot open " + printable(lock_file(run).string()) + ": " + std::strerror(errno) +
                "; the run folder must be writable and run.lock a plain file");
  return fd;
}

std::optional<ProcessIdentity> read_holder(int fd) {
  std::string text(4096, '\0');
  const ssize_t n = ::pread(fd, text.data(), text.size(), 0);
  if (n <= 0) return std::nullopt;
  text.resize(static_cast<size_t>(n));
  try {
    return process_from_json(nlohmann::json::parse(text));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

RunLock RunLock::acquire(const std::filesystem::path& run) {
  const int fd = open_lock(run);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int why = errno;
    std::optional<ProcessIdentity> holder = read_holder(fd);
    ::close(fd);
    if (why != EWOULDBLOCK) throw Error("cannot lock " + printable(lock_file(run).string()) + ": " + std::strerror(why));
    throw UsageError("run " + printable(run.string()) + " is being trained by " +
                     (holder ? process_text(*holder) + " since " + holder->started : std::string("another process")) +
                     "; wait for it to end, or stop it" +
                     (holder ? " (kill -TERM " + std::to_string(holder->pid) + " on that host)" : std::string()) +
                     " and resume then");
  }
  const std::string me = to_json(this_process()).dump() + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
    // The lock still holds; only the holder's name is missing for whoever asks.
  }
  return RunLock(fd);
}

RunLock::RunLock(RunLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<ProcessIdentity> run_lock_holder(const std::filesystem::path& run) {
  const int fd = ::open(lock_file(run).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  std::optional<ProcessIdentity> holder;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) holder = read_holder(fd).value_or(ProcessIdentity{});
  else ::flock(fd, LOCK_UN);
  ::close(fd);
  return holder;
}

}  // namespace hearth
