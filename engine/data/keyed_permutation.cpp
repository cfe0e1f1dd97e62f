#include "engine/data/keyed_permutation.hpp"

#include "engine/core/splitmix.hpp"

namespace hearth {

KeyedPermutation::KeyedPermutation(int64_t n, uint64_t key) : n_(n), key_(splitmix64(key)) {
  int bits = 2;
  while (bits < 62 && (int64_t{1} << bits) < n) ++bits;
  half_bits_ = (bits + 1) / 2;
  mask_ = (uint64_t{1} << half_bits_) - 1;
}

uint64_t KeyedPermutation::apply(uint64_t x) const {
  uint64_t left = x >> half_bits_, right = x & mask_;
  for (uint64_t round = 0; round < 4; ++round) {
    const uint64_t f = splitmix64(key_ ^ (round << 56) ^ right) & mask_;
    const uint64_t next = left ^ f;
    left = right;
    right = next;
  }
  return (left << half_bits_) | right;
}

int64_t KeyedPermutation::operator()(int64_t position) const {
  // A bijection of [0, 4^half) followed until it lands in [0, n): at most a few steps on
  // average, since n is over a quarter of the domain.
  uint64_t x = static_cast<uint64_t>(position);
  do x = apply(x);
  while (x >= static_cast<uint64_t>(n_));
  return static_cast<int64_t>(x);
}

}  // namespace hearth
