#include "engine/data/batch_prefetcher.hpp"

#include "engine/data/loader_threads.hpp"

namespace hearth {

BatchPrefetcher::BatchPrefetcher(std::function<Batch(int64_t)> make) : make_(std::move(make)) {
  thread_ = std::thread([this] { work(); });
}

BatchPrefetcher::~BatchPrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void BatchPrefetcher::work() {
  use_one_intraop_thread();
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || request_.has_value(); });
    if (stop_) return;
    const int64_t index = *request_;
    request_.reset();
    lock.unlock();
    std::optional<Batch> batch;
    std::exception_ptr error;
    try {
      batch = make_(index);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    ready_ = std::move(batch);
    error_ = error;
    wake_.notify_all();
  }
}

void BatchPrefetcher::request(int64_t index) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    request_ = index;
    in_flight_ = true;
  }
  wake_.notify_all();
}

Batch BatchPrefetcher::take() {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return ready_.has_value() || error_; });
  in_flight_ = false;
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);  // a plugin's failure surfaces here, in the training thread
  }
  Batch b = std::move(*ready_);
  ready_.reset();
  return b;
}

void BatchPrefetcher::drop() {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return !in_flight_ || ready_.has_value() || error_; });
  ready_.reset();
  error_ = nullptr;
  in_flight_ = false;
}

}  // namespace hearth
