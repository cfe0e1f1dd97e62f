#include "engine/runtime/shared_tensors.hpp"

#include <ATen/ATen.h>

#include <mutex>

namespace hearth {
namespace {

// One per process: a job installs it after joining its group, before any dataset is created.
std::recursive_mutex g_mutex;  // recursive: a make() may ask for another shared tensor
std::unique_ptr<TensorSharer> g_sharer;

}  // namespace

SharingScope::SharingScope(std::unique_ptr<TensorSharer> sharer) {
  std::lock_guard<std::recursive_mutex> lock(g_mutex);
  g_sharer = std::move(sharer);
}

SharingScope::~SharingScope() {
  std::lock_guard<std::recursive_mutex> lock(g_mutex);
  g_sharer.reset();
}

at::Tensor shared_tensor(const std::string& key, const TensorMaker& make) {
  std::lock_guard<std::recursive_mutex> lock(g_mutex);
  if (g_sharer) return g_sharer->share(key, make);
  return make([](at::IntArrayRef shape, const at::TensorOptions& options) { return at::empty(shape, options); });
}

}  // namespace hearth
