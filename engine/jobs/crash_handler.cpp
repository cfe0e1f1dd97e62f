#include "engine/jobs/crash_handler.hpp"

#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>

#include "engine/core/byte_text.hpp"
#include "engine/runtime/plugin_call.hpp"

namespace hearth {
namespace {

std::atomic<int64_t> g_epoch{0}, g_batch{0}, g_step{0}, g_checkpoint_epoch{-1};
std::atomic<bool> g_active{false};
std::atomic<bool> g_recording{false};  // a crash inside the handler must not recurse

// Prepared outside the handler; the handler only reads them.
std::string g_record, g_record_tmp, g_record_text, g_resume_text;  // *_text: escaped for a terminal

constexpr std::array<int, 5> kSignals = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
std::array<struct sigaction, kSignals.size()> g_previous{};
alignas(16) char g_alt_stack[64 * 1024];  // a plugin's runaway recursion overflows the normal stack

const char* signal_name(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
  }
  return "signal";
}

/// write(2) of text and numbers: nothing that allocates or takes a lock.
class Out {
 public:
  explicit Out(int fd) : fd_(fd) {}
  Out& operator<<(const char* s) {
    if (s != nullptr) raw(s, std::strlen(s));
    return *this;
  }
  Out& operator<<(int64_t v) {
    char buf[24];
    size_t n = sizeof buf;
    const bool negative = v < 0;
    uint64_t u = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    do {
      buf[--n] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u != 0);
    if (negative) buf[--n] = '-';
    raw(buf + n, sizeof buf - n);
    return *this;
  }

 private:
  void raw(const char* s, size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd_, s, n);
      if (w <= 0) return;
      s += w;
      n -= static_cast<size_t>(w);
    }
  }
  int fd_;
};

/// `kind` "signal" (with the signal) or "exit" (with the status).
void write_record(const char* kind, int signal, int exit_status) {
  const PluginCallView call = current_plugin_call();
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const int fd = ::open(g_record_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd >= 0) {
    Out o(fd);
    o << "{\"kind\":\"" << kind << "\"";
    if (signal != 0) o << ",\"signal\":" << int64_t{signal} << ",\"signal_name\":\"" << signal_name(signal) << "\"";
    else o << ",\"exit_status\":" << int64_t{exit_status};
    if (call.who != nullptr)
      o << ",\"plugin\":{" << call.who->json_fields.c_str() << "},\"entry\":\"" << call.entry
        << "\",\"plugin_thread\":" << (call.own_thread ? "true" : "false");
    else
      o << ",\"plugin\":null";
    o << ",\"epoch\":" << g_epoch.load() << ",\"batch\":" << g_batch.load() << ",\"step\":" << g_step.load()
      << ",\"last_checkpoint_epoch\":" << g_checkpoint_epoch.load() << ",\"pid\":" << int64_t{::getpid()}
      << ",\"time\":" << int64_t{now.tv_sec} << "}\n";
    ::fsync(fd);
    ::close(fd);
    ::rename(g_record_tmp.c_str(), g_record.c_str());
  }
  Out err(STDERR_FILENO);
  err << "hearth: crashed: ";
  if (signal != 0) err << signal_name(signal);
  else err << "exit(" << int64_t{exit_status} << ") called";
  if (call.who != nullptr)
    err << " in " << call.who->text.c_str() << ", in " << call.entry << (call.own_thread ? "" : " (on another thread)");
  else
    err << " outside any plugin call";
  err << ", epoch " << g_epoch.load() << " batch " << g_batch.load() << " (step " << g_step.load() << "); ";
  if (g_checkpoint_epoch.load() >= 0) err << "last checkpoint: epoch " << g_checkpoint_epoch.load();
  else err << "no checkpoint yet";
  err << "\nhearth: the record is " << g_record_text.c_str() << "; continue with `" << g_resume_text.c_str() << "`\n";
}

void on_fatal_signal(int signal) {
  if (g_active.load() && !g_recording.exchange(true)) write_record("signal", signal, 0);
  // Die of the same signal, as without this handler: the default action is back (SA_RESETHAND),
  // and the signal, blocked while handling it, arrives when this returns.
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

void on_exit_call(int status, void*) {
  if (!g_active.load() || g_recording.exchange(true)) return;
  write_record("exit", 0, status);
  // A plugin's exit(0) must not read as success: the run did not finish. Nothing of Hearth's own
  // is left to run (its files are written as they go), so the process ends here, with status 1
  // ("a job or plugin failed"), its streams flushed as exit() would have.
  if (status == 0) {
    std::fflush(nullptr);
    ::_exit(1);
  }
}

}  // namespace

void note_training_position(int64_t epoch, int64_t batch, int64_t step) noexcept {
  g_epoch.store(epoch, std::memory_order_relaxed);
  g_batch.store(batch, std::memory_order_relaxed);
  g_step.store(step, std::memory_order_relaxed);
}

void note_checkpoint_epoch(int64_t epoch) noexcept { g_checkpoint_epoch.store(epoch, std::memory_order_relaxed); }

CrashHandler::CrashHandler(const std::filesystem::path& record_file, const std::string& resume_command) {
  g_record = record_file.string();
  g_record_tmp = g_record + ".tmp";
  g_record_text = printable(g_record);
  g_resume_text = printable(resume_command);
  g_recording = false;
  static bool exit_hook = false;
  if (!exit_hook) exit_hook = ::on_exit(on_exit_call, nullptr) == 0;
  stack_t stack{};
  stack.ss_sp = g_alt_stack;
  stack.ss_size = sizeof g_alt_stack;
  ::sigaltstack(&stack, nullptr);
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &sa, &g_previous[i]);
  g_active = true;
}

CrashHandler::~CrashHandler() {
  g_active = false;
  for (size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &g_previous[i], nullptr);
}

}  // namespace hearth
