// The samples of one split as positions into the dataset: either every sample [0, n), held as
// its size alone, or an explicit list (a seeded valid_fraction picks samples here and there). A
// split of a billion token windows then costs nothing per sample.
#pragma once

#include <cstdint>
#include <vector>

namespace hearth {

class IndexSet {
 public:
  IndexSet() = default;
  /// The samples listed, in that order.
  IndexSet(std::vector<int64_t> ids);  // NOLINT: a list is an index set
  /// Samples 0, 1, ..., n - 1.
  static IndexSet range(int64_t n);

  int64_t size() const { return listed_ ? static_cast<int64_t>(ids_.size()) : size_; }
  bool empty() const { return size() == 0; }
  /// The k-th sample (0 <= k < size()).
  int64_t operator[](int64_t k) const { return listed_ ? ids_[static_cast<size_t>(k)] : k; }
  int64_t front() const { return (*this)[0]; }
  /// The first `n` samples.
  IndexSet prefix(int64_t n) const;
  /// Every sample as a list (for small splits: tests, pictures).
  std::vector<int64_t> to_vector() const;

 private:
  bool listed_ = false;
  int64_t size_ = 0;
  std::vector<int64_t> ids_;
};

}  // namespace hearth
