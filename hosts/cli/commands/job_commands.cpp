// `hearth run`, `check`, `analyze`, `render`, `graph`, `dataset`, `shard`, `resume`, `eval`, `infer`, `export`: parsed here into
// the command's request (hosts/jobs/commands/*_command.hpp, which owns its defaults), carried out
// by libhearth_jobs.so, which is opened only now so that the other commands never load LibTorch.
#include <dlfcn.h>

#include <memory>
#include <sstream>
#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include "cli_context.hpp"
#include "local_launcher.hpp"
#include "commands/commands.hpp"
#include "engine/core/error.hpp"
#include "hosts/jobs/commands/analyze_command.hpp"
#include "hosts/jobs/commands/check_command.hpp"
#include "hosts/jobs/commands/eval_command.hpp"
#include "hosts/jobs/commands/export_command.hpp"
#include "hosts/jobs/commands/dataset_command.hpp"
#include "hosts/jobs/commands/graph_command.hpp"
#include "hosts/jobs/commands/infer_command.hpp"
#include "hosts/jobs/commands/render_command.hpp"
#include "hosts/jobs/commands/resume_command.hpp"
#include "hosts/jobs/commands/run_command.hpp"
#include "hosts/jobs/commands/shard_command.hpp"
#include "hosts/jobs/commands/sweep_command.hpp"

namespace hearth::cli {
namespace {

using namespace hearth::jobs;

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) out += (i ? " " : "") + std::string(argv[i]);
  return out;
}

/// --device of a command on a run: where to load and run its checkpoint, whatever device it
/// trained on (checked like [job] device when the job is loaded).
void add_device_option(CLI::App& app, std::string& device) {
  app.add_option("--device", device, "auto, cpu, cuda or cuda:N instead of the job's [job] device");
}

int call_jobs_library(const nlohmann::json& request) {
  fs::path lib = install_layout().prefix / "lib" / "hearth" / "libhearth_jobs.so";
  if (const char* env = std::getenv("HEARTH_JOBS_LIBRARY"); env && *env) lib = env;
  void* handle = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr)
    throw Error("cannot load " + lib.string() + " (" + ::dlerror() + "); reinstall Hearth");
  using Main = int (*)(const char*);
  auto main = reinterpret_cast<Main>(::dlsym(handle, "hearth_jobs_main"));
  if (main == nullptr) throw Error(lib.string() + " has no hearth_jobs_main; reinstall Hearth");
  return main(request.dump().c_str());
}

/// --init's value as the TOML string `--set model.init=` takes, its path made absolute (the job
/// reads paths relative to the job file, the user typed one relative to the shell).
std::string init_value(const std::string& init) {
  std::string value = init.rfind("run:", 0) == 0 ? "run:" + fs::absolute(init.substr(4)).string() : fs::absolute(init).string();
  std::ostringstream os;
  os << toml::value<std::string>(value);
  return os.str();
}

/// An absolute path, or empty for an option not given (the command's default then applies).
std::string absolute_or_empty(const std::string& path) { return path.empty() ? path : fs::absolute(path).string(); }

/// A subcommand whose request is `Request`: the CLI writes into it, then sends it, completed with
/// the discovery flags and the command line, to the jobs library.
template <typename Request>
struct JobCommand {
  std::shared_ptr<Request> request = std::make_shared<Request>();
  std::shared_ptr<DiscoveryFlags> discovery = std::make_shared<DiscoveryFlags>();
  CLI::App* app = nullptr;

  std::shared_ptr<int> nproc = std::make_shared<int>(1);
  std::shared_ptr<bool> no_bind = std::make_shared<bool>(false);
  JobCommand(CLI::App& parent, const char* help, const char* name = Request::kName) : app(parent.add_subcommand(name, help)) {}

  /// `--nproc N`: the command runs as N ranks of one data-parallel job on this machine.
  void add_nproc() {
    app->add_option("--nproc", *nproc, "Train on N processes of this machine (data-parallel over c10d/Gloo)")
        ->check(CLI::Range(1, 1024));
    app->add_flag("--no-bind", *no_bind, "With --nproc: let the ranks run on any CPU (by default each gets its own share)");
  }

