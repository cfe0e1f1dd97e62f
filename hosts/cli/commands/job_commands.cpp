// `hearth run`, `check`, `analyze`, `resume`, `eval`, `infer`: parsed here, carried out by libhearth_jobs.so,
// which is opened only now so that the other commands never pay for loading LibTorch.
#include <dlfcn.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli_context.hpp"
#include "commands/commands.hpp"
#include "engine/core/error.hpp"

namespace hearth::cli {
namespace {

struct JobOptions {
  DiscoveryFlags discovery;
  std::string job;
  std::string run;
  std::vector<std::string> sets;
  std::string runs_dir;
  std::string checkpoint = "best";
  std::string split = "valid";
  std::string input;
  std::string out;
};

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) out += (i ? " " : "") + std::string(argv[i]);
  return out;
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

nlohmann::json base_request(const char* command, const JobOptions& o, const std::string& cmdline) {
  DiscoveryOptions d = o.discovery.options();
  nlohmann::json paths = nlohmann::json::array();
  for (const auto& p : d.roots.plugin_paths) paths.push_back(fs::absolute(p).string());
  return {{"command", command},
          {"plugin_paths", paths},
          {"builtin_folder", d.roots.builtin_folder.string()},
          {"no_builtins", o.discovery.no_builtins},
          {"rescan", o.discovery.rescan},
          {"command_line", cmdline}};
}

}  // namespace

