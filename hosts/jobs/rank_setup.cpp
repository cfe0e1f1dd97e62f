#include "hosts/jobs/rank_setup.hpp"

#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <thread>
#include <vector>

#include "engine/core/cpu_affinity.hpp"
#include "engine/core/error.hpp"
#include "engine/core/sha256.hpp"
#include "engine/distributed/local_tensor_sharer.hpp"
#include "engine/jobs/session.hpp"

namespace hearth::jobs {

World this_world() {
  return detect_world([](const char* name) { return std::getenv(name); });
}

JoinedWorld join_world(const Job& job) {
  JoinedWorld joined;
  // backend = "none": the processes a launcher started train apart (an ensemble, a program's
  // ranks that each keep a model of their own): each is a world of one, with a run of its own.
  if (job.options.distributed.backend == "none") return joined;
  joined.world = this_world();
  const World& w = joined.world;
  // A launcher's world of one joins a group only when the job names a backend: that runs the
  // collectives' code path (NCCL on one GPU) without a second process.
  const bool named_backend = job.options.distributed.backend != "auto";
  if (!w.distributed() && !(named_backend && w.source != "single process")) return joined;
  if (w.master_port == 0) joined.world.master_port = job.options.distributed.port;
  joined.group = RankGroup::join(w, job.options.distributed, resolve_device(job.options.general.device, w.local_rank));
  if (w.rank != 0 && !spdlog::default_logger()->sinks().empty()) spdlog::default_logger()->sinks()[0]->set_level(spdlog::level::warn);
  check_same_job(*joined.group, job);
  if (auto sharer = local_tensor_sharer(*joined.group)) joined.sharing = std::make_unique<SharingScope>(std::move(sharer));
  return joined;
}

namespace {

/// "CPUs 2-3" when this process is bound to some of the machine's CPUs, else "".
std::string cpu_binding() {
  const std::vector<int> cpus = allowed_cpus();
  if (cpus.empty() || cpus.size() >= std::thread::hardware_concurrency()) return {};
  return (cpus.size() == 1 ? "CPU " : "CPUs ") + cpu_ranges(cpus);
}

}  // namespace

void JoinedWorld::log() const {
  if (!group) return;
  const World& w = world;
  const std::string cpus = cpu_binding();
  spdlog::info("rank {} of {} (local {} of {}), started by {}{}; rendezvous at {}:{}; {}", w.rank, w.size, w.local_rank,
               w.local_size, w.source, cpus.empty() ? "" : ", on " + cpus, w.master_addr, w.master_port, group->backend());
}

void check_same_job(RankGroup& group, const Job& job) {
  const std::string mine = sha256_bytes(job.resolved_toml());
  group.publish("job/" + std::to_string(group.rank()), mine);
  const std::string first = group.read("job/0");
  if (mine != first)
    throw UsageError("rank " + std::to_string(group.rank()) + " resolved a different job than rank 0 (sha256 " +
                     mine.substr(0, 12) + " against " + first.substr(0, 12) +
                     "): start every rank with the same job file, --set values and plugins");
}

void share_run_folder(RankGroup& group, RunFolder& run) {
  if (group.rank() == 0) {
    group.publish("run_folder", run.path().string());
    return;
  }
  run = RunFolder::open(group.read("run_folder"));
}

void record_world(RunFolder& run, RankGroup& group) {
  const World& w = group.world();
  DistributedRecord d{w.source, group.backend(), w.master_addr, w.size, {}};
  for (int r = 0; r < w.size; ++r) d.ranks.push_back(group.describe(r));
  run.record().distributed = d;
  run.save_record();
  spdlog::info("{} ranks: {}", w.size, nlohmann::json(d.ranks).dump());
}

std::filesystem::path log_file(const RunFolder& run, const World& world) {
  return run.path() / (world.rank == 0 ? std::string("hearth.log") : "hearth.rank-" + std::to_string(world.rank) + ".log");
}

}  // namespace hearth::jobs
