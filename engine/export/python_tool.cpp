#include "engine/export/python_tool.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "engine/core/error.hpp"

extern char** environ;

namespace hearth {

std::string python_interpreter() {
  const char* chosen = std::getenv("HEARTH_PYTHON");
  return chosen && *chosen ? chosen : "/usr/bin/python3";
}

PythonResult run_python(const std::string& script, const std::vector<std::string>& args) {
  const std::string python = python_interpreter();
  if (::access(python.c_str(), X_OK) != 0)
    throw Error("cannot run " + python + ": " + std::strerror(errno) +
                "; install Debian's python3 (apt install python3) or set HEARTH_PYTHON");
  char log_name[] = "/tmp/hearth-python-XXXXXX";
  const int log = ::mkstemp(log_name);
  if (log < 0) throw Error(std::string("cannot make a temporary file for Python's output: ") + std::strerror(errno));
  ::unlink(log_name);
  std::vector<std::string> words = {python, "-c", script};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log, 1);
  posix_spawn_file_actions_adddup2(&actions, log, 2);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ::close(log);
    throw Error("cannot start " + python + ": " + std::strerror(rc));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  PythonResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  ::lseek(log, 0, SEEK_SET);
  char buffer[4096];
  for (ssize_t n; (n = ::read(log, buffer, sizeof buffer)) > 0;) result.output.append(buffer, static_cast<size_t>(n));
  ::close(log);
  return result;
}

}  // namespace hearth
