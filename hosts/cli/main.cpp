// hearth: the job host. Exit codes: 0 success, 1 a job or plugin failed, 2 a usage error.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli_context.hpp"
#include "commands/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/core/host_facts.hpp"
#include "terminal.hpp"

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("hearth");
  logger->set_pattern(hearth::cli::style_for(stderr).colour ? "%^%l%$: %v" : "%l: %v");
  spdlog::set_default_logger(logger);

  CLI::App app{"Hearth: train LibTorch models from plugins"};
  app.set_version_flag("--version", hearth::host_facts_line());
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log debug messages");
  app.parse_complete_callback([&] {
    if (verbose) spdlog::set_level(spdlog::level::debug);
  });
  hearth::cli::setup_plugins_command(app);
  hearth::cli::setup_new_command(app);
  hearth::cli::setup_runs_command(app);
  hearth::cli::setup_plot_command(app);
  hearth::cli::setup_pack_command(app);
  int exit_code = 0;
  hearth::cli::setup_job_commands(app, argc, argv, exit_code);
  hearth::cli::setup_studio_command(app, exit_code);
  hearth::cli::one_value_per_occurrence(app);

  hearth::cli::Style err = hearth::cli::style_for(stderr);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const hearth::UsageError& e) {
    std::cerr << err.red("error") << ": " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << err.red("error") << ": " << e.what() << '\n';
    return 1;
  }
  return exit_code;
}
