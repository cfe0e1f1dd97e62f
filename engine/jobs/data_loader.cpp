#include "engine/jobs/data_loader.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>
#include <thread>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

std::vector<int64_t> range(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

void seeded_shuffle(std::vector<int64_t>& v, uint64_t seed) {
  std::mt19937_64 rng(seed);
  // std::shuffle's use of the engine is unspecified across libraries; Fisher-Yates by hand keeps
  // the order identical wherever Hearth is built.
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

void keep_share(std::vector<int64_t>& v, double share) {
  if (share < 1.0 && !v.empty()) v.resize(static_cast<size_t>(std::max<double>(1.0, static_cast<double>(v.size()) * share)));
}

/// Loader threads fetch and collate with one intra-op thread, as PyTorch's DataLoader workers do.
/// Otherwise each loader thread that touches a large tensor gets its own OpenMP team, libgomp then
/// counts more threads than cores and stops spinning between parallel regions, and every operator
/// of the training step pays for waking its team (measured: 26 context switches a batch and a
/// 25% slower MLP step). OpenMP's thread count is per thread; ATen has no per-thread setter, so
/// the runtime LibTorch loaded (libgomp, or the renamed copy in official builds) is asked directly.
void use_one_intraop_thread() {
  at::get_num_threads();  // ATen's lazy per-thread initialisation first, or it would undo this
  using SetThreads = void (*)(int);
  static const auto set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  if (set_threads != nullptr) set_threads(1);
}

}  // namespace

SplitPlan::SplitPlan(const DatasetModule& data, double valid_fraction, double subsample, uint64_t seed) {
  sources_[0] = HEARTH_SPLIT_TRAIN;
  sources_[1] = HEARTH_SPLIT_VALID;
  sources_[2] = HEARTH_SPLIT_TEST;
  std::vector<int64_t> train = range(data.size(HEARTH_SPLIT_TRAIN));
  if (valid_fraction > 0) {
    // A seeded share of train becomes valid: the same seed always holds out the same samples.
    seeded_shuffle(train, seed ^ 0x5eed5eedULL);
    size_t n_valid = static_cast<size_t>(static_cast<double>(train.size()) * valid_fraction);
    indices_[1].assign(train.begin(), train.begin() + static_cast<std::ptrdiff_t>(n_valid));
    train.erase(train.begin(), train.begin() + static_cast<std::ptrdiff_t>(n_valid));
    std::sort(indices_[1].begin(), indices_[1].end());
    std::sort(train.begin(), train.end());
    sources_[1] = HEARTH_SPLIT_TRAIN;
  } else {
    indices_[1] = range(data.size(HEARTH_SPLIT_VALID));
  }
  indices_[0] = std::move(train);
  indices_[2] = range(data.size(HEARTH_SPLIT_TEST));
  for (auto& v : indices_) keep_share(v, subsample);
  if (indices_[0].empty())
    throw UsageError("the dataset's train split is empty; check its parameters (or subsample/valid_fraction)");
}

BatchLoader::BatchLoader(const DatasetModule& data, hearth_split source, std::vector<int64_t> indices,
                         int64_t batch_size, bool shuffle, uint64_t seed, int workers)
    : data_(data),
      source_(source),
      indices_(std::move(indices)),
      batch_size_(batch_size),
      shuffle_(shuffle),
      seed_(seed),
      workers_(std::max(1, workers)) {
  for (size_t i = 0; i < data.tensor_roles().size(); ++i) {
    if (data.tensor_roles()[i] == HEARTH_ROLE_INPUT) input_slots_.push_back(i);
    if (data.tensor_roles()[i] == HEARTH_ROLE_TARGET) target_slots_.push_back(i);
  }
  if (input_slots_.empty())
    throw PluginError(data.module().label() + ": the dataset declares no tensor with the input role");
  // A batch larger than the split is the whole split (and batch arithmetic cannot overflow).
  batch_size_ = std::clamp<int64_t>(batch_size_, 1, std::max<int64_t>(1, static_cast<int64_t>(indices_.size())));
  worker_ = std::thread([this] { work(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  worker_.join();
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    pool_stop_ = true;
  }
  pool_wake_.notify_all();
  for (auto& t : pool_) t.join();
}

void BatchLoader::fetch_share() const {
  for (size_t i; (i = job_next_++) < job_ids_->size();) {
    try {
      (*job_out_)[i] = data_.get(source_, (*job_ids_)[i]);
    } catch (...) {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      if (!job_error_) job_error_ = std::current_exception();
    }
  }
}

void BatchLoader::pool_work() const {
  use_one_intraop_thread();
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(pool_mutex_);
  for (;;) {
    pool_wake_.wait(lock, [&] { return pool_stop_ || (job_ids_ != nullptr && job_generation_ != seen); });
    if (pool_stop_) return;
    seen = job_generation_;
    ++job_busy_;
    lock.unlock();
    fetch_share();
    lock.lock();
    if (--job_busy_ == 0) pool_done_.notify_all();
  }
}

std::vector<std::vector<at::Tensor>> BatchLoader::fetch_samples(const std::vector<int64_t>& ids) const {
  std::vector<std::vector<at::Tensor>> samples(ids.size());
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    while (pool_.size() + 1 < static_cast<size_t>(workers_)) pool_.emplace_back([this] { pool_work(); });
    job_ids_ = &ids;
    job_out_ = &samples;
    job_next_ = 0;
    job_error_ = nullptr;
    ++job_generation_;
  }
  pool_wake_.notify_all();
  fetch_share();
  std::unique_lock<std::mutex> lock(pool_mutex_);
  pool_done_.wait(lock, [&] { return job_busy_ == 0; });
  job_ids_ = nullptr;  // late wakers must not touch this batch
  job_out_ = nullptr;
  if (job_error_) std::rethrow_exception(job_error_);
  return samples;
}

void BatchLoader::work() {
  use_one_intraop_thread();
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || request_.has_value(); });
    if (stop_) return;
    int64_t index = *request_;
    request_.reset();
    lock.unlock();
    std::optional<Batch> batch;
    std::exception_ptr error;
    try {
      batch = fetch(index);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    ready_ = std::move(batch);
    error_ = error;
    wake_.notify_all();
  }
}

