// The threads that fetch one batch's samples from a dataset without batch fetch: `workers - 1`
// threads started once, which with the calling thread share out the samples of each batch.
#pragma once

#include <ATen/Tensor.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/runtime/modules/dataset_module.hpp"

namespace hearth {

class SamplePool {
 public:
  SamplePool(const DatasetModule& data, hearth_split source, int workers);
  ~SamplePool();
  SamplePool(const SamplePool&) = delete;
  SamplePool& operator=(const SamplePool&) = delete;

  /// What each sample goes through on the thread that fetched it (decoding's next step: the
  /// job's transforms), before fetch() returns it. Set before the first fetch.
  void finish_with(std::function<void(int64_t id, std::vector<at::Tensor>& sample)> finish) { finish_ = std::move(finish); }

  /// The samples `ids`, in their order, each the dataset's list of tensors. One call at a time.
  /// Rethrows the first failure of any sample; with `failures`, a sample that fails is left empty
  /// and its message stored at its position instead (others: "").
  std::vector<std::vector<at::Tensor>> fetch(const std::vector<int64_t>& ids, std::vector<std::string>* failures = nullptr);

 private:
  void fetch_share();
  void work();

  const DatasetModule& data_;
  hearth_split source_;
  int workers_;
  std::function<void(int64_t, std::vector<at::Tensor>&)> finish_;
  std::vector<std::thread> threads_;  // started on the first fetch: most datasets batch-fetch
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::vector<int64_t>* ids_ = nullptr;
  std::vector<std::vector<at::Tensor>>* out_ = nullptr;
  std::vector<std::string>* failures_ = nullptr;
  std::atomic<size_t> next_{0};
  size_t busy_ = 0;
  uint64_t generation_ = 0;
  std::exception_ptr error_;
  bool stop_ = false;
};

}  // namespace hearth
