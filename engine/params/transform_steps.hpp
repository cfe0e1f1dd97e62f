// The job's [[transforms]]: an ordered list of image transforms with torchvision's names and
// parameter meanings, resolved once from the job into typed steps. Torch-free, so that job
// options can hold it; engine/data/image_transforms.hpp applies them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hearth {

/// One step of [[transforms]]. Only the fields of its `op` are used.
struct TransformStep {
  enum class Op { resize, center_crop, random_resized_crop, horizontal_flip, random_crop, color_jitter, normalize };
  enum class Padding { constant, edge, reflect };
  Op op = Op::resize;
  std::string tensor;                ///< the input tensor it applies to; "": every image input
  // The defaults of the fields an op reads are declared once, with its keys (host_keys.cpp).
  int64_t size{};                    ///< resize: the shorter side; crops: the square's side
  double scale_min{}, scale_max{};   ///< random_resized_crop: share of the area
  double ratio_min{}, ratio_max{};   ///< random_resized_crop: aspect ratio
  double p{};                        ///< horizontal_flip: probability
  int64_t padding{};                 ///< random_crop: pixels added on every side first
  Padding padding_mode = Padding::constant;
  double brightness{}, contrast{}, saturation{};  ///< color_jitter: factors in [1 - x, 1 + x]
  std::vector<double> mean, std;     ///< normalize, per channel
  /// Whether the step draws random numbers (and so is left out, or made deterministic, for valid
  /// and test).
  bool random() const {
    return op == Op::random_resized_crop || op == Op::horizontal_flip || op == Op::random_crop || op == Op::color_jitter;
  }
};

/// The names users write in `op`, in Op's order.
const std::vector<std::string>& transform_op_names();

/// The steps valid and test see: resize, center_crop and normalize as they are; a
/// random_resized_crop of size S becomes resize to S / 0.875 and a center crop of S (the
/// evaluation convention of ImageNet training scripts: 256 then 224); a random_crop of size S a
/// center crop of S (nothing when S is 0); flips and colour jitter nothing.
std::vector<TransformStep> evaluation_steps(const std::vector<TransformStep>& train);

}  // namespace hearth
