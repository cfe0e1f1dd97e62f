// `hearth shard JOB --out DIR`: a job's dataset written into WebDataset-style tar shards.
#include "hosts/jobs/commands/shard_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {

void setup_shard_request(const RequestContext& c) {
  RequestCommand<jobs::ShardRequest> sh(c.app, "Write a job's dataset into WebDataset-style tar shards with a manifest, split by split");
  sh.app->add_option("job", sh.request->job, "Job script (TOML): its [dataset]")->required()->check(CLI::ExistingFile);
  sh.app->add_option("--out", sh.request->out, "Folder to make for the shards and manifest.json (must not exist)")->required();
  sh.app->add_option("--shard-size", sh.request->shard_size, "Close a shard once it holds this much (default 256MB; kB, MB, GB, KiB, MiB, GiB)");
  sh.app->add_option("--set", sh.request->sets, kSetHelp);
  sh.send(c, [](jobs::ShardRequest& q) {
    q.job = fs::absolute(q.job).string();
    q.out = fs::absolute(q.out).string();
  });
}

}  // namespace hearth::cli