  /// Registers the discovery flags and the callback; `finish` makes the request's paths absolute.
  /// `argv` (main's) lets `--nproc` start the same command line as ranks.
  void send(const std::string& cmdline, int& exit_code, std::function<void(Request&)> finish, char** argv = nullptr) {
    discovery->add_to(*app);
    app->callback([request = request, discovery = discovery, nproc = nproc, no_bind = no_bind, cmdline, &exit_code, finish,
                   argv, app = app]() {
      if (!app->get_subcommands().empty()) return;  // `hearth sweep report`: the subcommand did the work
      if (*nproc > 1 && !started_as_rank()) {
        exit_code = launch_local_ranks(*nproc, argv, !*no_bind);
        return;
      }
      DiscoveryOptions d = discovery->options();
      RequestBase& base = request->base;
      base.command = Request::kName;
      base.plugin_paths.clear();
      for (const auto& p : d.roots.plugin_paths) base.plugin_paths.push_back(fs::absolute(p).string());
      base.builtin_folder = d.roots.builtin_folder.string();
      base.no_builtins = discovery->no_builtins;
      base.rescan = discovery->rescan;
      base.command_line = cmdline;
      finish(*request);
      exit_code = call_jobs_library(nlohmann::json(*request));
    });
  }
};

const char* kSetHelp = "Override a value: section.key=value (repeatable)";
const char* kRunsDirHelp = "Folder of the runs (default: [job] runs, next to the job)";

void setup_run_and_check(CLI::App& app, const std::string& cmdline, int& exit_code, char** argv) {
  JobCommand<RunRequest> run(app, "Validate a job, then train it into a new run folder");
  run.app->add_option("job", run.request->job, "Job script (TOML); with --trial, a sweep folder")->required()->check(CLI::ExistingPath);
  run.app->add_option("--trial", run.request->trial,
                      "Run trial N of the sweep folder given instead of a job, or auto: the trial of this array task "
                      "(SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, PARALLEL_SEQ)");
  run.app->add_option("--set", run.request->sets, kSetHelp);
  run.app->add_option("--runs-dir", run.request->runs_dir, kRunsDirHelp);
  auto init = std::make_shared<std::string>();
  run.app->add_option("--init", *init, "Start from weights: a state_dict .pt, a .safetensors file or run:RUN[:best|last] ([model] init)");
  run.add_nproc();
  run.send(cmdline, exit_code, [init](RunRequest& r) {
    std::error_code ec;
    if (r.trial.empty() && fs::is_directory(r.job, ec))
      throw UsageError(r.job + " is a folder: give a job file, or --trial N (or auto) with a sweep folder");
    if (!r.trial.empty() && !fs::is_directory(r.job, ec))
      throw UsageError("--trial takes a sweep folder (made by `hearth sweep` or `hearth sweep expand`), not " + r.job);
    if (!r.trial.empty() && !r.runs_dir.empty())
      throw UsageError("--trial runs into the trial's own folder in the sweep folder; --runs-dir does not apply");
    r.job = fs::absolute(r.job).string();
    r.runs_dir = absolute_or_empty(r.runs_dir);
    if (!init->empty()) r.sets.push_back("model.init=" + init_value(*init));
  }, argv);

  JobCommand<CheckRequest> check(app, "Validate a job against every plugin's schema; run nothing");
  check.app->add_option("job", check.request->job, "Job script (TOML)")->required()->check(CLI::ExistingFile);
  check.app->add_option("--set", check.request->sets, kSetHelp);
  check.send(cmdline, exit_code, [](CheckRequest& r) { r.job = fs::absolute(r.job).string(); });
}

void setup_analyze(CLI::App& app, const std::string& cmdline, int& exit_code) {
  JobCommand<AnalyzeRequest> c(app, "Run a job's analyzers over its data: report pictures and a JSON summary in a new run folder");
  c.app->add_option("job", c.request->job, "Job script (TOML); without [[analyzers]], multiclass and values_distribution")
      ->required()
      ->check(CLI::ExistingFile);
  c.app->add_option("--split", c.request->split, "train, valid, test or all (default: each analyzer's own split)")
      ->check(CLI::IsMember({"train", "valid", "test", "all"}));
  c.app->add_option("--set", c.request->sets, kSetHelp);
  c.app->add_option("--runs-dir", c.request->runs_dir, kRunsDirHelp);
  c.send(cmdline, exit_code, [](AnalyzeRequest& r) {
    r.job = fs::absolute(r.job).string();
    r.runs_dir = absolute_or_empty(r.runs_dir);
  });
}

