#include "engine/params/transform_steps.hpp"

#include <cmath>

namespace hearth {

using Step = TransformStep;

const std::vector<std::string>& transform_op_names() {
  static const std::vector<std::string> names = {"resize",      "center_crop",  "random_resized_crop", "horizontal_flip",
                                                 "random_crop", "color_jitter", "normalize"};
  return names;
}

std::vector<TransformStep> evaluation_steps(const std::vector<TransformStep>& train) {
  std::vector<TransformStep> out;
  for (const TransformStep& s : train) {
    if (!s.random()) {
      out.push_back(s);
    } else if (s.op == Step::Op::random_resized_crop) {
      Step resize = s, crop = s;
      resize.op = Step::Op::resize;
      resize.size = static_cast<int64_t>(std::floor(static_cast<double>(s.size) / 0.875));
      crop.op = Step::Op::center_crop;
      out.push_back(resize);
      out.push_back(crop);
    } else if (s.op == Step::Op::random_crop && s.size > 0) {
      Step crop = s;
      crop.op = Step::Op::center_crop;
      out.push_back(crop);
    }
  }
  return out;
}

}  // namespace hearth
