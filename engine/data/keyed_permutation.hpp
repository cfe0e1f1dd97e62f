// A seeded shuffle of [0, n) that needs no memory per element: a keyed bijection (a four-round
// Feistel network over the smallest even power of two that holds n, walking the cycle back into
// [0, n)), evaluated position by position. For splits too large to shuffle as a list.
#pragma once

#include <cstdint>

namespace hearth {

class KeyedPermutation {
 public:
  KeyedPermutation(int64_t n, uint64_t key);
  /// The element at position `position` (0 <= position < n); every element exactly once.
  int64_t operator()(int64_t position) const;

 private:
  uint64_t apply(uint64_t x) const;
  int64_t n_;
  uint64_t key_;
  int half_bits_;
  uint64_t mask_;
};

}  // namespace hearth
