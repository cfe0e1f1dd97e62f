// `hearth resume RUN`: continue an interrupted or crashed run from its last checkpoint.
#include "hosts/jobs/commands/resume_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {

void setup_resume_request(const RequestContext& c) {
  RequestCommand<jobs::ResumeRequest> resume(c.app, "Continue an interrupted or crashed run from its last checkpoint");
  resume.app->add_option("run", resume.request->run, "Run folder (runs/<job>/<timestamp>)")->required()->check(CLI::ExistingDirectory);
  resume.app->add_option("--checkpoint", resume.request->checkpoint, "Continue from `last` (default) or `best`")
      ->check(CLI::IsMember({"last", "best"}));
  resume.add_nproc();
  add_device_option(*resume.app, resume.request->base.device);
  resume.send(c, [](jobs::ResumeRequest& r) { r.run = fs::absolute(r.run).string(); });
}

}  // namespace hearth::cli
