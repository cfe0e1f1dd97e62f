#include "hosts/jobs/commands/sample_command.hpp"

#include <cstdio>
#include <iostream>

#include "engine/core/error.hpp"
#include "engine/jobs/model_graph.hpp"
#include "engine/jobs/session.hpp"
#include "engine/jobs/text_sampler.hpp"
#include "engine/jobs/token_text.hpp"
#include "hosts/jobs/trained_run.hpp"

namespace hearth::jobs {
namespace {

/// The run's vocabulary: what it recorded, else (a run made before Hearth kept it) the dataset's.
std::vector<std::string> vocabulary_of(TrainedRun& trained) {
  std::vector<std::string> names = trained.run().record().classes;
  if (names.empty()) names = trained.session().data().class_names();
  if (names.empty())
    throw UsageError("run " + trained.run().path().string() +
                     " has no vocabulary: its dataset names no tokens. `hearth sample` decodes through the vocabulary of a "
                     "text dataset (plugin = \"text\")");
  return names;
}

/// The length of the windows the model was trained on: the longest context to give it (0: the
/// first input is not a sequence of tokens, so no limit is known).
int64_t context_of(Session& session) {
  const std::vector<at::Tensor> inputs = example_inputs(session.data(), 1);  // [1, T] for token windows
  return !inputs.empty() && inputs[0].dim() == 2 ? inputs[0].size(1) : 0;
}

}  // namespace

int execute(const SampleRequest& request) {
  TrainedRun trained(request.base, request.run, checkpoint_name(request.checkpoint));
  Session& session = trained.session();
  const TokenText text(vocabulary_of(trained));
  SamplingOptions opts;
  opts.tokens = request.tokens;
  opts.temperature = request.temperature;
  opts.top_k = request.top_k;
  opts.seed = request.seed;
  opts.use_cache = !request.no_cache;
  opts.context = context_of(session);
  const std::string prompt = request.prompt.empty() ? "\n" : request.prompt;
  std::vector<int64_t> ids = text.encode(prompt);
  std::cout << prompt << std::flush;
  auto forward = [&](const std::vector<at::Tensor>& in) { return session.predict(in); };
  SamplingReport report = sample_tokens(forward, ids, static_cast<int64_t>(text.size()), opts, [&](int64_t id) {
    std::cout << text.decode(id) << std::flush;
  });
  std::cout << std::endl;  // the text ends before the report on stderr begins
  std::fprintf(stderr, "sampled %lld tokens from %s (epoch %lld) in %.2f s: %.0f tokens/s, %s\n",
               static_cast<long long>(request.tokens), request.checkpoint.c_str(), static_cast<long long>(trained.state().epoch),
               report.seconds, report.seconds > 0 ? static_cast<double>(request.tokens) / report.seconds : 0.0,
               report.cached ? "key-value cache" : "whole context each token");
  return 0;
}

}  // namespace hearth::jobs
