#include "engine/data/index_set.hpp"

#include <algorithm>
#include <numeric>

namespace hearth {

IndexSet::IndexSet(std::vector<int64_t> ids) : listed_(true), ids_(std::move(ids)) {}

IndexSet IndexSet::range(int64_t n) {
  IndexSet s;
  s.size_ = std::max<int64_t>(0, n);
  return s;
}

IndexSet IndexSet::prefix(int64_t n) const {
  if (!listed_) return range(std::min(n, size_));
  return IndexSet(std::vector<int64_t>(ids_.begin(), ids_.begin() + std::min<int64_t>(n, size())));
}

std::vector<int64_t> IndexSet::to_vector() const {
  if (listed_) return ids_;
  std::vector<int64_t> v(static_cast<size_t>(size_));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace hearth