int64_t BatchLoader::sample_count() const {
  return static_cast<int64_t>(indices_.size()) / shard_world_;
}

int64_t BatchLoader::batch_count() const { return (sample_count() + batch_size_ - 1) / batch_size_; }

void BatchLoader::shard(int rank, int world) {
  if (world < 1 || rank < 0 || rank >= world)
    throw Error("internal error: shard " + std::to_string(rank) + " of " + std::to_string(world));
  shard_rank_ = rank;
  shard_world_ = world;
}

void BatchLoader::deliver_to(c10::Device device) { device_ = device; }

void BatchLoader::start_epoch(int64_t epoch, int64_t skip) {
  {
    // Wait out a fetch of the previous epoch still under way, and drop it.
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [this] { return !in_flight_ || ready_.has_value() || error_; });
    ready_.reset();
    error_ = nullptr;
    in_flight_ = false;
  }
  order_ = indices_;
  if (shuffle_) seeded_shuffle(order_, seed_ * 1000003ULL + static_cast<uint64_t>(epoch));
  if (shard_world_ > 1) {
    std::vector<int64_t> mine;
    const size_t n = static_cast<size_t>(sample_count());
    for (size_t i = 0; i < n; ++i) mine.push_back(order_[i * static_cast<size_t>(shard_world_) + static_cast<size_t>(shard_rank_)]);
    order_ = std::move(mine);
  }
  cursor_ = skip;
  wait_seconds_ = 0;
  prefetch();
}

Batch BatchLoader::fetch(int64_t batch_index) const {
  size_t begin = static_cast<size_t>(batch_index * batch_size_);
  size_t end = std::min(order_.size(), begin + static_cast<size_t>(batch_size_));
  std::vector<int64_t> ids(order_.begin() + static_cast<std::ptrdiff_t>(begin), order_.begin() + static_cast<std::ptrdiff_t>(end));
  std::vector<at::Tensor> columns;
  if (auto whole = data_.get_batch(source_, ids)) {
    columns = std::move(*whole);
    batch_fetch_ = true;
  } else {
    std::vector<std::vector<at::Tensor>> samples = fetch_samples(ids);
    for (size_t c = 0; c < data_.tensor_names().size(); ++c) {
      std::vector<at::Tensor> column;
      for (auto& s : samples) column.push_back(s[c]);
      try {
        columns.push_back(at::stack(column));
      } catch (const c10::Error& e) {
        throw PluginError(data_.module().label() + ": samples of tensor '" + data_.tensor_names()[c] +
                          "' differ in shape and cannot be batched: " + e.what_without_backtrace());
      }
    }
  }
  if (columns.size() != data_.tensor_names().size())
    throw PluginError(data_.module().label() + ": a batch has " + std::to_string(columns.size()) +
                      " tensors but the dataset declares " + std::to_string(data_.tensor_names().size()));
  Batch b;
  const bool to_device = !device_.is_cpu();
  auto deliver = [&](const at::Tensor& t) { return to_device ? t.pin_memory().to(device_, /*non_blocking=*/true) : t; };
  for (size_t i : input_slots_) b.inputs.push_back(deliver(columns[i]));
  for (size_t i : target_slots_) b.targets.push_back(deliver(columns[i]));
  b.size = static_cast<int64_t>(ids.size());
  b.columns = std::move(columns);
  return b;
}

bool BatchLoader::fetch_here() const { return batch_fetch_ && device_.is_cpu(); }

void BatchLoader::prefetch() {
  if (cursor_ >= batch_count() || fetch_here()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    request_ = cursor_;
    in_flight_ = true;
  }
  wake_.notify_all();
}

std::optional<Batch> BatchLoader::next() {
  auto t0 = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  if (!in_flight_ && fetch_here() && cursor_ < batch_count()) {
    lock.unlock();
    Batch b = fetch(cursor_++);
    wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return b;
  }
  if (!in_flight_) return std::nullopt;
  wake_.wait(lock, [this] { return ready_.has_value() || error_; });
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  in_flight_ = false;
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);  // a plugin's failure surfaces here, in the training thread
  }
  Batch b = std::move(*ready_);
  ready_.reset();
  lock.unlock();
  ++cursor_;
  prefetch();
  return b;
}

}  // namespace hearth