void setup_render_and_graph(CLI::App& app, const std::string& cmdline, int& exit_code) {
  JobCommand<RenderRequest> c(app, "Draw samples of a split (and a run's predictions) as pictures and a contact sheet");
  RenderRequest& r = *c.request;
  c.app->add_option("job", r.job, "Job script (TOML): its dataset and [[renders]]")->required()->check(CLI::ExistingFile);
  c.app->add_option("--run", r.run, "Run folder: add the predictions of its checkpoint")->check(CLI::ExistingDirectory);
  c.app->add_option("--checkpoint", r.checkpoint, "best or last (with --run)")->check(CLI::IsMember({"best", "last"}));
  c.app->add_option("--split", r.split, "valid (default), test or train")->check(CLI::IsMember({"valid", "test", "train"}));
  c.app->add_option("--index", r.index, "Positions in the split: 0-15 (default), or 3,7,9-12");
  c.app->add_option("--out", r.out, "Folder of the pictures (default: RUN/renders with --run, else ./renders)");
  c.app->add_option("--size", r.size, "Pixels of each picture (default 256)")->check(CLI::Range(32, 4096));
  c.app->add_option("--set", r.sets, kSetHelp);
  c.send(cmdline, exit_code, [](RenderRequest& q) {
    q.job = fs::absolute(q.job).string();
    q.run = absolute_or_empty(q.run);
    q.out = absolute_or_empty(q.out);
  });

  JobCommand<GraphRequest> g(app, "Draw the operations of one forward pass of a job's model (Graphviz) and print its summary");
  g.app->add_option("job", g.request->job, "Job script (TOML)")->required()->check(CLI::ExistingFile);
  g.app->add_option("--out", g.request->out, "Picture, .svg (default graph.svg) or .png");
  g.app->add_option("--set", g.request->sets, kSetHelp);
  g.send(cmdline, exit_code, [](GraphRequest& q) {
    q.job = fs::absolute(q.job).string();
    q.out = absolute_or_empty(q.out);
  });

  JobCommand<DatasetRequest> d(app, "What a job's dataset holds: split sizes, tensor names, shapes and dtypes, class names");
  d.app->add_option("job", d.request->job, "Job script (TOML)")->required()->check(CLI::ExistingFile);
  d.app->add_option("--set", d.request->sets, kSetHelp);
  d.app->add_flag("--json", d.request->json, "One JSON object (what the studio reads)");
  d.send(cmdline, exit_code, [](DatasetRequest& q) { q.job = fs::absolute(q.job).string(); });

  JobCommand<ShardRequest> sh(app, "Write a job's dataset into WebDataset-style tar shards with a manifest, split by split");
  sh.app->add_option("job", sh.request->job, "Job script (TOML): its [dataset]")->required()->check(CLI::ExistingFile);
  sh.app->add_option("--out", sh.request->out, "Folder to make for the shards and manifest.json (must not exist)")->required();
  sh.app->add_option("--shard-size", sh.request->shard_size, "Close a shard once it holds this much (default 256MB; kB, MB, GB, KiB, MiB, GiB)");
  sh.app->add_option("--set", sh.request->sets, kSetHelp);
  sh.send(cmdline, exit_code, [](ShardRequest& q) {
    q.job = fs::absolute(q.job).string();
    q.out = fs::absolute(q.out).string();
  });
}

void setup_sweep(CLI::App& app, const std::string& cmdline, int& exit_code) {
  JobCommand<SweepRequest> sweep(app, "Run every trial of a sweep ([sweep] in a job, or a sweep file) on this machine, then report");
  SweepRequest& s = *sweep.request;
  sweep.app->add_option("sweep", s.sweep, "A job with a [sweep] table, or a sweep file whose [sweep] names its job")->check(CLI::ExistingFile);
  sweep.app->add_option("--parallel,-p", s.parallel, "Trials at once (the CPUs are shared among them)")->check(CLI::Range(1, 256));
  sweep.app->add_option("--runs-dir", s.runs_dir, "Runs folder: the sweep goes to <runs>/<job>/sweeps/<timestamp>/");
  sweep.app->add_option("--out", s.out, "The sweep folder to make (instead of one under the runs folder)");
  sweep.app->add_flag("!--no-bind", s.bind, "Let the trials run on any CPU (by default each gets its own share)");
  setup_sweep_subcommands(*sweep.app, exit_code);
  auto sweep_app = sweep.app;
  sweep.send(cmdline, exit_code, [sweep_app](SweepRequest& r) {
    if (r.sweep.empty()) throw UsageError("hearth sweep: give a job with a [sweep] table or a sweep file; see `hearth sweep --help`");
    r.sweep = fs::absolute(r.sweep).string();
    r.out = absolute_or_empty(r.out);
    r.runs_dir = absolute_or_empty(r.runs_dir);
  });

  JobCommand<SweepRequest> expand(*sweep_app, "Write every trial of a sweep into a folder, for `hearth run --trial` as array tasks", "expand");
  SweepRequest& e = *expand.request;
  e.run = false;
  expand.app->add_option("sweep", e.sweep, "A job with a [sweep] table, or a sweep file")->required()->check(CLI::ExistingFile);
  expand.app->add_option("--out", e.out, "The sweep folder to make (default <runs>/<job>/sweeps/<timestamp>/)");
  expand.app->add_option("--runs-dir", e.runs_dir, kRunsDirHelp);
  expand.app->add_flag("--slurm", e.slurm, "Also write sweep.sbatch, a Slurm job array with a task per trial");
  expand.send(cmdline, exit_code, [](SweepRequest& r) {
    r.sweep = fs::absolute(r.sweep).string();
    r.out = absolute_or_empty(r.out);
    r.runs_dir = absolute_or_empty(r.runs_dir);
  });
}

