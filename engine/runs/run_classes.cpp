#include "engine/runs/run_classes.hpp"

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth {

void check_run_classes(const RunFolder& run, const std::vector<std::string>& now, const std::string& dataset) {
  const std::vector<std::string>& kept = run.record().classes;
  if (kept.empty()) return;
  // run.json holds each name as json_text wrote it: compare in that form.
  std::string why;
  if (now.size() != kept.size()) why = std::to_string(now.size()) + " classes where the run was trained on " + std::to_string(kept.size());
  for (size_t i = 0; why.empty() && i < now.size(); ++i)
    if (json_text(now[i]) != kept[i])
      why = "class " + std::to_string(i) + " is \"" + printable(now[i]) + "\" where the run's was \"" + printable(kept[i]) + "\"";
  if (why.empty()) return;
  throw UsageError(dataset + " now names other classes than run " + printable(run.path().string()) + " was trained on: " + why +
                   " (for a text dataset: the train text changed, so its vocabulary did); restore the data the run was "
                   "trained on, or start a new run");
}

}  // namespace hearth
