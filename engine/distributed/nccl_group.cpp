// c10d's NCCL process group (compiled with USE_C10D_NCCL, only where LibTorch has it).
#include "engine/distributed/nccl_group.hpp"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#include <torch/cuda.h>

#include "engine/distributed/c10d_group.hpp"

namespace hearth {

std::string nccl_absent_reason() { return {}; }

std::unique_ptr<RankGroup> join_nccl(const World& world, const DistributedOptions& options,
                                     c10::intrusive_ptr<c10d::Store> store, const std::string& device) {
  const c10::Device dev(device);
  if (!dev.is_cuda())
    throw UsageError("[distributed] backend = \"nccl\" needs the job on a GPU, but it runs on " + device +
                     "; set [job] device = \"cuda\" (or \"auto\" on a machine with a GPU), or use backend = \"gloo\"");
  const int gpus = static_cast<int>(torch::cuda::device_count());
  if (world.local_size > gpus)
    throw UsageError("[distributed] backend = \"nccl\" needs a GPU for each rank of a machine, but " +
                     std::to_string(world.local_size) + " ranks here share " + std::to_string(gpus) +
                     " GPU(s); start as many ranks as GPUs, or use backend = \"gloo\" (or \"auto\")");
  auto nccl = c10d::ProcessGroupNCCL::Options::create();
  nccl->timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds) * 1000);
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("nccl", store);
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> group;
  try {
    group = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, world.rank, world.size, nccl);
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(world.rank) + " cannot start NCCL on " + device + ": " + c10d_message(e));
  }
  const c10::Device rank_device = dev.has_index() ? dev : c10::Device(c10::DeviceType::CUDA, 0);
  return std::make_unique<C10dGroup<c10d::ProcessGroupNCCL>>(world, store, group, rank_device, "nccl");
}

}  // namespace hearth
