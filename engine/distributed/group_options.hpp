// How a data-parallel group is formed and reduces: the typed [distributed] table of a job. It
// lives here, below the jobs, so that the group needs nothing from the rooms above it.
#pragma once

#include <cstdint>
#include <string>

namespace hearth {

struct DistributedOptions {
  std::string backend = "auto";  ///< auto (NCCL on CUDA, Gloo on CPU), gloo or nccl
  int port = 29500;              ///< rendezvous port when the launcher gives no MASTER_PORT
  int64_t timeout_seconds = 120; ///< a rank silent this long ends the job with an error
  double bucket_mb = 25;         ///< gradients all-reduced together, as PyTorch DDP's bucket_cap_mb
};

}  // namespace hearth
