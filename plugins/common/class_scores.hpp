// Class scores against class targets, in every layout the built-in losses and metrics take:
//   [N, C] scores with [N] (or [N, 1]) targets: one sample per row;
//   [B, T, C] (any leading dimensions, classes last, as sequence models give) with [B, T] targets;
//   [N, C, d1, ...] (classes second, as segmentation models give) with [N, d1, ...] targets.
// Each becomes [M, C] scores and [M] targets, every position one prediction. When a target shape
// fits both of the last two (T == C), classes last is taken.
#pragma once

#include <torch/torch.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "shape_text.hpp"

namespace hearth_builtin {

/// Scores [M, C] and int64 targets [M].
struct ClassScores {
  torch::Tensor scores, targets;
};

/// `out` and `target` flattened to one prediction per row; `who` names the module in errors.
inline ClassScores flatten_class_scores(const torch::Tensor& out, const torch::Tensor& target, const std::string& who) {
  if (out.dim() < 2) throw std::invalid_argument(who + " expects class scores [N, classes], got " + shape_text(out.sizes()));
  const torch::Tensor t = target.to(out.device());
  if (out.dim() == 2) {
    const torch::Tensor flat = t.dim() > 1 ? t.reshape({-1}) : t;
    if (flat.size(0) != out.size(0))
      throw std::invalid_argument(who + ": " + std::to_string(out.size(0)) + " outputs for " + std::to_string(flat.size(0)) + " targets");
    return {out, flat.to(torch::kInt64)};
  }
  const int64_t classes_last = out.size(-1);
  if (t.sizes() == out.sizes().slice(0, static_cast<size_t>(out.dim() - 1)))
    return {out.reshape({-1, classes_last}), t.reshape({-1}).to(torch::kInt64)};
  std::vector<int64_t> without_classes = out.sizes().vec();
  without_classes.erase(without_classes.begin() + 1);
  if (t.sizes() == at::IntArrayRef(without_classes))
    return {out.movedim(1, -1).reshape({-1, out.size(1)}), t.reshape({-1}).to(torch::kInt64)};
  throw std::invalid_argument(who + ": outputs " + shape_text(out.sizes()) + " are class scores per position, which need targets " +
                              shape_text(out.sizes().slice(0, static_cast<size_t>(out.dim() - 1))) +
                              " (classes last) or " + shape_text(without_classes) + " (classes second); got targets " +
                              shape_text(t.sizes()));
}

/// The rows whose target is not `ignore_index`.
inline ClassScores without_ignored(const ClassScores& s, int64_t ignore_index) {
  const torch::Tensor keep = s.targets.ne(ignore_index);
  if (keep.all().item<bool>()) return s;
  return {s.scores.index({keep}), s.targets.index({keep})};
}

}  // namespace hearth_builtin
