// `hearth export` end to end: the example models trained briefly, exported in every format and
// opened by Python's own tools (tests/python/export_check.py, run with Debian's python3-torch and
// python3-onnx); `hearth infer` and PyTorch on the TorchScript export agree; bad requests fail
// clearly and leave nothing behind.
#include "unit/catch.hpp"
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kAssets = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/";
const std::string kCheck = "/usr/bin/python3 " + std::string(HEARTH_SOURCE_DIR) + "/tests/python/export_check.py ";

/// One epoch of an example job on a sliver of Fashion-MNIST; the run folder.
fs::path quick_run(const std::string& job, const std::string& sets, const TempDir& dir, const TempDir& cache) {
  CommandResult r = run_hearth("run " + kAssets + job + " --runs-dir " + (dir / "runs").string() +
                                   " --set job.device=\\\"cpu\\\" --set train.epochs=1 --set dataset.subsample=0.01" + sets,
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return single_run(dir / "runs");
}

/// The [model] table of a run's resolved job as JSON, for the equivalent torch.nn model.
std::string model_params(const fs::path& run, const std::vector<std::string>& keys) {
  const toml::table job = toml::parse_file((run / "job.toml").string());
  std::ostringstream json;
  json << toml::json_formatter(*job["model"].as_table());
  nlohmann::json model = nlohmann::json::parse(json.str()), params = nlohmann::json::object();
  for (const std::string& key : keys)
    if (model.contains(key)) params[key] = model[key];
  return params.dump();
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

void export_and_open(const std::string& job, const std::string& kind, const std::vector<std::string>& keys,
                     const std::string& sets) {
  TempDir dir, cache;
  fs::path run = quick_run(job, sets, dir, cache);
  CommandResult ex = run_hearth("export " + run.string() + " --format all", cache.path());
  INFO(ex.output);
  REQUIRE(ex.exit_code == 0);
  const fs::path out = run / "export-best";
  for (const char* f : {"model.torchscript.pt", "state_dict.pt", "model.safetensors", "model.onnx", "manifest.json"})
    CHECK(fs::is_regular_file(out / f));
  nlohmann::json manifest = nlohmann::json::parse(read_text(out / "manifest.json"));
  CHECK(manifest["files"].size() == 4);
  CHECK(manifest["run"] == run.string());
  CHECK(manifest["classes"].size() == 10);
  CHECK(manifest["inputs"][0]["shape"][0] == "batch");
  for (const auto& e : fs::directory_iterator(out)) CHECK(e.path().filename().string()[0] != '.');  // no temporaries

  CommandResult py = run_command(kCheck + "check " + out.string() + " " + kind + " " + quoted(model_params(run, keys)) + " " +
                                 (dir / "inputs.npy").string() + " " + (dir / "torchscript.npy").string() + " 2>&1");
  INFO(py.output);
  REQUIRE(py.exit_code == 0);
  CHECK_THAT(py.output, ContainsSubstring("state_dict .pt in torch.nn: agrees"));
  CHECK_THAT(py.output, ContainsSubstring("safetensors in torch.nn: agrees"));
  CHECK_THAT(py.output, ContainsSubstring("onnx: passes onnx.checker"));

  // Hearth's own inference on the same inputs gives what PyTorch gives on the export.
  CommandResult infer = run_hearth("infer " + run.string() + " --input " + (dir / "inputs.npy").string() + " --out " +
                                       (dir / "hearth.npy").string(),
                                   cache.path());
  INFO(infer.output);
  REQUIRE(infer.exit_code == 0);
  CommandResult same = run_command(kCheck + "compare " + (dir / "hearth.npy").string() + " " + (dir / "torchscript.npy").string() +
                                   " 1e-5 1e-4 2>&1");
  INFO(same.output);
  CHECK(same.exit_code == 0);
}

}  // namespace

TEST_CASE("an MLP run exported in every format opens in PyTorch and ONNX and matches hearth infer", "[export][python]") {
  export_and_open("fashion-mnist-mlp.toml", "mlp", {"in_features", "hidden", "out_features", "activation", "batch_norm"}, "");
}

TEST_CASE("a CNN run exported in every format opens in PyTorch and ONNX and matches hearth infer", "[export][python]") {
  export_and_open("fashion-mnist-cnn.toml", "cnn", {"in_channels", "input_size", "channels", "hidden", "classes"}, "");
}

TEST_CASE("a ResNet run exported in every format opens in PyTorch and ONNX and matches hearth infer", "[export][python]") {
  export_and_open("fashion-mnist-resnet.toml", "resnet", {"in_channels", "depth", "width", "classes"},
                  " --set model.depth=1 --set model.width=8");
}

TEST_CASE("hearth export refuses what it cannot do with a clear error and leaves nothing behind", "[export]") {
  TempDir dir, cache;
  const std::string job = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";
  CommandResult r = run_hearth("run " + job + " --runs-dir " + (dir / "runs").string() + " --set train.epochs=1", cache.path());
  REQUIRE(r.exit_code == 0);
  fs::path run = single_run(dir / "runs");

  CommandResult unknown = run_hearth("export " + run.string() + " --format pickle", cache.path());
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.output, ContainsSubstring("unknown export format 'pickle'; the formats are torchscript, state_dict, safetensors, onnx"));

  fs::path locked = dir / "locked";
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  if (::geteuid() != 0) {  // root writes anywhere
    CommandResult unwritable = run_hearth("export " + run.string() + " --format state_dict --out " + locked.string(), cache.path());
    CHECK(unwritable.exit_code == 2);
    CHECK_THAT(unwritable.output, ContainsSubstring("cannot write to the export folder " + locked.string()));
  }
  CommandResult under_file = run_hearth("export " + run.string() + " --format state_dict --out " + job + "/x", cache.path());
  CHECK(under_file.exit_code == 2);
  CHECK_THAT(under_file.output, ContainsSubstring("cannot make the export folder " + job + "/x"));

  fs::remove(run / "checkpoints" / "best.pt");
  CommandResult no_best = run_hearth("export " + run.string() + " --format safetensors", cache.path());
  CHECK(no_best.exit_code == 2);
  CHECK_THAT(no_best.output, ContainsSubstring("run " + run.string() + " has no 'best' checkpoint to export"));
  CHECK_FALSE(fs::exists(run / "export-best"));

  // A Python without PyTorch: the ONNX export says which packages to install, and the formats
  // exported with it are not left half-done.
  fs::path fake = dir / "python3";
  std::ofstream(fake) << "#!/bin/sh\nexec /usr/bin/python3 -I -S \"$@\"\n";
  fs::permissions(fake, fs::perms::owner_all);
  CommandResult no_torch = run_hearth_with("HEARTH_PYTHON=" + fake.string(),
                                           "export " + run.string() + " --checkpoint last --format torchscript,onnx", cache.path());
  CHECK(no_torch.exit_code == 1);
  CHECK_THAT(no_torch.output, ContainsSubstring("apt install python3-torch python3-onnx"));
  // The TorchScript export passed its checks: it is kept, with no temporary file beside it.
  CHECK_THAT(no_torch.output, ContainsSubstring("the other formats passed their checks and are in " + (run / "export-last").string() +
                                                ": model.torchscript.pt (manifest.json lists them)"));
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(run / "export-last")) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  CHECK(left == std::vector<std::string>({"manifest.json", "model.torchscript.pt"}));
}

