#include "requests/request_command.hpp"

#include <dlfcn.h>

#include <cstdlib>

#include "commands/commands.hpp"
#include "engine/core/error.hpp"

namespace hearth::cli {
namespace {

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) out += (i ? " " : "") + std::string(argv[i]);
  return out;
}

}  // namespace

const char* const kSetHelp = "Override a value: section.key=value (repeatable)";
const char* const kRunsDirHelp = "Folder of the runs (default: [job] runs, next to the job)";

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

void add_device_option(CLI::App& app, std::string& device) {
  app.add_option("--device", device, "auto, cpu, cuda or cuda:N instead of the job's [job] device");
}

std::string absolute_or_empty(const std::string& path) { return path.empty() ? path : fs::absolute(path).string(); }

void setup_job_commands(CLI::App& app, int argc, char** argv, int& exit_code) {
  const RequestContext c{app, command_line(argc, argv), exit_code, argv};
  setup_run_request(c);
  setup_check_request(c);
  setup_analyze_request(c);
  setup_render_request(c);
  setup_graph_request(c);
  setup_dataset_request(c);
  setup_shard_request(c);
  setup_resume_request(c);
  setup_eval_request(c);
  setup_infer_request(c);
  setup_sample_request(c);
  setup_export_request(c);
  setup_sweep_request(c);
}

}  // namespace hearth::cli
