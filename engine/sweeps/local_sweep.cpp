#include "engine/sweeps/local_sweep.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <iostream>
#include <map>
#include <thread>

#include "engine/core/atomic_file.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/cpu_affinity.hpp"
#include "engine/core/error.hpp"
#include "engine/sweeps/sweep_report.hpp"

namespace hearth {
namespace {

/// The last stop signal received (0: none), and how many.
std::atomic<int> g_signal{0};
std::atomic<int> g_signals{0};

class SignalScope {
 public:
  SignalScope() {
    struct sigaction sa {};
    sa.sa_handler = [](int s) {
      g_signal = s;
      ++g_signals;
    };
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &sa, &previous_[i]);
  }
  ~SignalScope() {
    for (size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &previous_[i], nullptr);
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> previous_{};
};

struct Slot {
  pid_t pid = -1;
  const IndexedTrial* trial = nullptr;
  std::chrono::steady_clock::time_point started;
};

class LocalSweep {
 public:
  LocalSweep(const SweepIndex& index, const LocalSweepOptions& o) : index_(index), o_(o), slots_(static_cast<size_t>(std::max(1, o.parallel))) {
    const std::vector<int> cpus = allowed_cpus();
    threads_ = std::max<size_t>(1, (cpus.empty() ? std::thread::hardware_concurrency() : cpus.size()) / slots_.size());
    if (o.bind && cpus.size() >= slots_.size())
      for (size_t s = 0; s < slots_.size(); ++s) shares_.emplace_back(cpus.begin() + static_cast<long>(threads_ * s), cpus.begin() + static_cast<long>(threads_ * (s + 1)));
  }

  int run() {
    plan();
    SignalScope signals;
    std::error_code ec;
    fs::create_directories(index_.dir / "logs", ec);
    std::cout << "sweep " << printable(index_.dir.string()) << ": " << queue_.size() << " of " << index_.trials.size()
              << " trial(s) to run, " << slots_.size() << " at once, " << threads_ << " thread(s) each" << std::endl;
    int seen_signals = 0;
    // After a stop signal nothing more is launched: the loop ends with the last running trial.
    while (running() > 0 || (!queue_.empty() && g_signal == 0)) {
      if (g_signals > seen_signals) {
        seen_signals = g_signals;
        pass_on(g_signal);
      }
      if (g_signal == 0) launch_free_slots();
      reap();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    write_trials_csv();
    if (g_signal != 0) {
      std::cerr << "sweep interrupted (SIG" << sigabbrev_np(g_signal) << "): continue with `hearth sweep resume "
                << printable(index_.dir.string()) << "`\n";
      return 128 + g_signal;
    }
    return unfinished_ == 0 ? 0 : 1;
  }

 private:
  void plan() {
    const bool maximize = sweep_direction(index_);
    for (const TrialResult& r : read_trial_results(index_, maximize)) {
      if (r.finished()) continue;
      if (r.status == "running") {
        std::cout << "trial " << r.trial->trial << " is being trained by another process" << (r.detail.empty() ? "" : " (" + printable(r.detail) + ")")
                  << "; left to it\n";
        ++unfinished_;
        continue;
      }
      queue_.push_back(r.trial);
    }
    total_ = queue_.size();
  }

  size_t running() const {
    size_t n = 0;
    for (const Slot& s : slots_) n += s.pid > 0;
    return n;
  }

  void launch_free_slots() {
    for (size_t s = 0; s < slots_.size() && !queue_.empty(); ++s) {
      if (slots_[s].pid > 0) continue;
      const IndexedTrial* t = queue_.front();
      queue_.pop_front();
      slots_[s] = {start(*t, s), t, std::chrono::steady_clock::now()};
      std::cout << "[" << ++started_ << "/" << total_ << "] trial " << t->trial << " (" << printable(t->label()) << ") started" << std::endl;
    }
  }

  pid_t start(const IndexedTrial& t, size_t slot) {
    const fs::path log = index_.dir / "logs" / (fs::path(t.folder).filename().string() + ".log");
    std::vector<std::string> args = {o_.hearth.string(), "run", "--trial", std::to_string(t.trial), index_.dir.string()};
    args.insert(args.end(), o_.extra_args.begin(), o_.extra_args.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string threads = std::to_string(threads_);
    pid_t pid = ::fork();
    if (pid < 0) throw Error(std::string("cannot start trial ") + std::to_string(t.trial) + ": fork failed: " + std::strerror(errno));
    if (pid > 0) return pid;
    // Its own process group: a Ctrl-C reaches the sweep, which passes it on once, so that a
    // trial never sees it twice (a second SIGINT ends a training process at once).
    ::setpgid(0, 0);
    if (slot < shares_.size()) {
      cpu_set_t mine;
      CPU_ZERO(&mine);
      for (int c : shares_[slot]) CPU_SET(c, &mine);
      ::sched_setaffinity(0, sizeof(mine), &mine);
    }
    ::setenv("OMP_NUM_THREADS", threads.c_str(), 1);
    ::setenv("MKL_NUM_THREADS", threads.c_str(), 1);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execv(argv[0], argv.data());
    std::cerr << "error: cannot start trial " << t.trial << ": exec of " << argv[0] << " failed: " << std::strerror(errno) << "\n";
    ::_exit(127);
  }

  void pass_on(int signal) {
    for (const Slot& s : slots_)
      if (s.pid > 0) ::kill(s.pid, signal);
  }

  void reap() {
    int status = 0;
    for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;)
      for (Slot& s : slots_)
        if (s.pid == pid) {
          finished(s, status);
          s = Slot{};
        }
  }

  void finished(const Slot& s, int status) {
    // This trial's own run.json tells the direction: no need to read every other trial's again.
    SweepIndex one = index_;
    one.trials = {*s.trial};
    const TrialResult r = read_trial_results(one, sweep_direction(one)).front();
    const double minutes = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.started).count() / 60;
    std::cout << "[" << ++ended_ << "/" << total_ << "] trial " << s.trial->trial << " (" << printable(s.trial->label()) << ") " << r.status;
    if (r.best) std::cout << ": " << index_.metric << " " << *r.best << " @" << r.best_epoch.value_or(0);
    std::cout << " (" << static_cast<int>(minutes * 60) << " s)";
    if (!r.finished()) {
      ++unfinished_;
      std::cout << "; exit " << (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) << ", see "
                << printable((index_.dir / "logs" / (fs::path(s.trial->folder).filename().string() + ".log")).string());
    }
    std::cout << std::endl;
    write_trials_csv();
  }

  /// trials.csv after every trial, so that the folder tells how far the sweep got.
  void write_trials_csv() {
    try {
      write_file_atomically(index_.dir / "trials.csv", trials_csv(make_sweep_report(index_)));
    } catch (const std::exception& e) {
      std::cerr << "warning: " << e.what() << "\n";
    }
  }

  const SweepIndex& index_;
  const LocalSweepOptions& o_;
  std::vector<Slot> slots_;
  std::vector<std::vector<int>> shares_;
  size_t threads_ = 1;
  std::deque<const IndexedTrial*> queue_;
  size_t total_ = 0, started_ = 0, ended_ = 0, unfinished_ = 0;
};

}  // namespace

int run_local_sweep(const SweepIndex& index, const LocalSweepOptions& options) {
  g_signal = 0;
  g_signals = 0;
  return LocalSweep(index, options).run();
}

}  // namespace hearth
