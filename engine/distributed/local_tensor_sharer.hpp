// One copy per machine of the large read-only tensors plugins share (hearth_host_api.shared_tensor):
// the lowest rank on each machine makes each one in an anonymous shared-memory file (memfd) and
// announces it through the group's store; the other ranks on that machine map the same pages
// (through /proc/PID/fd/N of the maker). Memory-backed and
// nameless, so a killed run leaves nothing behind in /dev/shm or on disk, and Docker's 64 MB
// /dev/shm is no limit.
#pragma once

#include <memory>

#include "engine/distributed/rank_group.hpp"
#include "engine/runtime/shared_tensors.hpp"

namespace hearth {

/// A sharer for this rank of `group` (which must outlive it); null when no other rank of the group
/// runs on this machine. A rank that cannot map the maker's copy, or whose maker failed to make it,
/// makes its own and says so.
std::unique_ptr<TensorSharer> local_tensor_sharer(RankGroup& group);

}  // namespace hearth
