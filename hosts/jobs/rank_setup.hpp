// How a job command joins the other ranks of its run: the world its launcher describes, the
// group, a check that every rank resolved the same job, the run folder rank 0 made, and each
// rank's log.
#pragma once

#include <memory>
#include <string>

#include "engine/distributed/rank_group.hpp"
#include "engine/runtime/shared_tensors.hpp"
#include "engine/jobs/job.hpp"
#include "engine/runs/run_folder.hpp"

namespace hearth::jobs {

/// The world of this process (one process when no launcher says otherwise) and, when it has
/// several, the joined group; logged with where it came from.
struct JoinedWorld {
  World world;
  std::unique_ptr<RankGroup> group;  ///< null for one process
  /// With several ranks on this machine: they keep one copy of a dataset's shared tensors.
  std::unique_ptr<SharingScope> sharing;
  bool writer() const { return world.rank == 0; }
  /// Logs who this rank is and who started it (once the run's log is open).
  void log() const;
};
JoinedWorld join_world(const Job& job);

/// The world this process belongs to, from its launcher's variables (no group is joined).
World this_world();

/// Every rank publishes the hash of its resolved job; a rank whose job differs from rank 0's
/// stops with both hashes and what to do.
void check_same_job(RankGroup& group, const Job& job);

/// Rank 0 announces its run folder; the others wait for it and open it (they never write to it
/// but their log).
void share_run_folder(RankGroup& group, RunFolder& run);

/// run.json's "distributed": where the world came from, its size, the backend, every rank's host.
void record_world(RunFolder& run, RankGroup& group);

/// hearth.log for rank 0, hearth.rank-K.log for the others; the others keep only warnings on the
/// console, so that one terminal shows one run.
std::filesystem::path log_file(const RunFolder& run, const World& world);

}  // namespace hearth::jobs
