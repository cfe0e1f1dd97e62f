#include "engine/discovery/plugin_scanner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "engine/core/error.hpp"
#include "engine/discovery/scan_json.hpp"
#include "engine/discovery/scan_protocol.hpp"

extern char** environ;

namespace hearth {

fs::path default_scanner_path() {
  if (const char* env = std::getenv("HEARTH_SCANNER"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return exe.parent_path().parent_path() / "libexec" / "hearth" / "hearth-plugin-scanner";
}

std::chrono::milliseconds default_scan_timeout() {
  if (const char* env = std::getenv("HEARTH_SCAN_TIMEOUT_MS"); env && *env) {
    char* end = nullptr;
    long ms = std::strtol(env, &end, 10);
    if (end && *end == '\0' && ms > 0) return std::chrono::milliseconds(ms);
  }
  return std::chrono::milliseconds(10000);
}

PluginScanner::PluginScanner(Options options) : options_(std::move(options)) {
  // A child that dies while we write to it must not kill the host with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
}

PluginScanner::~PluginScanner() { stop(); }

void PluginScanner::start() {
  std::error_code ec;
  if (!fs::exists(options_.scanner, ec))
    throw Error("the plugin scanner " + options_.scanner.string() +
                " is missing; reinstall Hearth or point HEARTH_SCANNER at hearth-plugin-scanner");
  int in_pipe[2], out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0)
    throw Error(std::string("cannot create pipes for the plugin scanner: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  // Plugins may print while they load; the child keeps its protocol on a private descriptor,
  // so their noise goes to stderr, which is silenced unless asked for.
  if (!std::getenv("HEARTH_SCANNER_STDERR"))
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::string exe = options_.scanner.string();
  char* argv[] = {exe.data(), nullptr};
  int rc = ::posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  if (rc != 0) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    pid_ = -1;
    throw Error("cannot start the plugin scanner " + exe + ": " + std::strerror(rc));
  }
  to_child_ = in_pipe[1];
  from_child_ = out_pipe[0];
  buffer_.clear();
  std::string line;
  auto outcome = read_message(std::chrono::steady_clock::now() + options_.start_timeout, line);
  if (outcome != ReadOutcome::message || line.find("\"ready\"") == std::string::npos) {
    std::string why = outcome == ReadOutcome::timed_out ? "did not answer in time" : describe_exit();
    stop();
    throw Error("the plugin scanner " + exe + " failed to start: " + why);
  }
}

void PluginScanner::stop() {
  if (to_child_ >= 0) ::close(to_child_);
  if (from_child_ >= 0) ::close(from_child_);
  to_child_ = from_child_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
}

std::string PluginScanner::describe_exit() {
  if (pid_ <= 0) return "it was not running";
  int status = 0;
  pid_t r = 0;
  // The child closed its end; give it a moment to finish dying, but never wait forever.
  for (int i = 0; i < 200 && (r = ::waitpid(pid_, &status, WNOHANG)) == 0; ++i) ::usleep(10000);
  if (r == 0) {
    ::kill(pid_, SIGKILL);
    while ((r = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
  if (r <= 0) return "it vanished";
  if (WIFSIGNALED(status))
    return "it crashed the scanner with signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) +
           ")";
  if (WIFEXITED(status)) return "it made the scanner exit with status " + std::to_string(WEXITSTATUS(status));
  return "the scanner stopped";
}

PluginScanner::ReadOutcome PluginScanner::read_message(std::chrono::steady_clock::time_point deadline,
                                                      std::string& message) {
  for (;;) {
    if (scan_protocol::take_frame(buffer_, message)) return ReadOutcome::message;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return ReadOutcome::timed_out;
    pollfd p{from_child_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) return ReadOutcome::timed_out;
    char chunk[65536];
    ssize_t n = ::read(from_child_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ReadOutcome::closed;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

ScanResult PluginScanner::scan(const std::string& path) {
  if (pid_ <= 0) start();
  ScanResult result;
  result.path = path;
  const std::string request = scan_protocol::frame(path);
  bool written = ::write(to_child_, request.data(), request.size()) == static_cast<ssize_t>(request.size());
  std::string line;
  ReadOutcome outcome = ReadOutcome::closed;
  try {
    if (written) outcome = read_message(std::chrono::steady_clock::now() + options_.library_timeout, line);
  } catch (const Error& e) {
    result.status = ScanStatus::blocked;
    result.reason = std::string("the scanner sent an unreadable reply (") + e.what() + ")";
    stop();
    return result;
  }
  if (outcome == ReadOutcome::message) {
    try {
      ScanResult reply = scan_result_from_json(nlohmann::json::parse(line));
      reply.path = path;
      return reply;
    } catch (const std::exception& e) {
      result.status = ScanStatus::blocked;
      result.reason = std::string("the scanner sent an unreadable reply (") + e.what() + ")";
      stop();
      return result;
    }
  }
  result.status = ScanStatus::blocked;
  if (outcome == ReadOutcome::timed_out) {
    result.reason = "it hung while loading (no answer within " + std::to_string(options_.library_timeout.count()) +
                    " ms); the scanner was killed";
    result.timeout_ms = options_.library_timeout.count();
    stop();
  } else {
    result.reason = describe_exit() + " while loading";
    stop();
  }
  return result;
}

}  // namespace hearth
