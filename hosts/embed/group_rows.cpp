#include "hosts/embed/group_rows.hpp"

#include <ATen/ATen.h>

#include <cmath>

namespace hearth::embed {
namespace {

/// `values` summed over the group, element by element.
std::vector<double> summed(RankGroup& group, const std::vector<double>& values) {
  at::Tensor t = at::tensor(values, at::kDouble);
  group.sum(t);
  return {t.data_ptr<double>(), t.data_ptr<double>() + t.numel()};
}

}  // namespace

std::map<std::string, double> valid_row_over(RankGroup& group, const EpochTally& tally, const std::vector<LossSlot>& losses,
                                             const std::vector<MetricSlot>& metrics) {
  // One all-reduce: the tally's sums, then (value x samples, samples) of each metric this rank
  // could score. A rank without samples adds nothing, and asks no metric for a value of nothing.
  const std::vector<double> own = tally.sums();
  std::vector<double> values = own;
  const double n = static_cast<double>(tally.samples());
  for (const MetricSlot& m : metrics) {
    const double v = tally.samples() > 0 ? m->compute() : NAN;
    values.push_back(std::isfinite(v) ? v * n : 0.0);
    values.push_back(std::isfinite(v) ? n : 0.0);
  }
  const std::vector<double> all = summed(group, values);
  EpochTally pooled(losses.size());
  pooled.set_sums(std::vector<double>(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(own.size())));
  if (pooled.samples() == 0) return {};
  std::map<std::string, double> row = pooled.row("valid", losses, {});
  for (size_t i = 0; i < metrics.size(); ++i) {
    const double weighted = all[own.size() + 2 * i], weight = all[own.size() + 2 * i + 1];
    row["valid." + metrics[i].options.name] = weight > 0 ? weighted / weight : NAN;
  }
  return row;
}

std::optional<double> rank0_value(RankGroup& group, std::optional<double> value) {
  std::vector<at::Tensor> one{at::full({1}, value ? *value : NAN, at::kDouble)};
  group.broadcast(one, 0);
  const double v = one[0].item<double>();
  if (std::isnan(v)) return std::nullopt;
  return v;
}

}  // namespace hearth::embed
