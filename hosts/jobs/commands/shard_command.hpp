// `hearth shard JOB --out DIR [--shard-size 256MB]`: writes a job's dataset, split by split as the
// job sees it (valid_fraction and subsample applied), into WebDataset-style tar shards with a
// manifest.json (sample counts, tensors, classes, SHA-256 per shard), for the `shards` dataset
// or any tool that reads tar shards.
#pragma once

#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

struct ShardRequest {
  static constexpr const char* kName = "shard";
  RequestBase base;
  std::string job;                    ///< absolute path of the job file
  std::vector<std::string> sets;      ///< --set section.key=value
  std::string out;                    ///< absolute path of the folder to make (must not exist)
  std::string shard_size = "256MB";   ///< a shard is closed once it holds this much
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ShardRequest, base, job, sets, out, shard_size)

int execute(const ShardRequest& request);

}  // namespace hearth::jobs
