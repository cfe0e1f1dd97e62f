#include "engine/sweeps/sweep_trials.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/core/splitmix.hpp"

namespace hearth {
namespace {

/// The values a grid takes for `p`: its list, or `count` evenly spaced points of its range.
std::vector<SweepValue> grid_values(const SweepParameter& p) {
  if (!p.is_range) return p.values;
  std::vector<SweepValue> out;
  for (int64_t i = 0; i < p.count; ++i) {
    const double t = p.count == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(p.count - 1);
    const double v = p.log ? std::exp(std::log(p.min) + t * (std::log(p.max) - std::log(p.min))) : p.min + t * (p.max - p.min);
    std::string text = sweep_number_text(v, p.integer);
    if (out.empty() || out.back().toml != text) out.push_back({text, p.origin});  // integer rounding can meet
  }
  return out;
}

SweepValue draw_value(const SweepParameter& p, SplitMix& rng) {
  const double u = rng.unit();
  if (!p.is_range) {
    const size_t n = p.values.size();
    return p.values[std::min(n - 1, static_cast<size_t>(u * static_cast<double>(n)))];
  }
  if (p.integer && !p.log) return {sweep_number_text(std::floor(p.min + u * (p.max - p.min + 1)), true), p.origin};
  const double v = p.log ? std::exp(std::log(p.min) + u * (std::log(p.max) - std::log(p.min))) : p.min + u * (p.max - p.min);
  return {sweep_number_text(std::min(v, p.max), p.integer), p.origin};
}

void add_point(const SweepSpec& spec, int64_t point, const std::vector<TrialValue>& values, std::vector<Trial>& out) {
  for (int64_t r = 0; r < spec.repeats; ++r) {
    Trial t;
    t.index = point * spec.repeats + r;
    t.point = point;
    t.repeat = r;
    if (spec.repeats > 1) t.seed = spec.job_seed + r;
    t.values = values;
    out.push_back(std::move(t));
  }
}

}  // namespace

std::string sweep_float_text(double value) {
  if (!std::isfinite(value)) return std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";
  char buf[40];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.1f", value);
    return buf;
  }
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string sweep_number_text(double value, bool integer) {
  char buf[40];
  if (integer) {
    std::snprintf(buf, sizeof buf, "%.0f", std::round(value));
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.6g", value);
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";  // "1" would be a TOML integer
  return s;
}

std::vector<std::string> Trial::sets() const {
  std::vector<std::string> out;
  for (const TrialValue& v : values) out.push_back(v.key + "=" + v.toml);
  if (seed) out.push_back("job.seed=" + std::to_string(*seed));
  return out;
}

std::vector<Trial> expand_sweep(const SweepSpec& spec) {
  std::vector<Trial> out;
  if (spec.method == SweepMethod::random) {
    for (int64_t point = 0; point < spec.trials; ++point) {
      // One stream per point, so that point k is the same whatever `trials` is.
      SplitMix rng(spec.seed * 0x100000001b3ULL + static_cast<uint64_t>(point));
      std::vector<TrialValue> values;
      for (const SweepParameter& p : spec.parameters) {
        SweepValue v = draw_value(p, rng);
        values.push_back({p.key, v.toml, v.origin});
      }
      add_point(spec, point, values, out);
    }
    return out;
  }
  std::vector<std::vector<SweepValue>> axes;
  for (const SweepParameter& p : spec.parameters) axes.push_back(grid_values(p));
  // An odometer over the axes, the last key turning fastest (as nested loops written in file order).
  std::vector<size_t> at(axes.size(), 0);
  for (int64_t point = 0;; ++point) {
    std::vector<TrialValue> values;
    for (size_t i = 0; i < axes.size(); ++i) values.push_back({spec.parameters[i].key, axes[i][at[i]].toml, axes[i][at[i]].origin});
    add_point(spec, point, values, out);
    size_t i = axes.size();
    while (i > 0 && ++at[i - 1] == axes[i - 1].size()) at[--i] = 0;
    if (i == 0) break;
  }
  return out;
}

}  // namespace hearth
