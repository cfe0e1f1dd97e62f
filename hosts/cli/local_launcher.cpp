#include "local_launcher.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/cpu_affinity.hpp"
#include "engine/core/error.hpp"
#include "engine/core/loopback_port.hpp"

namespace hearth::cli {
namespace {

/// Rank `rank`'s share of the CPUs this process may use: consecutive, equal shares (the remainder
/// unused), as mpirun's --bind-to core does. Empty (no binding) when there are fewer CPUs than
/// ranks, where binding would stack ranks on one core.
std::vector<int> cpu_share(int rank, int nproc) {
  const std::vector<int> cpus = allowed_cpus();
  const size_t each = cpus.size() / static_cast<size_t>(nproc);
  if (each == 0) return {};
  return {cpus.begin() + static_cast<long>(each * static_cast<size_t>(rank)),
          cpus.begin() + static_cast<long>(each * static_cast<size_t>(rank + 1))};
}

pid_t start_rank(int rank, int nproc, const std::string& port, char** argv, bool bind) {
  const std::vector<int> cpus = bind ? cpu_share(rank, nproc) : std::vector<int>();
  pid_t pid = ::fork();
  if (pid < 0) throw Error("cannot start rank " + std::to_string(rank) + ": fork failed");
  if (pid > 0) return pid;
  if (!cpus.empty()) {
    cpu_set_t mine;
    CPU_ZERO(&mine);
    for (int c : cpus) CPU_SET(c, &mine);
    ::sched_setaffinity(0, sizeof(mine), &mine);  // best effort: an unbound rank still trains
  }
  ::setenv("RANK", std::to_string(rank).c_str(), 1);
  ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
  ::setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
  ::setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
  ::setenv("MASTER_ADDR", "127.0.0.1", 1);
  ::setenv("MASTER_PORT", port.c_str(), 1);
  ::setenv("HEARTH_LAUNCHER", "nproc", 1);
  ::execv("/proc/self/exe", argv);
  std::cerr << "error: cannot start rank " << rank << ": exec of /proc/self/exe failed\n";
  ::_exit(127);
}

/// A SIGTERM or SIGHUP the launcher received, to pass on to the ranks.
std::atomic<int> g_pass_on{0};

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

std::string how(int status) {
  return WIFEXITED(status) ? "exited with code " + std::to_string(WEXITSTATUS(status))
                           : std::string("was killed by signal ") + strsignal(WTERMSIG(status));
}

}  // namespace

bool started_as_rank() {
  const char* l = std::getenv("HEARTH_LAUNCHER");
  return l != nullptr && *l != '\0';
}

int launch_local_ranks(int nproc, char** argv, bool bind) {
  const char* given = std::getenv("MASTER_PORT");
  std::string port = given && *given ? given : "";
  if (port.empty()) {
    try {
      port = std::to_string(free_loopback_port());
    } catch (const Error& e) {
      throw Error(std::string(e.what()) + "; set MASTER_PORT for the ranks' rendezvous");
    }
  }
  // Ctrl-C reaches every rank from the terminal; the launcher only waits for them to stop. A
  // handler (not SIG_IGN) so that the ranks, after exec, start with the default again.
  struct sigaction sa {};
  sa.sa_handler = [](int) {};
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  // SIGTERM and SIGHUP sent to the launcher alone (`kill PID`) are passed on, so that every rank
  // writes `last` and stops; a rank that also got it directly ignores the repeat.
  struct sigaction pass {};
  pass.sa_handler = [](int signal) { g_pass_on = signal; };
  sigemptyset(&pass.sa_mask);
  ::sigaction(SIGTERM, &pass, nullptr);
  ::sigaction(SIGHUP, &pass, nullptr);
  std::vector<pid_t> ranks;
  for (int r = 0; r < nproc; ++r) ranks.push_back(start_rank(r, nproc, port, argv, bind));
  int first_failure = 0, running = nproc;
  auto deadline = std::chrono::steady_clock::time_point::max();
  bool terminated = false;
  while (running > 0) {
    int status = 0;
    if (const int signal = g_pass_on.exchange(0))
      for (pid_t p : ranks)
        if (p > 0) ::kill(p, signal);
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        for (pid_t p : ranks)
          if (p > 0) ::kill(p, terminated ? SIGKILL : SIGTERM);
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        terminated = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    --running;
    for (size_t r = 0; r < ranks.size(); ++r) {
      if (ranks[r] != pid) continue;
      ranks[r] = -1;
      if (exit_code_of(status) != 0 && first_failure == 0) {
        first_failure = exit_code_of(status);
        std::cerr << "error: rank " << r << " of " << nproc << " " << how(status)
                  << "; the other ranks stop when they notice (or in 15 s)\n";
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
      }
    }
  }
  return first_failure;
}

}  // namespace hearth::cli
