#include "child_processes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth::studio {

namespace fs = std::filesystem;

namespace {

constexpr size_t kOutputLimit = 256 * 1024;

void keep_tail(std::string& output, const char* data, size_t n) {
  output.append(data, n);
  if (output.size() > kOutputLimit) output.erase(0, output.size() - kOutputLimit);
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

/// Forks `program args...` with stdout and stderr on a pipe; returns the pid and the pipe's
/// reading end. Everything the child runs between fork and exec is async-signal-safe.
std::pair<pid_t, int> spawn(const fs::path& program, const std::vector<std::string>& args, const fs::path& cwd) {
  std::vector<std::string> argv_text = {program.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string dir = cwd.string();
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(std::string("cannot make a pipe for a child: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw Error("cannot start " + printable(program.string()) + ": " + std::strerror(err));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the studio blocks SIGINT and SIGTERM for sigwait
    ::signal(SIGPIPE, SIG_DFL);                  // and ignores SIGPIPE: neither may reach the child
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    if (::chdir(dir.c_str()) != 0) ::_exit(127);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so that no signal is sent before the child made its group
  ::close(pipe_fds[1]);
  return {pid, pipe_fds[0]};
}

}  // namespace

CommandOutput run_command(const fs::path& program, const std::vector<std::string>& args, const fs::path& cwd,
                          std::chrono::milliseconds limit) {
  CommandOutput out;
  auto [pid, fd] = spawn(program, args, cwd);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[8192];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      out.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    keep_tail(out.output, buf, static_cast<size_t>(n));
  }
  ::close(fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.exit_code = exit_code_of(status);
  return out;
}

ChildProcesses::~ChildProcesses() {
  stop_all(std::chrono::seconds(30));
  for (Child& c : children_)
    if (c.follower.joinable()) c.follower.join();
}

pid_t ChildProcesses::start(const std::string& kind, const std::vector<std::string>& args, const fs::path& cwd) {
  auto [pid, fd] = spawn(program_, args, cwd);
  std::lock_guard<std::mutex> lock(mutex_);
  Child& c = children_.emplace_front();
  c.pid = pid;
  c.kind = kind;
  c.args = args;
  c.follower = std::thread([this, &c, fd = fd] { follow(c, fd); });
  return pid;
}

void ChildProcesses::follow(Child& child, int fd) {
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard<std::mutex> lock(mutex_);
    keep_tail(child.output, buf, static_cast<size_t>(n));
  }
  ::close(fd);
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::lock_guard<std::mutex> lock(mutex_);
  child.running = false;
  child.exit_code = exit_code_of(status);
}

nlohmann::json ChildProcesses::list() const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json out = nlohmann::json::array();
  for (const Child& c : children_) {
    nlohmann::json args = nlohmann::json::array();
    for (const std::string& a : c.args) args.push_back(json_text(a));
    out.push_back({{"pid", c.pid}, {"kind", c.kind}, {"args", args}, {"running", c.running},
                   {"exit_code", c.running ? nlohmann::json() : nlohmann::json(c.exit_code)}, {"output", json_text(c.output)}});
  }
  return out;
}

bool ChildProcesses::running(pid_t pid) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Child& c : children_)
    if (c.pid == pid) return c.running;
  return false;
}

void ChildProcesses::stop_all(std::chrono::milliseconds grace) {
  auto any_running = [this] {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Child& c : children_)
      if (c.running) return true;
    return false;
  };
  auto signal_all = [this](int sig) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Child& c : children_)
      if (c.running) ::kill(-c.pid, sig);
  };
  if (!any_running()) return;
  signal_all(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (any_running() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (any_running()) signal_all(SIGKILL);
}

}  // namespace hearth::studio
