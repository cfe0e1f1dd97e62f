#include "engine/distributed/gradient_buckets.hpp"

#include <torch/torch.h>

#include <chrono>
#include <mutex>

#include "engine/core/error.hpp"

namespace hearth {

struct GradientBuckets::Bucket {
  std::vector<size_t> params;        ///< indices into parameters_
  std::vector<int64_t> offsets;      ///< element offset of each in `flat`
  at::Tensor flat;                   ///< the bucket's gradients, end to end
  std::vector<bool> ready;
  size_t pending = 0;                ///< slots still without a gradient this step
  std::unique_ptr<PendingCollective> work;
  std::mutex mutex;                  ///< hooks of one bucket may run on several autograd threads
};

GradientBuckets::GradientBuckets(RankGroup& group, std::vector<at::Tensor> parameters, double bucket_mb)
    : group_(group), parameters_(std::move(parameters)) {
  const int64_t cap = static_cast<int64_t>(bucket_mb * 1024 * 1024);
  // Reverse order: backward reaches the last layers first, so their bucket fills first.
  for (size_t k = parameters_.size(); k-- > 0;) {
    const at::Tensor& p = parameters_[k];
    if (!p.requires_grad()) continue;
    bool fresh = buckets_.empty();
    if (!fresh) {
      Bucket& last = *buckets_.back();
      const at::Tensor& first = parameters_[last.params[0]];
      int64_t bytes = (last.offsets.back() + parameters_[last.params.back()].numel()) * static_cast<int64_t>(first.element_size());
      fresh = bytes >= cap || first.scalar_type() != p.scalar_type() || first.device() != p.device();
    }
    if (fresh) buckets_.push_back(std::make_unique<Bucket>());
    Bucket& b = *buckets_.back();
    b.offsets.push_back(b.params.empty() ? 0 : b.offsets.back() + parameters_[b.params.back()].numel());
    b.params.push_back(k);
  }
  for (size_t bi = 0; bi < buckets_.size(); ++bi) {
    Bucket& b = *buckets_[bi];
    const at::Tensor& first = parameters_[b.params[0]];
    b.flat = at::zeros({b.offsets.back() + parameters_[b.params.back()].numel()}, first.options().requires_grad(false));
    b.ready.assign(b.params.size(), false);
    b.pending = b.params.size();
    for (size_t slot = 0; slot < b.params.size(); ++slot) {
      unsigned hook = parameters_[b.params[slot]].register_hook([this, bi, slot](const at::Tensor& grad) {
        on_gradient(bi, slot, grad);  // reads the gradient, leaves it as it is
      });
      hooks_.emplace_back(b.params[slot], hook);
    }
  }
}

GradientBuckets::~GradientBuckets() {
  // Hooks hold `this`; the parameters (the session's model) may outlive these buckets.
  for (const auto& [param, hook] : hooks_) parameters_[param].remove_hook(hook);
}

size_t GradientBuckets::bucket_count() const { return buckets_.size(); }

void GradientBuckets::arm(bool on) { armed_ = on; }

void GradientBuckets::on_gradient(size_t bucket, size_t slot, const at::Tensor& grad) {
  if (!armed_) return;
  Bucket& b = *buckets_[bucket];
  const at::Tensor& p = parameters_[b.params[slot]];
  at::Tensor view = b.flat.narrow(0, b.offsets[slot], p.numel()).view_as(p);
  // The hook sees this micro-step's gradient before it is added to .grad, which holds the earlier
  // micro-steps of an accumulation: the bucket gets their sum.
  at::NoGradGuard no_grad;
  if (p.grad().defined()) at::add_out(view, p.grad(), grad);
  else view.copy_(grad);
  std::lock_guard<std::mutex> lock(b.mutex);
  if (b.ready[slot]) return;  // autograd calls a leaf's hook once per backward; never count a slot twice
  b.ready[slot] = true;
  if (--b.pending == 0) launch(b);
}

void GradientBuckets::launch(Bucket& b) { b.work = group_.start_sum(b.flat); }

void GradientBuckets::finish() {
  auto t0 = std::chrono::steady_clock::now();
  const double scale = 1.0 / static_cast<double>(group_.size());
  for (auto& bp : buckets_) {
    Bucket& b = *bp;
    {
      std::lock_guard<std::mutex> lock(b.mutex);
      if (!b.work) {
        for (size_t slot = 0; slot < b.params.size(); ++slot)
          if (!b.ready[slot]) {
            const at::Tensor& p = parameters_[b.params[slot]];
            at::Tensor view = b.flat.narrow(0, b.offsets[slot], p.numel());
            if (p.grad().defined()) view.copy_(p.grad().reshape({-1}));
            else view.zero_();
          }
        launch(b);
      }
    }
    b.work->wait();
    b.work.reset();
    b.flat.mul_(scale);
    for (size_t slot = 0; slot < b.params.size(); ++slot) {
      at::Tensor& p = parameters_[b.params[slot]];
      at::Tensor mean = b.flat.narrow(0, b.offsets[slot], p.numel()).view_as(p);
      if (p.mutable_grad().defined()) p.mutable_grad().copy_(mean);
      else p.mutable_grad() = mean.clone();
    }
    std::fill(b.ready.begin(), b.ready.end(), false);
    b.pending = b.params.size();
  }
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double GradientBuckets::take_wait_seconds() {
  double s = wait_seconds_;
  wait_seconds_ = 0;
  return s;
}

}  // namespace hearth