namespace {

/// A job on random data with one of the export test models.
fs::path export_model_job(const TempDir& dir, const std::string& model) {
  fs::path job = dir / (model + ".toml");
  std::ofstream(job) << "[job]\nname = \"" << model << "\"\nseed = 3\ndevice = \"cpu\"\nthreads = 1\n\n"
                     << "[dataset]\nplugin = \"random\"\ntrain_samples = 64\nvalid_samples = 16\ninput_shape = [8]\n"
                     << "classes = 3\nbatch_size = 16\n\n[model]\nplugin = \"" << model << "\"\n\n"
                     << "[[losses]]\nplugin = \"cross_entropy\"\n\n[optimizer]\nplugin = \"sgd\"\nlr = 0.1\n\n[train]\nepochs = 1\n";
  return job;
}

fs::path run_export_model(const TempDir& dir, const TempDir& cache, const std::string& model) {
  CommandResult r = run_hearth("run " + export_model_job(dir, model).string() + " --plugin-path " +
                                   test_plugin_dir("export_models").string() + " --runs-dir " + (dir / "runs" / model).string(),
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return single_run(dir / "runs" / model);
}

}  // namespace

TEST_CASE("a model whose trace would be wrong is refused and one that says so is exported as weights only", "[export]") {
  TempDir dir, cache;
  fs::path branching = run_export_model(dir, cache, "branching");
  CommandResult wrong = run_hearth("export " + branching.string() + " --format torchscript", cache.path());
  CHECK(wrong.exit_code == 1);
  CHECK_THAT(wrong.output, ContainsSubstring("the TorchScript export of plugin "));
  CHECK_THAT(wrong.output, ContainsSubstring("model 'branching'"));
  CHECK_THAT(wrong.output, ContainsSubstring("(on other samples) gives outputs that differ from the model's"));
  CHECK_THAT(wrong.output, ContainsSubstring("export state_dict or safetensors instead"));
  CHECK((!fs::exists(branching / "export-best") || fs::is_empty(branching / "export-best")));

  fs::path honest = run_export_model(dir, cache, "untraceable");
  CommandResult refused = run_hearth("export " + honest.string() + " --format onnx", cache.path());
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.output, ContainsSubstring("model 'untraceable' says its forward cannot be traced faithfully"));
  CommandResult weights = run_hearth("export " + honest.string() + " --format state_dict,safetensors", cache.path());
  INFO(weights.output);
  CHECK(weights.exit_code == 0);
  CHECK(fs::is_regular_file(honest / "export-best" / "model.safetensors"));
  CHECK_FALSE(fs::exists(honest / "export-best" / "model.onnx"));
}

