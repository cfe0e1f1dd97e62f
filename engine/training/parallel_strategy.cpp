#include "engine/training/parallel_strategy.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>

#include "engine/core/error.hpp"
#include "engine/data/batch_loader.hpp"
#include "engine/distributed/gradient_buckets.hpp"
#include "engine/distributed/rank_group.hpp"
#include "engine/runtime/modules/model_module.hpp"
#include "engine/training/interrupt.hpp"

namespace hearth {
namespace {

class LocalStrategy final : public ParallelStrategy {
 public:
  int local_rank() const override { return 0; }
  int local_size() const override { return 1; }
  bool writer() const override { return true; }
  void shard(BatchLoader&) const override {}
  void start(const std::vector<at::Tensor>&, double) override {}
  int64_t follow_rank0(ModelModule&) override { return 0; }
  AgreedLoss backward_and_agree(double total, int64_t samples, bool, const std::function<void()>& backward) override {
    const bool finite = std::isfinite(total);
    if (finite) backward();
    return {total, samples, finite, false};
  }
  bool stop_after(const AgreedLoss&) const override { return interrupt_requested().load(); }
  bool stop_between_epochs() const override { return interrupt_requested().load(); }
  void pass_over_empty_batch(int64_t, int64_t) const override {}
  void set_activity(const char*, int64_t, int64_t) override {}
  std::optional<double> take_wait_seconds() override { return std::nullopt; }
};

class DataParallelStrategy final : public ParallelStrategy {
 public:
  explicit DataParallelStrategy(RankGroup& group) : group_(group) {}

  int local_rank() const override { return group_.world().local_rank; }
  int local_size() const override { return group_.world().local_size; }
  bool writer() const override { return group_.rank() == 0; }
  void shard(BatchLoader& train) const override { train.shard(group_.rank(), group_.size()); }

  void start(const std::vector<at::Tensor>& parameters, double bucket_mb) override {
    group_.meet("the first step");  // the last wait under the join timeout: collectives follow
    buckets_ = std::make_unique<GradientBuckets>(group_, parameters, bucket_mb);
  }

  int64_t follow_rank0(ModelModule& model) override {
    // The model's state as bytes: it carries buffers, which the ABI does not list apart.
    std::string bytes = group_.rank() == 0 ? model.save_state() : std::string();
    at::Tensor size = at::full({1}, static_cast<int64_t>(bytes.size()), at::kLong);
    std::vector<at::Tensor> one{size};
    group_.broadcast(one, 0);
    at::Tensor data = at::empty({size.item<int64_t>()}, at::kByte);
    if (group_.rank() == 0) std::memcpy(data.data_ptr(), bytes.data(), bytes.size());
    one = {data};
    group_.broadcast(one, 0);
    if (group_.rank() == 0) return 0;
    std::vector<at::Tensor> before;
    for (const at::Tensor& p : model.parameters()) before.push_back(p.detach().clone());
    model.load_state(std::string(static_cast<const char*>(data.data_ptr()), static_cast<size_t>(data.numel())));
    const std::vector<at::Tensor> after = model.parameters();
    int64_t differed = 0;
    for (size_t i = 0; i < before.size() && i < after.size(); ++i) differed += at::equal(before[i], after[i]) ? 0 : 1;
    return differed;
  }

  AgreedLoss backward_and_agree(double total, int64_t samples, bool last_micro, const std::function<void()>& backward) override {
    // One small all-reduce a step: the loss over all ranks, and the flags every rank must act on
    // together (a rank that skipped or stopped alone would leave the others waiting). It runs
    // while backward does; a non-finite loss then makes every rank drop the gradients alike.
    const bool finite = std::isfinite(total);
    at::Tensor sums = at::tensor({finite ? total * static_cast<double>(samples) : 0.0, static_cast<double>(samples),
                                  finite ? 0.0 : 1.0, interrupt_requested() ? 1.0 : 0.0},
                                 at::kDouble);
    std::unique_ptr<PendingCollective> work = group_.start_sum(sums);
    buckets_->arm(last_micro);
    backward();
    if (last_micro) buckets_->finish();
    auto t0 = std::chrono::steady_clock::now();
    work->wait();
    loss_wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto v = sums.accessor<double, 1>();
    const auto n = static_cast<int64_t>(v[1]);
    return {v[0] / static_cast<double>(std::max<int64_t>(n, 1)), n, v[2] == 0.0, v[3] > 0.0};
  }

  bool stop_after(const AgreedLoss& agreed) const override { return agreed.stop; }
  bool stop_between_epochs() const override { return false; }

  void pass_over_empty_batch(int64_t epoch, int64_t batch) const override {
    throw Error("every sample of train batch " + std::to_string(batch + 1) + " of epoch " + std::to_string(epoch + 1) +
                " on rank " + std::to_string(group_.rank()) + " was bad; fix or remove them (see the log)");
  }

  void set_activity(const char* what, int64_t epoch, int64_t batch) override { group_.set_activity(what, epoch, batch); }

  std::optional<double> take_wait_seconds() override {
    const double s = loss_wait_seconds_ + (buckets_ ? buckets_->take_wait_seconds() : 0);
    loss_wait_seconds_ = 0;
    return s;
  }

 private:
  RankGroup& group_;
  std::unique_ptr<GradientBuckets> buckets_;
  double loss_wait_seconds_ = 0;
};

}  // namespace

std::unique_ptr<ParallelStrategy> make_parallel_strategy(RankGroup* group) {
  if (group) return std::make_unique<DataParallelStrategy>(*group);
  return std::make_unique<LocalStrategy>();
}

}  // namespace hearth
