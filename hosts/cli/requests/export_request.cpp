// `hearth export RUN --format F`: a run's trained model as TorchScript, state_dict, safetensors, ONNX.
#include "hosts/jobs/commands/export_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {

void setup_export_request(const RequestContext& c) {
  RequestCommand<jobs::ExportRequest> ex(c.app, "Export a run's trained model: TorchScript, state_dict .pt, safetensors, ONNX");
  jobs::ExportRequest& e = *ex.request;
  ex.app->add_option("run", e.run, "Run folder")->required()->check(CLI::ExistingDirectory);
  ex.app->add_option("--format,-f", e.formats, "torchscript, state_dict, safetensors, onnx or all (repeat or separate with commas)")
      ->required()
      ->delimiter(',');
  ex.app->add_option("--checkpoint", e.checkpoint, "best or last")->check(CLI::IsMember({"best", "last"}));
  ex.app->add_option("--out", e.out, "Folder for the files and manifest.json (default: RUN/export-<checkpoint>)");
  ex.send(c, [](jobs::ExportRequest& r) {
    r.run = fs::absolute(r.run).string();
    r.out = absolute_or_empty(r.out);
  });
}

}  // namespace hearth::cli
