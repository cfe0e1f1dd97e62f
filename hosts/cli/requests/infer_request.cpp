// `hearth infer RUN`: a trained model on a file or a split, its outputs written.
#include "hosts/jobs/commands/infer_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {

void setup_infer_request(const RequestContext& c) {
  RequestCommand<jobs::InferRequest> infer(c.app, "Run a trained model on a file or a split and write its outputs");
  jobs::InferRequest& i = *infer.request;
  infer.app->add_option("run", i.run, "Run folder")->required()->check(CLI::ExistingDirectory);
  infer.app->add_option("--input", i.input, "Inputs: .npy, .csv, .png or IDX; default: the dataset's --split");
  infer.app->add_option("--split", i.split, "Split of the run's dataset when no --input (default test)")
      ->check(CLI::IsMember({"valid", "test", "train"}));
  infer.app->add_option("--out", i.out, "Output file, .csv or .npy (default: RUN/infer-<checkpoint>.csv)");
  infer.app->add_option("--checkpoint", i.checkpoint, "best or last")->check(CLI::IsMember({"best", "last"}));
  add_device_option(*infer.app, i.base.device);
  infer.send(c, [](jobs::InferRequest& r) {
    r.run = fs::absolute(r.run).string();
    r.input = absolute_or_empty(r.input);
    r.out = absolute_or_empty(r.out);
  });
}

}  // namespace hearth::cli
