#include "hosts/jobs/commands/eval_command.hpp"

#include <cstdio>
#include <iostream>

#include "hosts/jobs/trained_run.hpp"
#include "engine/jobs/session.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/utc_timestamp.hpp"

namespace hearth::jobs {

int execute(const EvalRequest& request) {
  const SplitName split = parse_split(request.split, "--split");
  TrainedRun trained(request.base, request.run, checkpoint_name(request.checkpoint));
  RunFolder& run = trained.run();
  Session& session = trained.session();
  const CheckpointState& state = trained.state();
  const size_t samples = session.split(split).size();
  std::map<std::string, double> values = session.evaluate(split);
  nlohmann::json out = {{"checkpoint", request.checkpoint}, {"epoch", state.epoch}, {"split", request.split},
                        {"samples", samples}, {"evaluated", utc_timestamp()}};
  std::cout << run.path().string() << "  checkpoint " << request.checkpoint << " (epoch " << state.epoch << "), "
            << request.split << " split, " << samples << " samples\n";
  for (const auto& [k, v] : values) {
    out["values"][k] = v;
    std::printf("  %-24s %.6g\n", k.c_str(), v);
  }
  write_file_atomically(run.path() / ("eval-" + request.split + "-" + request.checkpoint + ".json"), out.dump(2) + "\n");
  return 0;
}

}  // namespace hearth::jobs
