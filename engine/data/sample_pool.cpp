#include "engine/data/sample_pool.hpp"

#include <algorithm>

#include "engine/data/loader_threads.hpp"

namespace hearth {

SamplePool::SamplePool(const DatasetModule& data, hearth_split source, int workers)
    : data_(data), source_(source), workers_(std::max(1, workers)) {}

SamplePool::~SamplePool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void SamplePool::fetch_share() {
  for (size_t i; (i = next_++) < ids_->size();) {
    try {
      (*out_)[i] = data_.get(source_, (*ids_)[i]);
      if (finish_) finish_((*ids_)[i], (*out_)[i]);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (failures_ != nullptr) (*failures_)[i] = e.what();
      else if (!error_) error_ = std::current_exception();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

void SamplePool::work() {
  use_one_intraop_thread();
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || (ids_ != nullptr && generation_ != seen); });
    if (stop_) return;
    seen = generation_;
    ++busy_;
    lock.unlock();
    fetch_share();
    lock.lock();
    if (--busy_ == 0) done_.notify_all();
  }
}

std::vector<std::vector<at::Tensor>> SamplePool::fetch(const std::vector<int64_t>& ids, std::vector<std::string>* failures) {
  std::vector<std::vector<at::Tensor>> samples(ids.size());
  if (failures != nullptr) failures->assign(ids.size(), "");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    while (threads_.size() + 1 < static_cast<size_t>(workers_)) threads_.emplace_back([this] { work(); });
    ids_ = &ids;
    out_ = &samples;
    failures_ = failures;
    next_ = 0;
    error_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  fetch_share();
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return busy_ == 0; });
  ids_ = nullptr;  // late wakers must not touch this batch
  out_ = nullptr;
  failures_ = nullptr;
  if (error_) std::rethrow_exception(error_);
  return samples;
}

}  // namespace hearth
