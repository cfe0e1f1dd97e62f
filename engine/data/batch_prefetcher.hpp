// One batch made ahead on a thread of its own while the current one trains. One thread for the
// loader's whole life: a thread per batch would also make OpenMP build a new thread team for
// every batch (libgomp keeps one per calling thread), which cost ~15x.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "engine/data/batch.hpp"

namespace hearth {

class BatchPrefetcher {
 public:
  /// `make(i)` builds batch i on the prefetch thread; what it throws is rethrown by take().
  explicit BatchPrefetcher(std::function<Batch(int64_t)> make);
  ~BatchPrefetcher();
  BatchPrefetcher(const BatchPrefetcher&) = delete;
  BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;

  /// Starts making batch `index`; at most one is in flight.
  void request(int64_t index);
  /// Whether a requested batch has not been taken yet.
  bool in_flight() const { return in_flight_; }
  /// The requested batch, waiting for it; rethrows its failure in the calling thread.
  Batch take();
  /// Waits out a batch still being made and drops it (a new epoch starts).
  void drop();

 private:
  void work();

  std::function<Batch(int64_t)> make_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<int64_t> request_;
  std::optional<Batch> ready_;
  std::exception_ptr error_;
  bool in_flight_ = false;
  bool stop_ = false;
};

}  // namespace hearth
