#include "hosts/jobs/commands/infer_command.hpp"

#include <ATen/ATen.h>

#include <iostream>
#include <sstream>

#include "hosts/jobs/trained_run.hpp"
#include "engine/core/error.hpp"
#include "engine/jobs/session.hpp"
#include "engine/jobs/tensor_files.hpp"

namespace hearth::jobs {
namespace {

using Outputs = std::vector<std::vector<at::Tensor>>;  // per batch, per model output

/// The model's outputs on every row of a tensor file, a batch at a time.
Outputs infer_file(Session& session, const fs::path& input) {
  Outputs outputs;
  at::Tensor all = read_tensor_file(input);
  const int64_t batch = session.options().data.batch_size;
  for (int64_t i = 0; i < all.size(0); i += batch)
    outputs.push_back(session.predict({all.slice(0, i, std::min(all.size(0), i + batch))}));
  return outputs;
}

/// The model's outputs on a split of the job's dataset, in the split's order.
Outputs infer_split(Session& session, SplitName split) {
  Outputs outputs;
  session.split(split, "; give --input FILE");
  BatchLoader& loader = session.loader(split);
  loader.start_epoch(0);
  while (auto b = loader.next()) outputs.push_back(session.predict(b->inputs));
  return outputs;
}

}  // namespace

int execute(const InferRequest& request) {
  const SplitName split = parse_split(request.split, "--split");
  TrainedRun trained(request.base, request.run, checkpoint_name(request.checkpoint));
  RunFolder& run = trained.run();
  Session& session = trained.session();
  const CheckpointState& state = trained.state();
  Outputs outputs = !request.input.empty() ? infer_file(session, request.input) : infer_split(session, split);
  std::string source = !request.input.empty() ? request.input : "the " + request.split + " split of the run's dataset";
  if (outputs.empty()) throw UsageError("no inputs to run the model on");
  fs::path out = !request.out.empty() ? fs::path(request.out) : run.path() / ("infer-" + request.checkpoint + ".csv");
  for (size_t k = 0; k < outputs[0].size(); ++k) {
    std::vector<at::Tensor> parts;
    for (const auto& batch : outputs) parts.push_back(batch.at(k));
    at::Tensor joined = at::cat(parts, 0);
    fs::path file = out;
    if (k > 0) file.replace_filename(out.stem().string() + "_" + std::to_string(k) + out.extension().string());
    write_tensor_file(file, joined);
    std::cout << "wrote outputs" << (outputs[0].size() > 1 ? " " + std::to_string(k) : "") << " " << joined.sizes()
              << " of " << request.checkpoint << " (epoch " << state.epoch << ") on " << source << " to "
              << file.string() << "\n";
  }
  return 0;
}

}  // namespace hearth::jobs
