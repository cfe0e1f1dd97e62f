// `hearth render JOB [--run RUN]`: samples of a split (and a run's predictions) as pictures.
#include "hosts/jobs/commands/render_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {

void setup_render_request(const RequestContext& c) {
  RequestCommand<jobs::RenderRequest> cmd(c.app, "Draw samples of a split (and a run's predictions) as pictures and a contact sheet");
  jobs::RenderRequest& r = *cmd.request;
  cmd.app->add_option("job", r.job, "Job script (TOML): its dataset and [[renders]]")->required()->check(CLI::ExistingFile);
  cmd.app->add_option("--run", r.run, "Run folder: add the predictions of its checkpoint")->check(CLI::ExistingDirectory);
  cmd.app->add_option("--checkpoint", r.checkpoint, "best or last (with --run)")->check(CLI::IsMember({"best", "last"}));
  cmd.app->add_option("--split", r.split, "valid (default), test or train")->check(CLI::IsMember({"valid", "test", "train"}));
  cmd.app->add_option("--index", r.index, "Positions in the split: 0-15 (default), or 3,7,9-12");
  cmd.app->add_option("--out", r.out, "Folder of the pictures (default: RUN/renders with --run, else ./renders)");
  cmd.app->add_option("--size", r.size, "Pixels of each picture (default 256)")->check(CLI::Range(32, 4096));
  cmd.app->add_option("--set", r.sets, kSetHelp);
  cmd.send(c, [](jobs::RenderRequest& q) {
    q.job = fs::absolute(q.job).string();
    q.run = absolute_or_empty(q.run);
    q.out = absolute_or_empty(q.out);
  });
}

}  // namespace hearth::cli
