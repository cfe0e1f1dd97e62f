#include "engine/training/interrupt.hpp"

namespace hearth {

std::atomic<bool>& interrupt_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

}  // namespace hearth
