// What every job command of `hearth` shares: its options fill the command's request
// (hosts/jobs/commands/<name>_command.hpp, which owns the defaults), which is sent, completed
// with the discovery flags and the command line, to libhearth_jobs.so. The library is opened
// only then, so that the other commands never load LibTorch. One file here per job command.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "cli_context.hpp"
#include "hosts/jobs/commands/request_base.hpp"
#include "local_launcher.hpp"

namespace hearth::cli {

namespace fs = std::filesystem;

/// What each job command's setup gets: the app to add to, the command line, where the exit code goes.
struct RequestContext {
  CLI::App& app;
  std::string command_line;
  int& exit_code;
  char** argv;  ///< main's, for --nproc to start the same command line as ranks
};

extern const char* const kSetHelp;
extern const char* const kRunsDirHelp;

/// Loads libhearth_jobs.so and runs `request` there; its exit code.
int call_jobs_library(const nlohmann::json& request);

/// --device of a command on a run: where to load and run its checkpoint, whatever device it
/// trained on (checked like [job] device when the job is loaded).
void add_device_option(CLI::App& app, std::string& device);

/// An absolute path, or empty for an option not given (the command's default then applies).
std::string absolute_or_empty(const std::string& path);

/// A subcommand whose request is `Request`: the CLI writes into it, then sends it.
template <typename Request>
struct RequestCommand {
  std::shared_ptr<Request> request = std::make_shared<Request>();
  std::shared_ptr<DiscoveryFlags> discovery = std::make_shared<DiscoveryFlags>();
  CLI::App* app = nullptr;

  std::shared_ptr<int> nproc = std::make_shared<int>(1);
  std::shared_ptr<bool> no_bind = std::make_shared<bool>(false);
  RequestCommand(CLI::App& parent, const char* help, const char* name = Request::kName) : app(parent.add_subcommand(name, help)) {}

  /// `--nproc N`: the command runs as N ranks of one data-parallel job on this machine.
  void add_nproc() {
    app->add_option("--nproc", *nproc, "Train on N processes of this machine (data-parallel over c10d/Gloo)")
        ->check(CLI::Range(1, 1024));
    app->add_flag("--no-bind", *no_bind, "With --nproc: let the ranks run on any CPU (by default each gets its own share)");
  }

  /// Registers the discovery flags and the callback; `finish` makes the request's paths absolute.
  void send(const RequestContext& c, std::function<void(Request&)> finish) {
    discovery->add_to(*app);
    app->callback([request = request, discovery = discovery, nproc = nproc, no_bind = no_bind, cmdline = c.command_line,
                   &exit_code = c.exit_code, finish, argv = c.argv, app = app]() {
      if (!app->get_subcommands().empty()) return;  // `hearth sweep report`: the subcommand did the work
      if (*nproc > 1 && !started_as_rank()) {
        exit_code = launch_local_ranks(*nproc, argv, !*no_bind);
        return;
      }
      DiscoveryOptions d = discovery->options();
      jobs::RequestBase& base = request->base;
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

void setup_run_request(const RequestContext& c);
void setup_check_request(const RequestContext& c);
void setup_analyze_request(const RequestContext& c);
void setup_render_request(const RequestContext& c);
void setup_graph_request(const RequestContext& c);
void setup_dataset_request(const RequestContext& c);
void setup_shard_request(const RequestContext& c);
void setup_sweep_request(const RequestContext& c);
void setup_resume_request(const RequestContext& c);
void setup_eval_request(const RequestContext& c);
void setup_infer_request(const RequestContext& c);
void setup_sample_request(const RequestContext& c);
void setup_export_request(const RequestContext& c);

}  // namespace hearth::cli
