// Built where LibTorch has no NCCL: NCCL groups are refused with the reason CMake found.
#include "engine/distributed/nccl_group.hpp"

#include "engine/core/error.hpp"

namespace hearth {

std::string nccl_absent_reason() { return HEARTH_NCCL_ABSENT_REASON; }

std::unique_ptr<RankGroup> join_nccl(const World&, const DistributedOptions&, c10::intrusive_ptr<c10d::Store>,
                                     const std::string&) {
  throw Error("internal error: an NCCL group asked of a build without NCCL (" + nccl_absent_reason() + ")");
}

}  // namespace hearth
