// `hearth studio [JOB.toml]`: serves Hearth Studio (hosts/studio/) and prints its address.
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "cli_context.hpp"
#include "commands/commands.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "hosts/studio/studio.hpp"

namespace hearth::cli {
namespace {

struct StudioFlags {
  DiscoveryFlags discovery;
  std::string bind = "127.0.0.1";
  int port = 0;
  bool allow_remote = false;
  std::string runs_dir;
  std::string job;
};

bool loopback(const std::string& address) { return address == "127.0.0.1" || address == "::1" || address == "localhost"; }

studio::StudioOptions resolve(const StudioFlags& f) {
  studio::StudioOptions o;
  if (!loopback(f.bind) && !f.allow_remote)
    throw UsageError("--bind " + f.bind + " would let other machines reach the studio; add --allow-remote if you mean it, "
                     "or keep 127.0.0.1 and use `ssh -L` (docs/studio.md)");
  o.bind = f.bind == "localhost" ? "127.0.0.1" : f.bind;
  o.port = f.port;
  o.allow_remote = f.allow_remote;
  o.work_dir = fs::current_path();
  o.runs_dir = f.runs_dir.empty() ? o.work_dir / "runs" : fs::absolute(f.runs_dir);
  if (!f.job.empty()) {
    o.job_file = fs::weakly_canonical(fs::absolute(f.job));
    const fs::path rel = o.job_file.lexically_relative(fs::weakly_canonical(o.work_dir));
    if (rel.empty() || *rel.begin() == "..")
      throw UsageError(printable(f.job) + " is outside this folder; start the studio in the job's folder (it saves jobs only there)");
  }
  std::error_code ec;
  o.hearth = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot find the hearth executable (/proc/self/exe): " + ec.message());
  for (const std::string& p : f.discovery.plugin_paths) {
    o.child_flags.push_back("--plugin-path");
    o.child_flags.push_back(fs::absolute(p).string());
  }
  if (f.discovery.no_builtins) o.child_flags.push_back("--no-builtins");
  o.discovery = f.discovery.options();
  o.on_listening = [allow = f.allow_remote](const std::string& url) {
    if (allow) spdlog::warn("the studio listens beyond this machine: anyone who has the address below can train and delete runs");
    std::cout << "Hearth Studio: open " << url << "\n(Ctrl-C stops it; from another machine: ssh -L PORT:localhost:PORT this-host)"
              << std::endl;
  };
  return o;
}

}  // namespace

void setup_studio_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<StudioFlags>();
  CLI::App* cmd = app.add_subcommand("studio", "Serve Hearth Studio: datasets, models and runs in the browser");
  cmd->add_option("job", f->job, "A job to open into the forms (inside this folder)")->check(CLI::ExistingFile);
  cmd->add_option("--port", f->port, "Port (default: a free one)")->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", f->bind, "Address to listen on (default 127.0.0.1)");
  cmd->add_flag("--allow-remote", f->allow_remote, "Allow --bind to an address other machines can reach");
  cmd->add_option("--runs-dir", f->runs_dir, "Runs folder the dashboard lists and new runs go to (default: ./runs)");
  f->discovery.add_to(*cmd);
  cmd->callback([f, &exit_code] { exit_code = studio::run_studio(resolve(*f)); });
}

}  // namespace hearth::cli
