#include "engine/jobs/diagnostic_taps.hpp"

#include <algorithm>
#include <memory>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/jobs/job_modules.hpp"
#include "engine/params/suggest.hpp"

namespace hearth {

void check_diagnostic_taps(const Job& job, ModelModule& model, const std::vector<DiagnosticModule*>& diagnostics) {
  std::vector<std::string> known;
  for (const auto& [name, what] : model.taps()) known.push_back(name);
  for (size_t i = 0; i < diagnostics.size(); ++i)
    for (const std::string& tap : diagnostics[i]->taps()) {
      if (std::find(known.begin(), known.end(), tap) != known.end()) continue;
      std::string all;
      for (const std::string& k : known) all += (all.empty() ? "" : ", ") + k;
      throw UsageError(job.file.string() + ": [" + job.diagnostics[i].table + "] " + job.diagnostics[i].entry->info.name +
                       " reads tap point '" + printable(tap) + "', which model '" + job.model.entry->info.name +
                       "' does not have; " + (all.empty() ? "it has none" : "its tap points: " + all) +
                       did_you_mean(tap, known));
    }
}

std::string check_job_taps(const Job& job) {
  std::vector<std::unique_ptr<DiagnosticModule>> made;
  std::vector<DiagnosticModule*> diagnostics;
  bool reads_taps = false;
  for (const ModuleSpec& d : job.diagnostics) {
    made.push_back(std::make_unique<DiagnosticModule>(module_ref(d), d.params));
    diagnostics.push_back(made.back().get());
    reads_taps = reads_taps || !made.back()->taps().empty();
  }
  if (!reads_taps) return "";
  if (!job.model.from_analyzer.empty())
    return "the diagnostics' tap points are checked when training starts (the model takes values from analyzers)";
  ModelModule model(module_ref(job.model), job.model.params);
  check_diagnostic_taps(job, model, diagnostics);
  return "";
}

}  // namespace hearth
