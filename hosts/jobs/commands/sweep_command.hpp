// `hearth sweep JOB|SWEEP [--parallel P]` and `hearth sweep expand JOB|SWEEP --out DIR`: every
// trial of a sweep validated like a job before anything runs, written into a sweep folder
// (sweep.json, sweep.toml, one resolved job per trial, trials.csv, a Slurm array script on
// request); `sweep` then runs the trials on this machine and reports.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct SweepRequest {
  static constexpr const char* kName = "sweep";
  RequestBase base;
  std::string sweep;     ///< absolute: a job with [sweep], or a sweep file naming its job
  std::string out;       ///< absolute; empty: <runs>/<job>/sweeps/<timestamp>/
  std::string runs_dir;  ///< absolute; empty: the job's [job] runs, next to it
  bool run = true;       ///< false: expand only (`hearth sweep expand`)
  bool slurm = false;    ///< also write sweep.sbatch, a Slurm job array of the trials
  int parallel = 1;      ///< trials at once when run
  bool bind = true;      ///< each running trial on its own share of the CPUs
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SweepRequest, base, sweep, out, runs_dir, run, slurm, parallel, bind)

int execute(const SweepRequest& request);

}  // namespace hearth::jobs
