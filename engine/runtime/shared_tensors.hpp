// The host side of hearth_host_api.shared_tensor: plugins' large read-only tensors (datasets held
// in memory), kept once per machine when several ranks of a job run there. This process asks
// through the sharer its job installed; without one, a tensor is simply made here.
#pragma once

#include <ATen/Tensor.h>

#include <functional>
#include <memory>
#include <string>

namespace hearth {

/// Memory for a tensor being made: a writable tensor of `shape` and `options`' dtype.
using TensorAlloc = std::function<at::Tensor(at::IntArrayRef shape, const at::TensorOptions& options)>;
/// Builds a shared tensor, ideally in memory from the alloc it is handed (it then needs no copy).
using TensorMaker = std::function<at::Tensor(const TensorAlloc& alloc)>;

/// How one process gets the tensors it shares with the other ranks of its job on this machine.
class TensorSharer {
 public:
  virtual ~TensorSharer() = default;
  /// The tensor named `key` (already scoped to the plugin library): made here, or mapped from the
  /// copy another local rank made.
  virtual at::Tensor share(const std::string& key, const TensorMaker& make) = 0;
};

/// While alive, shared_tensor() in this process goes through `sharer`.
class SharingScope {
 public:
  explicit SharingScope(std::unique_ptr<TensorSharer> sharer);
  ~SharingScope();
  SharingScope(const SharingScope&) = delete;
  SharingScope& operator=(const SharingScope&) = delete;
};

/// The tensor named `key`: through the installed sharer, else made here in ordinary memory.
at::Tensor shared_tensor(const std::string& key, const TensorMaker& make);

}  // namespace hearth