void setup_run_folder_commands(CLI::App& app, const std::string& cmdline, int& exit_code, char** argv) {
  JobCommand<ResumeRequest> resume(app, "Continue an interrupted or crashed run from its last checkpoint");
  resume.app->add_option("run", resume.request->run, "Run folder (runs/<job>/<timestamp>)")->required()->check(CLI::ExistingDirectory);
  resume.app->add_option("--checkpoint", resume.request->checkpoint, "Continue from `last` (default) or `best`")
      ->check(CLI::IsMember({"last", "best"}));
  resume.add_nproc();
  add_device_option(*resume.app, resume.request->base.device);
  resume.send(cmdline, exit_code, [](ResumeRequest& r) { r.run = fs::absolute(r.run).string(); }, argv);

  JobCommand<EvalRequest> eval(app, "Score a run's checkpoint on a split with the job's losses and metrics");
  eval.app->add_option("run", eval.request->run, "Run folder")->required()->check(CLI::ExistingDirectory);
  eval.app->add_option("--checkpoint", eval.request->checkpoint, "best or last")->check(CLI::IsMember({"best", "last"}));
  eval.app->add_option("--split", eval.request->split, "valid, test or train")->check(CLI::IsMember({"valid", "test", "train"}));
  add_device_option(*eval.app, eval.request->base.device);
  eval.send(cmdline, exit_code, [](EvalRequest& r) { r.run = fs::absolute(r.run).string(); });

  JobCommand<InferRequest> infer(app, "Run a trained model on a file or a split and write its outputs");
  InferRequest& i = *infer.request;
  infer.app->add_option("run", i.run, "Run folder")->required()->check(CLI::ExistingDirectory);
  infer.app->add_option("--input", i.input, "Inputs: .npy, .csv, .png or IDX; default: the dataset's --split");
  infer.app->add_option("--split", i.split, "Split of the run's dataset when no --input (default test)")
      ->check(CLI::IsMember({"valid", "test", "train"}));
  infer.app->add_option("--out", i.out, "Output file, .csv or .npy (default: RUN/infer-<checkpoint>.csv)");
  infer.app->add_option("--checkpoint", i.checkpoint, "best or last")->check(CLI::IsMember({"best", "last"}));
  add_device_option(*infer.app, i.base.device);
  infer.send(cmdline, exit_code, [](InferRequest& r) {
    r.run = fs::absolute(r.run).string();
    r.input = absolute_or_empty(r.input);
    r.out = absolute_or_empty(r.out);
  });

  JobCommand<ExportRequest> ex(app, "Export a run's trained model: TorchScript, state_dict .pt, safetensors, ONNX");
  ExportRequest& e = *ex.request;
  ex.app->add_option("run", e.run, "Run folder")->required()->check(CLI::ExistingDirectory);
  ex.app->add_option("--format,-f", e.formats, "torchscript, state_dict, safetensors, onnx or all (repeat or separate with commas)")
      ->required()
      ->delimiter(',');
  ex.app->add_option("--checkpoint", e.checkpoint, "best or last")->check(CLI::IsMember({"best", "last"}));
  ex.app->add_option("--out", e.out, "Folder for the files and manifest.json (default: RUN/export-<checkpoint>)");
  ex.send(cmdline, exit_code, [](ExportRequest& r) {
    r.run = fs::absolute(r.run).string();
    r.out = absolute_or_empty(r.out);
  });
}

}  // namespace

void setup_job_commands(CLI::App& app, int argc, char** argv, int& exit_code) {
  const std::string cmdline = command_line(argc, argv);
  setup_run_and_check(app, cmdline, exit_code, argv);
  setup_analyze(app, cmdline, exit_code);
  setup_render_and_graph(app, cmdline, exit_code);
  setup_run_folder_commands(app, cmdline, exit_code, argv);
  setup_sweep(app, cmdline, exit_code);
}

}  // namespace hearth::cli