TEST_CASE("one format's exporter limit costs that format alone and names the operator", "[export][python]") {
  TempDir dir, cache;
  fs::path run = run_export_model(dir, cache, "histogram");
  CommandResult r = run_hearth("export " + run.string() + " --format all", cache.path());
  INFO(r.output);
  // Before: exit 1 with the exporter's last line, and not one file kept.
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, ContainsSubstring("the onnx export failed: PyTorch's ONNX exporter"));
  CHECK_THAT(r.output, ContainsSubstring("has no conversion for aten::histc at opset 17"));
  CHECK_THAT(r.output, ContainsSubstring("model.torchscript.pt, state_dict.pt, model.safetensors (manifest.json lists them)"));
  const nlohmann::json manifest = nlohmann::json::parse(read_text(run / "export-best" / "manifest.json"));
  std::vector<std::string> formats;
  for (const auto& f : manifest["files"]) formats.push_back(f["format"]);
  CHECK(formats == std::vector<std::string>({"torchscript", "state_dict", "safetensors"}));
  CHECK_FALSE(fs::exists(run / "export-best" / "model.onnx"));
  for (const char* f : {"model.torchscript.pt", "state_dict.pt", "model.safetensors"}) CHECK(fs::is_regular_file(run / "export-best" / f));
}

TEST_CASE("a model plugin older than ABI 1.4 exports its parameters and buffers through its saved state", "[export][python]") {
  TempDir dir, cache;
  fs::path run = run_export_model(dir, cache, "old_abi");
  CommandResult ex = run_hearth("export " + run.string() + " --format torchscript,state_dict", cache.path());
  INFO(ex.output);
  REQUIRE(ex.exit_code == 0);
  const fs::path out = run / "export-best";
  CommandResult py = run_command(
      "/usr/bin/python3 -c \"import sys, torch\n"
      "s = torch.load(sys.argv[1]); print(sorted(s))\n"
      "m = torch.jit.load(sys.argv[2]); m.eval(); x = torch.rand(4, 8)\n"
      "sd = dict(m.state_dict()); assert all(torch.equal(s[k], sd[k]) for k in s), 'values differ'\n"
      "print('running_mean', s['norm.running_mean'].abs().sum().item() > 0)\" " +
      (out / "state_dict.pt").string() + " " + (out / "model.torchscript.pt").string() + " 2>&1");
  INFO(py.output);
  REQUIRE(py.exit_code == 0);
  CHECK_THAT(py.output, ContainsSubstring("['linear.bias', 'linear.weight', 'norm.bias', 'norm.num_batches_tracked', "
                                                           "'norm.running_mean', 'norm.running_var', 'norm.weight']"));
  CHECK_THAT(py.output, ContainsSubstring("running_mean True"));  // trained statistics, not fresh zeros
}

