// SplitMix64 (Steele, Lea and Flood 2014): the seed mixer and small generator behind Hearth's own
// random draws (shuffles, augmentations, sweep points). Its output is fixed by the algorithm, not
// by a standard library, so a seed draws the same numbers on every machine and compiler.
#pragma once

#include <cstdint>

namespace hearth {

/// The SplitMix64 output for state `x`: a well-mixed 64-bit value of a counter or a key.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// A uniform double in [0, 1) from a generator's 64 random bits (their top 53).
inline double unit_interval(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

/// A SplitMix64 stream: next() returns splitmix64 of successive states.
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t out = splitmix64(state_);
    state_ += 0x9E3779B97F4A7C15ULL;
    return out;
  }
  /// Uniform in [0, 1).
  double unit() { return unit_interval(next()); }

 private:
  uint64_t state_;
};

}  // namespace hearth
