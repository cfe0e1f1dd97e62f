#include "hosts/jobs/sweep_validation.hpp"

#include <set>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/jobs/job_overrides.hpp"

namespace hearth::jobs {
namespace {

constexpr size_t kErrorsShown = 20;

/// Collects what is wrong with the trials, at most kErrorsShown of it.
class TrialErrors {
 public:
  void add(const std::string& e) {
    if (errors_.size() < kErrorsShown) errors_.push_back(e);
    ++count_;
  }
  void finish(const SweepSpec& spec) const {
    if (count_ == 0) return;
    std::string all = printable(spec.file.string()) + ": the sweep makes jobs that are not valid; nothing was run:";
    for (const std::string& e : errors_) all += "\n" + e;
    if (count_ > errors_.size()) all += "\n... and " + std::to_string(count_ - errors_.size()) + " more";
    throw UsageError(all);
  }

 private:
  std::vector<std::string> errors_;
  size_t count_ = 0;
};

std::string values_text(const Trial& t) {
  std::string out;
  for (const TrialValue& v : t.values) out += (out.empty() ? "" : ", ") + v.key + " = " + v.toml;
  if (t.seed) out += ", seed " + std::to_string(*t.seed);
  return printable(out);
}

}  // namespace

std::vector<std::string> validate_trials(const SweepSpec& spec, const std::vector<Trial>& trials, const OpenedJob& opened) {
  TrialErrors errors;
  std::set<std::pair<std::string, std::string>> tried, bad;
  for (const Trial& t : trials)
    for (const TrialValue& v : t.values) {
      if (!tried.insert({v.key, v.toml}).second) continue;
      try {
        load_job_with(spec.job, {{v.key + "=" + v.toml, v.origin}}, *opened.registry);
      } catch (const UsageError& e) {
        errors.add(e.what());
        bad.insert({v.key, v.toml});
      }
    }
  std::vector<std::string> resolved(trials.size());
  for (const Trial& t : trials) {
    bool known_bad = false;
    std::vector<JobOverride> overrides;
    for (const TrialValue& v : t.values) {
      known_bad |= bad.count({v.key, v.toml}) > 0;
      overrides.push_back({v.key + "=" + v.toml, v.origin + " (trial " + std::to_string(t.index) + ")"});
    }
    if (known_bad) continue;
    if (t.seed) overrides.push_back({"job.seed=" + std::to_string(*t.seed), printable(spec.file.string()) + ": repeats (trial " + std::to_string(t.index) + ")"});
    try {
      resolved[static_cast<size_t>(t.index)] = load_job_with(spec.job, overrides, *opened.registry).resolved_toml();
    } catch (const UsageError& e) {
      errors.add("trial " + std::to_string(t.index) + " (" + values_text(t) + "):\n" + e.what());
    }
  }
  errors.finish(spec);
  return resolved;
}

}  // namespace hearth::jobs
