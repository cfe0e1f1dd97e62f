#include "engine/sweeps/trial_choice.hpp"

#include <cstdlib>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth {
namespace {

bool whole_number(const std::string& s, int64_t& out) {
  if (s.empty() || s.size() > 12 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoll(s);
  return true;
}

}  // namespace

TrialChoice choose_trial(const std::string& text) {
  TrialChoice c;
  if (text != "auto") {
    if (!whole_number(text, c.trial))
      throw UsageError("--trial '" + printable(text) + "' must be a trial number (0, 1, ...) or auto");
    c.source = "--trial";
    return c;
  }
  struct Source {
    const char* variable;
    int64_t first;  ///< the number the scheduler gives the first task
  };
  for (const Source& s : {Source{"SLURM_ARRAY_TASK_ID", 0}, Source{"JOB_COMPLETION_INDEX", 0}, Source{"PARALLEL_SEQ", 1}}) {
    const char* value = std::getenv(s.variable);
    if (value == nullptr || *value == '\0') continue;
    int64_t n = 0;
    if (!whole_number(value, n) || n < s.first)
      throw UsageError(std::string("--trial auto: ") + s.variable + "='" + printable(value) + "' is not a task number from " +
                       std::to_string(s.first));
    c.trial = n - s.first;
    c.source = s.variable;
    return c;
  }
  throw UsageError("--trial auto: none of SLURM_ARRAY_TASK_ID (Slurm arrays), JOB_COMPLETION_INDEX (Kubernetes indexed "
                   "Jobs) or PARALLEL_SEQ (GNU parallel) is set; give the trial's number with --trial N");
}

}  // namespace hearth
