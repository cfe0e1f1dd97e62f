#include "engine/jobs/augment.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>


namespace hearth {

std::vector<at::Tensor> augment_batch(const std::vector<at::Tensor>& inputs, const Augmentation& a, uint64_t seed,
                                      int64_t epoch, int64_t batch) {
  if (!a.any()) return inputs;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed * 1000003ULL + static_cast<uint64_t>(epoch) * 7919ULL +
                                                               static_cast<uint64_t>(batch) + 1);
  std::vector<at::Tensor> out;
  for (const at::Tensor& x : inputs) {
    if (x.dim() < 3 || !x.is_floating_point()) {
      out.push_back(x);
      continue;
    }
    const int64_t n = x.size(0), h = x.size(-2), w = x.size(-1);
    at::Tensor y = x;
    if (a.flip) {
      at::Tensor mask = at::rand({n}, gen, x.options().device(at::kCPU)).lt(0.5).to(x.device());
      std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
      shape[0] = n;
      y = at::where(mask.view(shape), y.flip({-1}), y);
    }
    if (a.shift > 0) {
      const int64_t s = a.shift;
      // Replicate padding wants [N, C, H, W]: fold any other leading dims into C.
      at::Tensor four = y.reshape({n, -1, h, w});
      at::Tensor padded = torch::nn::functional::pad(four, torch::nn::functional::PadFuncOptions({s, s, s, s}).mode(torch::kReplicate));
      at::Tensor offsets = at::randint(0, 2 * s + 1, {n, 2}, gen, at::TensorOptions().dtype(at::kLong)).contiguous();
      const int64_t* o = offsets.data_ptr<int64_t>();
      std::vector<at::Tensor> rows;
      rows.reserve(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i)
        rows.push_back(padded[i].narrow(-2, o[2 * i], h).narrow(-1, o[2 * i + 1], w));
      y = at::stack(rows).reshape(x.sizes());
    }
    out.push_back(y);
  }
  return out;
}

}  // namespace hearth
