#include "engine/jobs/epoch_tally.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hearth {

void EpochTally::add(const BatchLoss& loss, double total, int64_t samples) {
  const double n = static_cast<double>(samples);
  if (sums_.size() > 1)
    for (size_t i = 0; i < sums_.size(); ++i) sums_[i] += loss.part(i) * n;
  total_ += total * n;
  samples_ += samples;
}

std::map<std::string, double> EpochTally::row(const std::string& split, const std::vector<LossSlot>& losses,
                                              const std::vector<MetricSlot>& metrics) const {
  std::map<std::string, double> out;
  const double n = static_cast<double>(std::max<int64_t>(samples_, 1));
  out[split + ".loss"] = samples_ ? total_ / n : NAN;
  if (losses.size() > 1)
    for (size_t i = 0; i < losses.size(); ++i) out[split + "." + losses[i].options.name] = samples_ ? sums_[i] / n : NAN;
  for (const MetricSlot& m : metrics) out[split + "." + m.options.name] = m->compute();
  return out;
}

std::vector<double> EpochTally::sums() const {
  std::vector<double> out = sums_;
  out.push_back(total_);
  out.push_back(static_cast<double>(samples_));
  return out;
}

void EpochTally::set_sums(const std::vector<double>& sums) {
  if (sums.size() != sums_.size() + 2) throw std::logic_error("EpochTally::set_sums: a tally of another job's losses");
  std::copy(sums.begin(), sums.end() - 2, sums_.begin());
  total_ = sums[sums.size() - 2];
  samples_ = static_cast<int64_t>(sums.back());
}

}  // namespace hearth
