// Discovery speed with 100 plugin libraries: a cold scan (scanner child included), a warm start
// from the cache, and the wall time of `hearth plugins` with the cache warm.
// Targets (issue 2): warm <= 50 ms, cold <= 5 s. Prints figures; asserts nothing.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/discovery/plugin_registry.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int sh(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 100;
  fs::path root = fs::temp_directory_path() / ("hearth-bench-" + std::to_string(::getpid()));
  fs::create_directories(root / "plugins" / "metrics");
  std::printf("generating %d plugin libraries in %s ...\n", count, root.c_str());
  for (int i = 0; i < count; ++i) {
    std::string name = "bench_" + std::to_string(i);
    std::string cmd = std::string(HEARTH_C_COMPILER) + " -shared -fPIC -O1 -I" HEARTH_SDK_INCLUDE " " HEARTH_TORCH_INCLUDE_FLAGS
                      " -DMODULE_NAME='\"" + name + "\"' -DPACK_NAME='\"bench\"' " HEARTH_C_PLUGIN_SOURCE " -o " +
                      (root / "plugins" / "metrics" / ("lib" + name + ".so")).string();
    if (sh(cmd) != 0) {
      std::fprintf(stderr, "compiling %s failed\n", name.c_str());
      return 1;
    }
  }

  hearth::DiscoveryOptions options;
  options.roots.plugin_paths = {root / "plugins"};
  options.roots.use_environment = false;
  options.cache_folder = root / "cache";
  options.scanner.scanner = HEARTH_SCANNER_EXE;

  auto t0 = Clock::now();
  hearth::PluginRegistry cold = hearth::PluginRegistry::discover(options);
  double cold_ms = ms_since(t0);
  if (cold.modules().size() != static_cast<size_t>(count)) {
    std::fprintf(stderr, "expected %d modules, found %zu\n", count, cold.modules().size());
    return 1;
  }

  std::vector<double> warm;
  for (int i = 0; i < 20; ++i) {
    auto t = Clock::now();
    hearth::PluginRegistry again = hearth::PluginRegistry::discover(options);
    warm.push_back(ms_since(t));
    if (again.scanned_now() != 0) return 1;
  }

  std::string cli = "HEARTH_CACHE_DIR='" + options.cache_folder.string() + "' XDG_DATA_HOME='" + (root / "data").string() +
                    "' '" HEARTH_EXE "' plugins --no-builtins --plugin-path '" + (root / "plugins").string() +
                    "' > /dev/null";
  std::vector<double> cli_ms;
  for (int i = 0; i < 20; ++i) {
    auto t = Clock::now();
    if (sh(cli) != 0) return 1;
    cli_ms.push_back(ms_since(t));
  }
  // The same for the built-in pack: real C++ plugins that link LibTorch.
  hearth::DiscoveryOptions builtin = options;
  builtin.roots.plugin_paths = {fs::path(HEARTH_EXE).parent_path().parent_path() / "lib" / "hearth" / "plugins"};
  builtin.cache_folder = root / "cache-builtin";
  auto tb = Clock::now();
  size_t builtin_modules = hearth::PluginRegistry::discover(builtin).modules().size();
  double builtin_ms = ms_since(tb);
  fs::remove_all(root);

  double warm_ms = median(warm), list_ms = median(cli_ms);
  std::printf("\nplugin discovery, %d libraries (median of 20 where repeated)\n", count);
  std::printf("  %-34s %9.1f ms   target <= 5000 ms  (%.2fx of budget)\n", "cold scan (scanner child)", cold_ms,
              cold_ms / 5000.0);
  std::printf("  %-34s %9.2f ms   target <=   50 ms  (%.2fx of budget)\n", "warm start (cache)", warm_ms, warm_ms / 50.0);
  std::printf("  %-34s %9.2f ms   target <=   50 ms  (%.2fx of budget)\n", "`hearth plugins` wall, cache warm",
              list_ms, list_ms / 50.0);
  std::printf("  %-34s %9.2f ms\n", "cold scan per library", cold_ms / count);
  std::printf("  %-34s %9.1f ms   (%zu LibTorch C++ plugins)\n", "cold scan of the built-in pack", builtin_ms,
              builtin_modules);
  return 0;
}
