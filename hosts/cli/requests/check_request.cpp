// `hearth check JOB`: validate a job against every plugin's schema; run nothing.
#include "hosts/jobs/commands/check_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {

void setup_check_request(const RequestContext& c) {
  RequestCommand<jobs::CheckRequest> check(c.app, "Validate a job against every plugin's schema; run nothing");
  check.app->add_option("job", check.request->job, "Job script (TOML)")->required()->check(CLI::ExistingFile);
  check.app->add_option("--set", check.request->sets, kSetHelp);
  check.send(c, [](jobs::CheckRequest& r) { r.job = fs::absolute(r.job).string(); });
}

}  // namespace hearth::cli
