// What the ranks of a program's group agree on at an epoch's end. Each rank scored its own
// arrays (hearth_embed_eval_step), so the valid.* values must be pooled before rank 0 writes them
// and before early stopping and the schedulers judge them, or the ranks would decide apart.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/distributed/rank_group.hpp"
#include "engine/jobs/epoch_tally.hpp"

namespace hearth::embed {

/// The valid.* values over every rank's eval steps: each loss over the samples of all of them
/// (exact); each metric the mean of the ranks' values weighted by their samples (exact for the
/// metrics that are means over samples, such as accuracy, mse and mae; a metric plugin keeps its
/// state to itself, so ranks cannot pool it). Empty when no rank scored a sample. Every rank calls
/// it, in step.
std::map<std::string, double> valid_row_over(RankGroup& group, const EpochTally& tally, const std::vector<LossSlot>& losses,
                                             const std::vector<MetricSlot>& metrics);

/// Rank 0's `value` on every rank (none travels as NaN).
std::optional<double> rank0_value(RankGroup& group, std::optional<double> value);

}  // namespace hearth::embed
