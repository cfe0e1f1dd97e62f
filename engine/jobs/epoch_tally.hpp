// What one pass over a split adds up to: the sample-weighted mean of each loss, then each
// metric's own result. Training and evaluation both report through it, so their rows agree.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/jobs/job_modules.hpp"

namespace hearth {

class EpochTally {
 public:
  explicit EpochTally(size_t losses) : sums_(losses, 0.0) {}

  /// One batch of `samples` samples; `total` is its summed loss, already read to the host. Each
  /// loss is read (a device sync) only when there are several, as only then it has a column.
  void add(const BatchLoss& loss, double total, int64_t samples);

  /// "<split>.loss", "<split>.<loss>" when there are several losses, then "<split>.<metric>" for
  /// every metric. Means of no samples are NaN.
  std::map<std::string, double> row(const std::string& split, const std::vector<LossSlot>& losses,
                                    const std::vector<MetricSlot>& metrics) const;

  int64_t samples() const { return samples_; }

  /// The sums behind row(): each loss's, the total's, then the samples. The element-wise sum of
  /// several tallies' sums is the tally of all their samples (ranks that scored their own batches).
  std::vector<double> sums() const;
  /// Takes `sums`, laid out as sums() gives them.
  void set_sums(const std::vector<double>& sums);

 private:
  std::vector<double> sums_;
  double total_ = 0;
  int64_t samples_ = 0;
};

}  // namespace hearth
