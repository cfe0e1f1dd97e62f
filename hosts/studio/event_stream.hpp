// Live updates for the page, as Server-Sent Events: a watcher looks at the runs folder twice a
// second and publishes what changed (a run's status, a new epoch row, the latest batch), so runs
// started from the command line show up live as well as the studio's own.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hearth::studio {

/// One page's queue of events.
class Subscriber {
 public:
  /// The events ready, each as "event: NAME\ndata: JSON\n\n"; waits up to `wait` for one.
  /// Empty after the wait, or when the hub closed.
  std::vector<std::string> take(std::chrono::milliseconds wait);
  bool closed() const;

 private:
  friend class EventHub;
  void push(const std::string& event);
  void close();
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> queue_;
  bool closed_ = false;
  uint64_t dropped_ = 0;
};

class EventHub {
 public:
  std::shared_ptr<Subscriber> subscribe();
  void publish(const std::string& name, const nlohmann::json& data);
  /// Wakes and closes every subscriber (the server stops).
  void close();
  size_t subscribers() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<Subscriber>> subscribers_;
  bool closed_ = false;
};

/// [train] epochs of a run's resolved job.toml (the default when it has none; 0 when unreadable).
long long planned_epochs(const std::filesystem::path& run);

/// The dashboard's row of a run: {"id", "job", "status", "detail"?, "epochs_done", "epochs",
/// "best"?, "created", "finished"?, "seconds", "pid"?, "error"?}.
nlohmann::json run_row(const std::filesystem::path& runs_dir, const std::filesystem::path& run);

/// Watches `runs_dir` on a thread of its own and publishes to `hub`:
///   run    {row}                      a run appeared, changed status or progress, or went away ({"id", "removed": true})
///   epoch  {"run", "values": {...}}   a new metrics.csv row
///   batch  {"run", "epoch", "batch", "batches", "loss", "samples_per_s"}  the latest batch
class RunsWatcher {
 public:
  RunsWatcher(std::filesystem::path runs_dir, EventHub& hub, std::chrono::milliseconds interval);
  ~RunsWatcher();

 private:
  struct Seen {
    long long info_stamp = -1, metrics_size = -1, batches_size = -1;
    std::string status;
  };
  void loop();
  void look();
  void look_at(const std::filesystem::path& run, Seen& seen, bool is_new);

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
