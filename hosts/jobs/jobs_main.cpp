// libhearth_jobs.so: the commands that need LibTorch in-process. `hearth` itself stays torch-free
// and opens this library only for them (see docs/architecture.md). The boundary is one C
// function taking a JSON request, so no C++ type crosses it; each command's request struct is
// defined once, in its header under commands/, for both sides.
#include <malloc.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

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
#include "hosts/jobs/commands/sample_command.hpp"
#include "hosts/jobs/commands/shard_command.hpp"
#include "hosts/jobs/commands/sweep_command.hpp"
#include "engine/core/error.hpp"

namespace hearth::jobs {
namespace {

using Command = int (*)(const nlohmann::json&);

template <typename Request>
int dispatch(const nlohmann::json& request) {
  return execute(request.get<Request>());
}

template <typename Request>
std::pair<const std::string, Command> entry() {
  return {Request::kName, &dispatch<Request>};
}

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> table = {
      entry<RunRequest>(),    entry<CheckRequest>(), entry<AnalyzeRequest>(), entry<ResumeRequest>(),
      entry<EvalRequest>(),   entry<InferRequest>(), entry<RenderRequest>(),  entry<GraphRequest>(), entry<DatasetRequest>(),
      entry<ExportRequest>(), entry<SweepRequest>(), entry<ShardRequest>(), entry<SampleRequest>()};
  return table;
}

int run_command(const char* request_json) {
  nlohmann::json request;
  try {
    request = nlohmann::json::parse(request_json);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("libhearth_jobs.so got a request that is not JSON (") + e.what() + "); reinstall Hearth");
  }
  std::string command = request.value("base", nlohmann::json::object()).value("command", "");
  auto it = commands().find(command);
  if (it == commands().end()) {
    std::string known;
    for (const auto& [name, _] : commands()) known += (known.empty() ? "" : ", ") + name;
    throw UsageError("libhearth_jobs.so has no command '" + command + "' (it runs " + known +
                     "); `hearth` and libhearth_jobs.so come from different installs: reinstall Hearth");
  }
  return it->second(request);
}

/// glibc serves blocks above its mmap threshold (128 KB until a large block is freed, when it
/// rises by itself) with fresh mmaps, returned on free: a training step's activations of a few MB
/// then cost page faults on every step. Whether the threshold had risen depended on what a process
/// happened to free while loading (a rank that mapped a shared dataset freed nothing: 5x the page
/// faults of its peer and 30% of the epoch waiting on all-reduces instead of 20%; docs/benchmarks.md).
/// Fixed at glibc's largest, so that steps reuse memory alike in every process.
void keep_step_memory() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

}  // namespace
}  // namespace hearth::jobs

extern "C" __attribute__((visibility("default"))) int hearth_jobs_main(const char* request_json) {
  try {
    hearth::jobs::keep_step_memory();
    return hearth::jobs::run_command(request_json);
  } catch (const hearth::UsageError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  } catch (...) {
    std::cerr << "error: unknown failure\n";
    return 1;
  }
}