void setup_job_commands(CLI::App& app, int argc, char** argv, int& exit_code) {
  std::string cmdline = command_line(argc, argv);
  for (const char* name : {"run", "check"}) {
    auto o = std::make_shared<JobOptions>();
    bool run = std::string(name) == "run";
    CLI::App* cmd = app.add_subcommand(name, run ? "Validate a job, then train it into a new run folder"
                                                 : "Validate a job against every plugin's schema; run nothing");
    cmd->add_option("job", o->job, "Job script (TOML)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--set", o->sets, "Override a value: section.key=value (repeatable)");
    if (run) cmd->add_option("--runs-dir", o->runs_dir, "Folder of the runs (default: [job] runs, next to the job)");
    o->discovery.add_to(*cmd);
    cmd->callback([o, name, cmdline, &exit_code]() {
      nlohmann::json request = base_request(name, *o, cmdline);
      request["job"] = fs::absolute(o->job).string();
      request["sets"] = o->sets;
      if (!o->runs_dir.empty()) request["runs_dir"] = fs::absolute(o->runs_dir).string();
      exit_code = call_jobs_library(request);
    });
  }
  auto a = std::make_shared<JobOptions>();
  a->split.clear();
  CLI::App* analyze = app.add_subcommand("analyze", "Run a job's analyzers over its data: report pictures and a JSON summary in a new run folder");
  analyze->add_option("job", a->job, "Job script (TOML); without [[analyzers]], multiclass and values_distribution")
      ->required()
      ->check(CLI::ExistingFile);
  analyze->add_option("--split", a->split, "train, valid, test or all (default: each analyzer's own split)")
      ->check(CLI::IsMember({"train", "valid", "test", "all"}));
  analyze->add_option("--set", a->sets, "Override a value: section.key=value (repeatable)");
  analyze->add_option("--runs-dir", a->runs_dir, "Folder of the runs (default: [job] runs, next to the job)");
  a->discovery.add_to(*analyze);
  analyze->callback([a, cmdline, &exit_code]() {
    nlohmann::json request = base_request("analyze", *a, cmdline);
    request["job"] = fs::absolute(a->job).string();
    request["sets"] = a->sets;
    if (!a->split.empty()) request["split"] = a->split;
    if (!a->runs_dir.empty()) request["runs_dir"] = fs::absolute(a->runs_dir).string();
    exit_code = call_jobs_library(request);
  });

  auto r = std::make_shared<JobOptions>();
  auto index = std::make_shared<std::string>("0-15");
  auto size = std::make_shared<int>(256);
  CLI::App* render = app.add_subcommand("render", "Draw samples of a split (and a run's predictions) as pictures and a contact sheet");
  render->add_option("job", r->job, "Job script (TOML): its dataset and [[renders]]")->required()->check(CLI::ExistingFile);
  render->add_option("--run", r->run, "Run folder: add the predictions of its checkpoint")->check(CLI::ExistingDirectory);
  render->add_option("--checkpoint", r->checkpoint, "best or last (with --run)")->check(CLI::IsMember({"best", "last"}));
  render->add_option("--split", r->split, "valid (default), test or train")->check(CLI::IsMember({"valid", "test", "train"}));
  render->add_option("--index", *index, "Positions in the split: 0-15 (default), or 3,7,9-12");
  render->add_option("--out", r->out, "Folder of the pictures (default: RUN/renders with --run, else ./renders)");
  render->add_option("--size", *size, "Pixels of each picture (default 256)")->check(CLI::Range(32, 4096));
  render->add_option("--set", r->sets, "Override a value: section.key=value (repeatable)");
  r->discovery.add_to(*render);
  render->callback([r, index, size, cmdline, &exit_code]() {
    nlohmann::json request = base_request("render", *r, cmdline);
    request["job"] = fs::absolute(r->job).string();
    request["sets"] = r->sets;
    if (!r->run.empty()) request["run"] = fs::absolute(r->run).string();
    request["checkpoint"] = r->checkpoint;
    request["split"] = r->split;
    request["index"] = *index;
    request["size"] = *size;
    fs::path out = !r->out.empty() ? fs::path(r->out) : !r->run.empty() ? fs::path(r->run) / "renders" : fs::path("renders");
    request["out"] = fs::absolute(out).string();
    exit_code = call_jobs_library(request);
  });

  auto gr = std::make_shared<JobOptions>();
  CLI::App* graph = app.add_subcommand("graph", "Draw the operations of one forward pass of a job's model (Graphviz) and print its summary");
  graph->add_option("job", gr->job, "Job script (TOML)")->required()->check(CLI::ExistingFile);
  graph->add_option("--out", gr->out, "Picture, .svg (default graph.svg) or .png");
  graph->add_option("--set", gr->sets, "Override a value: section.key=value (repeatable)");
  gr->discovery.add_to(*graph);
  graph->callback([gr, cmdline, &exit_code]() {
    nlohmann::json request = base_request("graph", *gr, cmdline);
    request["job"] = fs::absolute(gr->job).string();
    request["sets"] = gr->sets;
    request["out"] = fs::absolute(gr->out.empty() ? fs::path("graph.svg") : fs::path(gr->out)).string();
    exit_code = call_jobs_library(request);
  });

  auto o = std::make_shared<JobOptions>();
  CLI::App* resume = app.add_subcommand("resume", "Continue an interrupted or crashed run from its last checkpoint");
  resume->add_option("run", o->run, "Run folder (runs/<job>/<timestamp>)")->required()->check(CLI::ExistingDirectory);
  o->discovery.add_to(*resume);
  resume->callback([o, cmdline, &exit_code]() {
    nlohmann::json request = base_request("resume", *o, cmdline);
    request["run"] = fs::absolute(o->run).string();
    exit_code = call_jobs_library(request);
  });

  auto e = std::make_shared<JobOptions>();
  CLI::App* eval = app.add_subcommand("eval", "Score a run's checkpoint on a split with the job's losses and metrics");
  eval->add_option("run", e->run, "Run folder")->required()->check(CLI::ExistingDirectory);
  eval->add_option("--checkpoint", e->checkpoint, "best or last")->check(CLI::IsMember({"best", "last"}));
  eval->add_option("--split", e->split, "valid, test or train")->check(CLI::IsMember({"valid", "test", "train"}));
  e->discovery.add_to(*eval);
  eval->callback([e, cmdline, &exit_code]() {
    nlohmann::json request = base_request("eval", *e, cmdline);
    request["run"] = fs::absolute(e->run).string();
    request["checkpoint"] = e->checkpoint;
    request["split"] = e->split;
    exit_code = call_jobs_library(request);
  });

  auto i = std::make_shared<JobOptions>();
  i->split = "test";
  CLI::App* infer = app.add_subcommand("infer", "Run a trained model on a file or a split and write its outputs");
  infer->add_option("run", i->run, "Run folder")->required()->check(CLI::ExistingDirectory);
  infer->add_option("--input", i->input, "Inputs: .npy, .csv, .png or IDX; default: the dataset's --split");
  infer->add_option("--split", i->split, "Split of the run's dataset when no --input (default test)")
      ->check(CLI::IsMember({"valid", "test", "train"}));
  infer->add_option("--out", i->out, "Output file, .csv or .npy (default: RUN/infer-<checkpoint>.csv)");
  infer->add_option("--checkpoint", i->checkpoint, "best or last")->check(CLI::IsMember({"best", "last"}));
  i->discovery.add_to(*infer);
  infer->callback([i, cmdline, &exit_code]() {
    nlohmann::json request = base_request("infer", *i, cmdline);
    request["run"] = fs::absolute(i->run).string();
    request["checkpoint"] = i->checkpoint;
    request["split"] = i->split;
    if (!i->input.empty()) request["input"] = fs::absolute(i->input).string();
    if (!i->out.empty()) request["out"] = fs::absolute(i->out).string();
    exit_code = call_jobs_library(request);
  });
}

}  // namespace hearth::cli
