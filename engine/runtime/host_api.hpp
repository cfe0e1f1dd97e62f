// The host's implementation of hearth_host_api and of the opaque handles of abi.h.
#pragma once

#include <ATen/Tensor.h>

#include <string>
#include <utility>
#include <vector>

#include "hearth/abi.h"

/// A tensor handle: one reference to an at::Tensor.
struct hearth_tensor {
  at::Tensor tensor;
};

/// A list of owned handles with optional names.
struct hearth_tensor_list {
  std::vector<std::string> names;
  std::vector<hearth_tensor*> items;
  hearth_tensor_list() = default;
  hearth_tensor_list(const hearth_tensor_list&) = delete;
  hearth_tensor_list& operator=(const hearth_tensor_list&) = delete;
  ~hearth_tensor_list() {
    for (hearth_tensor* t : items) delete t;
  }
};

struct hearth_bytes {
  std::string data;
};

struct hearth_kv_sink {
  std::vector<std::pair<std::string, std::string>> items;
};

namespace hearth {

/// What the host knows about the library a table was handed to (its `context`).
struct LibraryContext {
  std::string file;
};

/// A host table whose log and set_error name `context`. Lives until the process ends.
const hearth_host_api* make_host_api(const LibraryContext* context);

/// Takes (and clears) the message the plugin set with set_error on this thread.
std::string take_plugin_error();

/// Sets that message from the host's side: a host function a plugin called failed, and the
/// plugin's call then fails with the host's reason.
void set_plugin_error(const std::string& message);

/// The tensors of a list, in order.
std::vector<at::Tensor> tensors_of(const hearth_tensor_list& list);

/// Handles owned for the duration of a call into a plugin.
class HandleArray {
 public:
  explicit HandleArray(const std::vector<at::Tensor>& tensors);
  ~HandleArray();
  HandleArray(const HandleArray&) = delete;
  HandleArray& operator=(const HandleArray&) = delete;
  const hearth_tensor* const* data() const { return handles_.data(); }
  size_t size() const { return handles_.size(); }

 private:
  std::vector<const hearth_tensor*> handles_;
};

}  // namespace hearth
