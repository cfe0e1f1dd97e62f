// Live updates for the page, as Server-Sent Events: the hub fans each event out to every page's
// queue (runs_watcher.hpp publishes what changes in the runs folder).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
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

}  // namespace hearth::studio
