// Which processes train one job together, as the launcher that started this one describes them:
// `hearth run --nproc N`, torchrun, Open MPI's mpirun, or Slurm's srun. Read from the
// environment only; joining the group is rank_group.hpp's work.
#pragma once

#include <functional>
#include <string>

namespace hearth {

struct World {
  int rank = 0;
  int size = 1;
  int local_rank = 0;   ///< rank among the processes of this machine
  int local_size = 1;   ///< processes of this job on this machine
  std::string master_addr;  ///< where rank 0 serves the rendezvous store
  int master_port = 0;      ///< 0: the job's [distributed] port
  std::string source;       ///< "single process", "hearth --nproc", "torchrun", "Open MPI", "Slurm"
  bool distributed() const { return size > 1; }
};

/// Reads a variable of the environment; nullptr when unset.
using EnvReader = std::function<const char*(const char*)>;

/// The world this process belongs to. Variables are read in this order: RANK and WORLD_SIZE
/// (torchrun, and `hearth --nproc`, which also sets HEARTH_LAUNCHER), OMPI_COMM_WORLD_* (mpirun),
/// SLURM_PROCID with SLURM_STEP_NUM_TASKS (srun; a batch script alone is no step). None: one
/// process. Throws UsageError naming the variable when one is malformed, or when ranks on several
/// machines have no MASTER_ADDR.
World detect_world(const EnvReader& env);

/// The first host of a Slurm node list: "gpu[03-05,9],cpu1" gives "gpu03".
std::string first_slurm_host(const std::string& nodelist);

}  // namespace hearth
