// `hearth dataset JOB`: what a job's dataset holds.
#include "hosts/jobs/commands/dataset_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {

void setup_dataset_request(const RequestContext& c) {
  RequestCommand<jobs::DatasetRequest> d(c.app, "What a job's dataset holds: split sizes, tensor names, shapes and dtypes, class names");
  d.app->add_option("job", d.request->job, "Job script (TOML)")->required()->check(CLI::ExistingFile);
  d.app->add_option("--set", d.request->sets, kSetHelp);
  d.app->add_flag("--json", d.request->json, "One JSON object (what the studio reads)");
  d.send(c, [](jobs::DatasetRequest& q) { q.job = fs::absolute(q.job).string(); });
}

}  // namespace hearth::cli