namespace {

const std::string kSmoke = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

/// random-smoke started from `init` with a learning rate of 0, so that its checkpoint holds the
/// weights it started from; the run folder (under `runs`), or the failed command's output.
CommandResult run_from(const std::string& init, const fs::path& runs, const TempDir& cache, const std::string& sets = "") {
  return run_hearth("run " + kSmoke + " --runs-dir " + runs.string() + " --init " + init +
                        " --set optimizer.lr=0 --set train.epochs=1" + sets,
                    cache.path());
}

/// `hearth infer` of a run's last checkpoint on `inputs`, into `out`.
void infer_last(const fs::path& run, const fs::path& inputs, const fs::path& out, const TempDir& cache) {
  CommandResult r = run_hearth("infer " + run.string() + " --checkpoint last --input " + inputs.string() + " --out " + out.string(),
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

bool same_outputs(const fs::path& a, const fs::path& b) {
  CommandResult r = run_command(kCheck + "compare " + a.string() + " " + b.string() + " 1e-5 1e-4 2>&1");
  INFO(r.output);
  return r.exit_code == 0;
}

void save_python_state(const std::string& params, const fs::path& pt, const fs::path& inputs, const fs::path& outputs) {
  CommandResult py = run_command(kCheck + "save-state mlp '" + params + "' 5 " + pt.string() + " " + inputs.string() + " " +
                                 outputs.string() + " 2>&1");
  INFO(py.output);
  REQUIRE(py.exit_code == 0);
}

}  // namespace

TEST_CASE("a state_dict saved by PyTorch starts a run whose model gives PyTorch's outputs", "[export][init][python]") {
  TempDir dir, cache;
  save_python_state(R"({"in_features": 8, "hidden": [32], "out_features": 3})", dir / "sd.pt", dir / "in.npy", dir / "torch.npy");
  CommandResult r = run_from((dir / "sd.pt").string(), dir / "runs", cache);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  fs::path run = single_run(dir / "runs");
  nlohmann::json init = nlohmann::json::parse(read_text(run / "run.json"))["init"];
  CHECK(init["file"] == (dir / "sd.pt").string());
  CHECK(init["loaded"] == 4);
  CHECK(init["sha256"].get<std::string>().size() == 64);
  infer_last(run, dir / "in.npy", dir / "hearth.npy", cache);
  CHECK(same_outputs(dir / "hearth.npy", dir / "torch.npy"));

  // The same weights through safetensors, and through the run itself.
  CommandResult ex = run_hearth("export " + run.string() + " --checkpoint last --format safetensors", cache.path());
  REQUIRE(ex.exit_code == 0);
  for (const std::string& source : {(run / "export-last" / "model.safetensors").string(), "run:" + run.string() + ":last"}) {
    INFO(source);
    TempDir more;
    CommandResult again = run_from(source, more / "runs", cache);
    INFO(again.output);
    REQUIRE(again.exit_code == 0);
    fs::path second = single_run(more / "runs");
    infer_last(second, dir / "in.npy", more / "hearth.npy", cache);
    CHECK(same_outputs(more / "hearth.npy", dir / "torch.npy"));
  }
}

TEST_CASE("weights that do not fit the model are refused listing every bad name unless strict is false", "[export][init][python]") {
  TempDir dir, cache;
  save_python_state(R"({"in_features": 8, "hidden": [16, 16], "out_features": 3})", dir / "sd.pt", dir / "in.npy", dir / "torch.npy");
  CommandResult strict = run_from((dir / "sd.pt").string(), dir / "runs", cache);
  CHECK(strict.exit_code == 2);
  CHECK_THAT(strict.output, ContainsSubstring("random-smoke.toml: [model] init " + (dir / "sd.pt").string() + " does not fit plugin "));
  CHECK_THAT(strict.output, ContainsSubstring("in the file but not in the model:\n    linear1.weight\n    linear1.bias"));
  CHECK_THAT(strict.output, ContainsSubstring("shape differs:\n    linear0.weight (file [16, 8], model [32, 8])\n    linear0.bias (file [16], model [32])\n    output.weight (file [3, 16], model [3, 32])"));
  CHECK_THAT(strict.output, ContainsSubstring("strict = false"));

  CommandResult loose = run_from((dir / "sd.pt").string(), dir / "loose", cache, " --set model.strict=false");
  INFO(loose.output);
  REQUIRE(loose.exit_code == 0);
  nlohmann::json init = nlohmann::json::parse(read_text(single_run(dir / "loose") / "run.json"))["init"];
  CHECK(init["loaded"] == 1);  // output.bias: 3 values either way
  CHECK(init["not_loaded"].size() == 5);

  CommandResult missing = run_from((dir / "nothing.pt").string(), dir / "none", cache);
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.output, ContainsSubstring("nothing.pt"));
}

TEST_CASE("an [export] step exports the run when its training ends and bad formats fail at check time", "[export]") {
  TempDir dir, cache;
  fs::path job = dir / "exporting.toml";
  std::ofstream(job) << read_text(kSmoke) << "\n[export]\nformats = [\"state_dict\", \"safetensors\"]\ncheckpoint = \"last\"\nout = \"weights\"\n";
  CommandResult r = run_hearth("run " + job.string() + " --runs-dir " + (dir / "runs").string() + " --set train.epochs=1", cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  fs::path run = single_run(dir / "runs");
  nlohmann::json manifest = nlohmann::json::parse(read_text(run / "weights" / "manifest.json"));
  CHECK(manifest["checkpoint"] == "last");
  CHECK(manifest["files"].size() == 2);
  CHECK(fs::is_regular_file(run / "weights" / "model.safetensors"));
  CHECK_THAT(read_text(run / "job.toml"), ContainsSubstring("[export]"));  // the resolved job keeps the step

  std::ofstream(job) << read_text(kSmoke) << "\n[export]\nformats = [\"pickle\"]\n";
  CommandResult bad = run_hearth("check " + job.string(), cache.path());
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, ContainsSubstring("exporting.toml:"));
  CHECK_THAT(bad.output, ContainsSubstring("\"pickle\" is not one of \"torchscript\", \"state_dict\", \"safetensors\", \"onnx\", \"all\""));
}

TEST_CASE("a torchscript model plugin is exported as it is with its own state_dict names", "[export][python]") {
  TempDir dir, cache;
  const fs::path scripted = dir / "scripted.pt";
  CommandResult py = run_command("/usr/bin/python3 -c 'import torch\n"
                                 "m = torch.jit.script(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(8, 3)))\n"
                                 "m.save(\"" + scripted.string() + "\")' 2>&1");
  INFO(py.output);
  REQUIRE(py.exit_code == 0);
  fs::path job = dir / "scripted.toml";
  std::string text = read_text(kSmoke);
  const size_t model = text.find("[model]"), end = text.find("\n[", model + 1);
  text.replace(model, end - model, "[model]\nplugin = \"torchscript\"\nfile = \"" + scripted.string() + "\"\n");
  std::ofstream(job) << text;
  CommandResult r = run_hearth("run " + job.string() + " --runs-dir " + (dir / "runs").string() + " --set train.epochs=1", cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  fs::path run = single_run(dir / "runs");
  CommandResult ex = run_hearth("export " + run.string() + " --format torchscript,state_dict", cache.path());
  INFO(ex.output);
  REQUIRE(ex.exit_code == 0);
  nlohmann::json manifest = nlohmann::json::parse(read_text(run / "export-best" / "manifest.json"));
  CHECK(manifest["files"][0]["how"] == "saved as it is (TorchScript already)");
  CHECK(manifest["files"][0]["max_difference"] == 0.0);
  CommandResult names = run_command("/usr/bin/python3 -c 'import torch; print(sorted(torch.load(\"" +
                                    (run / "export-best" / "state_dict.pt").string() + "\")))' 2>&1");
  CHECK_THAT(names.output, ContainsSubstring("['1.bias', '1.weight']"));
}
