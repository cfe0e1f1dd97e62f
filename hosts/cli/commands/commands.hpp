// One function pair per `hearth` subcommand: setup_* adds it to the app, and its callback runs it.
#pragma once

#include <CLI/CLI.hpp>

namespace hearth::cli {

void setup_plugins_command(CLI::App& app);
void setup_new_command(CLI::App& app);
void setup_runs_command(CLI::App& app);
void setup_plot_command(CLI::App& app);
void setup_pack_command(CLI::App& app);
/// `hearth sweep resume` and `hearth sweep report`, under the `sweep` command; torch-free.
void setup_sweep_subcommands(CLI::App& sweep, int& exit_code);
/// `hearth studio`: serves the web studio until SIGINT or SIGTERM.
void setup_studio_command(CLI::App& app, int& exit_code);
/// The job commands (run, check, analyze, render, graph, dataset, shard, resume, eval, infer,
/// export, sweep; one file each under requests/); their exit code is written to `exit_code`.
void setup_job_commands(CLI::App& app, int argc, char** argv, int& exit_code);

}  // namespace hearth::cli
