#include "hosts/jobs/run_ownership.hpp"

namespace hearth::jobs {

RunOwnership::RunOwnership(RunFolder& run, const World& world) {
  if (world.rank == 0) {
    lock_.emplace(RunLock::acquire(run.path()));
    run.record().process = this_process();
    run.save_record();
  }
  const std::string record = world.rank == 0 ? "crash.json" : "crash.rank-" + std::to_string(world.rank) + ".json";
  // Every rank of a run resumes together, as many as started it.
  crashes_.emplace(run.path() / record, "hearth resume " + run.path().string() +
                                            (world.size > 1 ? " --nproc " + std::to_string(world.size) : ""));
}

}  // namespace hearth::jobs
