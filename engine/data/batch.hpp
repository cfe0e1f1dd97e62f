// One batch as the training step receives it.
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>
#include <vector>

namespace hearth {

struct Batch {
  std::vector<at::Tensor> inputs;   ///< tensors with the input role, in sample order (on the loader's device)
  std::vector<at::Tensor> targets;  ///< tensors with the target role (on the loader's device)
  std::vector<at::Tensor> columns;  ///< every tensor, in the dataset's order (analyzers, renders), on the CPU
  int64_t size = 0;
};

}  // namespace hearth
