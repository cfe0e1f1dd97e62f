// c10d's NCCL process group (compiled with USE_C10D_NCCL, only where LibTorch has it).
#include "engine/distributed/nccl_group.hpp"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include "engine/distributed/c10d_group.hpp"

namespace hearth {

std::string nccl_absent_reason() { return {}; }

std::unique_ptr<RankGroup> join_nccl(const World& world, const DistributedOptions& options,
                                     c10::intrusive_ptr<c10d::Store> store, const std::string& device) {
  const c10::Device dev(device);
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
  return std::make_unique<C10dGroup<c10d::ProcessGroupNCCL>>(
      world, store, group, rank_device, "nccl", std::chrono::milliseconds(options.join_timeout_seconds * 1000));
}

}  // namespace hearth
