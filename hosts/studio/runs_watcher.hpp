// The studio's watcher of the runs folder: it looks twice a second and publishes what changed (a
// run's status, a new epoch row, the latest batch), so runs started from the command line show up
// live as well as the studio's own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "event_hub.hpp"

namespace hearth::studio {

/// Watches `runs_dir` on a thread of its own and publishes to `hub`:
///   run    {row}                      a run appeared, changed status or progress, or went away ({"id", "removed": true})
///   epoch  {"run", "values": {...}}   a new metrics.csv row
///   batch  {"run", "epoch", "batch", "batches", "loss", "samples_per_s"}  the latest batch
///   diagnostics {"run", "diagnostics": [...]}  a running run's diagnostics drew (run_diagnostics)
class RunsWatcher {
 public:
  RunsWatcher(std::filesystem::path runs_dir, EventHub& hub, std::chrono::milliseconds interval);
  ~RunsWatcher();

 private:
  struct Seen {
    long long info_stamp = -1, metrics_size = -1, batches_size = -1;
    size_t pictures = 0;
    std::string status;
  };
  void loop();
  void look();
  void look_at(const std::filesystem::path& run, Seen& seen, bool is_new);
  void look_at_diagnostics(const std::filesystem::path& run, const std::string& id, Seen& seen, bool was_running);

  std::filesystem::path runs_dir_;
  EventHub& hub_;
  std::chrono::milliseconds interval_;
  std::map<std::string, Seen> seen_;
  std::atomic<bool> stop_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace hearth::studio
