// How a data-parallel group is formed and reduces: the typed [distributed] table of a job. It
// lives here, below the jobs, so that the group needs nothing from the rooms above it.
#pragma once

#include <cstdint>
#include <string>

namespace hearth {

struct DistributedOptions {
  std::string backend = "auto";  ///< auto (NCCL on CUDA, Gloo on CPU), gloo or nccl
  int port = 29500;              ///< rendezvous port when the launcher gives no MASTER_PORT
  int64_t timeout_seconds = 120; ///< a rank silent this long while training ends the job with an error
  /// How long ranks wait for each other to start: the rendezvous, and each rank's own setup
  /// (plugins, data, the run folder) before the first step. Ranks start at different speeds, so
  /// this is not the step timeout (torchrun's rendezvous join_timeout is 600 s too).
  int64_t join_timeout_seconds = 600;
  double bucket_mb = 25;         ///< gradients all-reduced together, as PyTorch DDP's bucket_cap_mb
};

}  // namespace hearth
