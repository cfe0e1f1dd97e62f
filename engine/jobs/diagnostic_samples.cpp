#include "engine/jobs/diagnostic_samples.hpp"

#include <algorithm>
#include <set>

#include "engine/core/splitmix.hpp"
#include "engine/data/batch_loader.hpp"
#include "engine/params/transform_steps.hpp"

namespace hearth {

std::vector<int64_t> chosen_positions(int64_t size, int64_t count, uint64_t seed, const std::string& name) {
  count = std::min(count, size);
  uint64_t key = seed;
  for (unsigned char c : name) key = splitmix64(key ^ c);  // each diagnostic its own samples
  SplitMix random(key);
  std::set<int64_t> chosen;
  for (int64_t j = size - count; j < size; ++j) {
    const auto t = static_cast<int64_t>(random.next() % static_cast<uint64_t>(j + 1));
    chosen.insert(chosen.count(t) ? j : t);
  }
  return {chosen.begin(), chosen.end()};
}

DiagnosticSamples diagnostic_samples(Session& session, const DiagnosticOptions& options) {
  const IndexSet& split = session.split(options.split);
  std::vector<int64_t> ids;
  for (int64_t k : chosen_positions(split.size(), options.samples, session.options().general.seed, options.name))
    ids.push_back(split[k]);
  const int64_t count = static_cast<int64_t>(ids.size());
  BatchLoader loader(session.data(), session.plan().source(options.split), IndexSet(std::move(ids)), count,
                     /*shuffle=*/false, session.options().general.seed, /*workers=*/0);
  const DataOptions& d = session.options().data;
  if (!d.transforms.empty()) loader.transform_with(evaluation_steps(d.transforms), session.options().general.seed);
  loader.start_epoch(0);
  std::optional<Batch> batch = loader.next();
  DiagnosticSamples out;
  if (batch) out.tensors = batch->columns;
  out.names = session.data().tensor_names();
  out.roles = session.data().tensor_roles();
  out.classes = session.data().class_names();
  return out;
}

}  // namespace hearth
