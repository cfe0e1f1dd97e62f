// A sweep's trials: every point of a grid, or `trials` points drawn at random (seeded), each run
// `repeats` times with its own seed. A trial is the job with a few keys set, as `--set` sets them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/sweeps/sweep_spec.hpp"

namespace hearth {

/// One swept key's value in a trial.
struct TrialValue {
  std::string key;     ///< "optimizer.lr"
  std::string toml;    ///< "0.01"
  std::string origin;  ///< where the sweep file gave it ("sweep.toml:12:20")
};

struct Trial {
  int64_t index = 0;   ///< 0, 1, ...: point * repeats + repeat
  int64_t point = 0;   ///< which combination of values; the repeats of a point share it
  int64_t repeat = 0;  ///< 0 .. repeats-1
  std::optional<int64_t> seed;  ///< [job] seed of this trial, when the sweep repeats its points
  std::vector<TrialValue> values;

  /// The trial as `hearth run --set` arguments: "optimizer.lr=0.01", ..., "job.seed=3".
  std::vector<std::string> sets() const;
};

/// Every trial of `spec`, in order. The same spec gives the same trials on every machine.
std::vector<Trial> expand_sweep(const SweepSpec& spec);

/// A float as the shortest TOML text that reads back as the same number: "0.1", "100.0", "1e-07".
std::string sweep_float_text(double value);

/// A drawn or spaced number as TOML text: "0.000316228", "12", never "1" for a float.
std::string sweep_number_text(double value, bool integer);

}  // namespace hearth
