#include "cli_context.hpp"

#include <functional>

namespace hearth::cli {

InstallLayout install_layout() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  InstallLayout layout;
  layout.prefix = exe.parent_path().parent_path();
  layout.builtin_plugins = layout.prefix / "lib" / "hearth" / "plugins";
  layout.share = layout.prefix / "share" / "hearth";
  return layout;
}

void one_value_per_occurrence(CLI::App& app) {
  // CLI11 lets an option bound to a vector take every following word, positional arguments too
  // (`hearth run --plugin-path DIR job.toml` lost job.toml): one value per occurrence instead.
  for (CLI::Option* option : app.get_options())
    if (option->nonpositional()) option->allow_extra_args(false);
  const std::function<bool(CLI::App*)> every = [](CLI::App*) { return true; };
  for (CLI::App* command : app.get_subcommands(every)) one_value_per_occurrence(*command);
}

void DiscoveryFlags::add_to(CLI::App& command) {
  command.add_option("--plugin-path", plugin_paths,
                     "Search this folder for plugins first (repeatable; before $HEARTH_PLUGIN_PATH)");
  command.add_flag("--no-builtins", no_builtins, "Do not search the built-in plugins");
  command.add_flag("--rescan", rescan, "Ignore the scan cache: scan every library again, blocked ones too");
}

DiscoveryOptions DiscoveryFlags::options() const {
  DiscoveryOptions o;
  for (const std::string& p : plugin_paths) o.roots.plugin_paths.emplace_back(p);
  o.roots.job_folder = fs::current_path();
  if (!no_builtins) o.roots.builtin_folder = install_layout().builtin_plugins;
  o.rescan = rescan;
  return o;
}

}  // namespace hearth::cli
