// c10d's NCCL process group, where this build's LibTorch has one (cmake/HearthNccl.cmake picks
// nccl_group.cpp or nccl_absent.cpp).
#pragma once

#include <torch/csrc/distributed/c10d/Store.hpp>

#include <memory>
#include <string>

#include "engine/distributed/rank_group.hpp"

namespace hearth {

/// Empty when this build can make NCCL groups; else why not ("this LibTorch is built without CUDA").
std::string nccl_absent_reason();

/// Joins the NCCL group of `world` through `store`; collectives run on `device` (this rank's GPU).
/// RankGroup::join has checked that NCCL can run there.
std::unique_ptr<RankGroup> join_nccl(const World& world, const DistributedOptions& options,
                                     c10::intrusive_ptr<c10d::Store> store, const std::string& device);

}  // namespace hearth
