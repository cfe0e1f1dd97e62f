// `hearth eval RUN`: score a run's checkpoint on a split.
#include "hosts/jobs/commands/eval_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {

void setup_eval_request(const RequestContext& c) {
  RequestCommand<jobs::EvalRequest> eval(c.app, "Score a run's checkpoint on a split with the job's losses and metrics");
  eval.app->add_option("run", eval.request->run, "Run folder")->required()->check(CLI::ExistingDirectory);
  eval.app->add_option("--checkpoint", eval.request->checkpoint, "best or last")->check(CLI::IsMember({"best", "last"}));
  eval.app->add_option("--split", eval.request->split, "valid, test or train")->check(CLI::IsMember({"valid", "test", "train"}));
  add_device_option(*eval.app, eval.request->base.device);
  eval.send(c, [](jobs::EvalRequest& r) { r.run = fs::absolute(r.run).string(); });
}

}  // namespace hearth::cli
