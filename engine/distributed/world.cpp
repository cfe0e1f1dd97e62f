#include "engine/distributed/world.hpp"

#include "engine/core/error.hpp"

namespace hearth {
namespace {

int number(const EnvReader& env, const char* name, int fallback, int min) {
  const char* text = env(name);
  if (text == nullptr || *text == '\0') return fallback;
  size_t used = 0;
  long value = 0;
  try {
    value = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || text[used] != '\0' || value < min || value > 1 << 20)
    throw UsageError(std::string("the environment variable ") + name + "='" + text + "' is not a whole number of at least " +
                     std::to_string(min) + "; fix the launcher's command or unset it");
  return static_cast<int>(value);
}

std::string text_of(const EnvReader& env, const char* name) {
  const char* t = env(name);
  return t ? t : "";
}

void check_ranks(const World& w, const char* rank_name) {
  if (w.rank >= w.size)
    throw UsageError(std::string(rank_name) + "=" + std::to_string(w.rank) + " is not below the world size " +
                     std::to_string(w.size) + "; the launcher's variables disagree");
  if (w.local_rank >= w.local_size || w.local_size > w.size)
    throw UsageError("local rank " + std::to_string(w.local_rank) + " of " + std::to_string(w.local_size) +
                     " does not fit a world of " + std::to_string(w.size) + "; the launcher's variables disagree");
}

}  // namespace

std::string first_slurm_host(const std::string& nodelist) {
  size_t comma = nodelist.find(',');
  size_t bracket = nodelist.find('[');
  if (bracket == std::string::npos || (comma != std::string::npos && comma < bracket)) return nodelist.substr(0, comma);
  std::string prefix = nodelist.substr(0, bracket);
  size_t end = nodelist.find_first_of("-,]", bracket + 1);
  return prefix + nodelist.substr(bracket + 1, end == std::string::npos ? std::string::npos : end - bracket - 1);
}

World detect_world(const EnvReader& env) {
  World w;
  w.source = "single process";
  if (env("WORLD_SIZE") != nullptr && env("RANK") != nullptr) {
    w.source = text_of(env, "HEARTH_LAUNCHER") == "nproc" ? "hearth --nproc" : "torchrun";
    w.size = number(env, "WORLD_SIZE", 1, 1);
    w.rank = number(env, "RANK", 0, 0);
    w.local_rank = number(env, "LOCAL_RANK", w.rank, 0);
    w.local_size = number(env, "LOCAL_WORLD_SIZE", w.size, 1);
    w.master_addr = text_of(env, "MASTER_ADDR");
    if (w.master_addr.empty()) w.master_addr = "127.0.0.1";
    w.master_port = number(env, "MASTER_PORT", 0, 1);
    check_ranks(w, "RANK");
  } else if (env("OMPI_COMM_WORLD_SIZE") != nullptr) {
    w.source = "Open MPI";
    w.size = number(env, "OMPI_COMM_WORLD_SIZE", 1, 1);
    w.rank = number(env, "OMPI_COMM_WORLD_RANK", 0, 0);
    w.local_rank = number(env, "OMPI_COMM_WORLD_LOCAL_RANK", 0, 0);
    w.local_size = number(env, "OMPI_COMM_WORLD_LOCAL_SIZE", w.size, 1);
    w.master_addr = text_of(env, "MASTER_ADDR");
    if (w.master_addr.empty() && w.local_size < w.size)
      throw UsageError("mpirun started ranks on several machines, but MASTER_ADDR is not set; pass -x MASTER_ADDR=<rank 0's "
                       "address> to mpirun");
    if (w.master_addr.empty()) w.master_addr = "127.0.0.1";
    w.master_port = number(env, "MASTER_PORT", 0, 1);
    check_ranks(w, "OMPI_COMM_WORLD_RANK");
  } else if (env("SLURM_PROCID") != nullptr && env("SLURM_STEP_NUM_TASKS") != nullptr) {
    w.source = "Slurm";
    w.size = number(env, "SLURM_STEP_NUM_TASKS", 1, 1);
    w.rank = number(env, "SLURM_PROCID", 0, 0);
    w.local_rank = number(env, "SLURM_LOCALID", 0, 0);
    std::string per_node = text_of(env, "SLURM_STEP_TASKS_PER_NODE");  // "2(x3)" or "2,1"
    w.local_size = per_node.empty() ? w.size : std::max(w.local_rank + 1, std::atoi(per_node.c_str()));
    w.master_addr = text_of(env, "MASTER_ADDR");
    if (w.master_addr.empty()) w.master_addr = first_slurm_host(text_of(env, "SLURM_STEP_NODELIST"));
    if (w.master_addr.empty()) w.master_addr = first_slurm_host(text_of(env, "SLURM_JOB_NODELIST"));
    if (w.master_addr.empty()) w.master_addr = "127.0.0.1";
    w.master_port = number(env, "MASTER_PORT", 0, 1);
    check_ranks(w, "SLURM_PROCID");
  }
  return w;
}

}  // namespace hearth
