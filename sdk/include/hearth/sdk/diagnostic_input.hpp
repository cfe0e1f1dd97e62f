// DiagnosticInput's functions: each is one call into the host's hearth_diagnostic_input.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hearth/abi.h"
#include "hearth/sdk/host.hpp"
#include "hearth/sdk/modules.hpp"

namespace hearth {
namespace detail {

/// A host list this library owns for the length of one call.
class OwnedList {
 public:
  OwnedList() : list_(host().list_create ? host().list_create() : nullptr) {
    if (list_ == nullptr) throw std::runtime_error("the host made no tensor list (it needs ABI 1.5)");
  }
  ~OwnedList() { host().list_release(list_); }
  OwnedList(const OwnedList&) = delete;
  OwnedList& operator=(const OwnedList&) = delete;
  hearth_tensor_list* get() const { return list_; }
  TensorList tensors() const {
    TensorList out;
    for (size_t i = 0; i < host().list_size(list_); ++i) out.push_back(from_handle(host().list_get(list_, i)));
    return out;
  }
  std::vector<std::pair<std::string, Tensor>> named() const {
    std::vector<std::pair<std::string, Tensor>> out;
    for (size_t i = 0; i < host().list_size(list_); ++i)
      out.emplace_back(host().list_name(list_, i), from_handle(host().list_get(list_, i)));
    return out;
  }

 private:
  hearth_tensor_list* list_;
};

/// Handles this library owns for the length of one call.
class OwnedHandles {
 public:
  explicit OwnedHandles(const TensorList& tensors) {
    for (const Tensor& t : tensors) handles_.push_back(to_handle(t));
  }
  ~OwnedHandles() {
    for (hearth_tensor* h : handles_) host().tensor_release(h);
  }
  OwnedHandles(const OwnedHandles&) = delete;
  OwnedHandles& operator=(const OwnedHandles&) = delete;
  const hearth_tensor* const* data() const { return handles_.data(); }
  size_t size() const { return handles_.size(); }

 private:
  std::vector<hearth_tensor*> handles_;
};

/// Throws HostError when a host function failed (it has recorded why).
inline void check_host(hearth_status status) {
  if (status != HEARTH_OK) throw HostError();
}

}  // namespace detail

inline DiagnosticInput::DiagnosticInput(const hearth_diagnostic_input& in) : in_(in) {
  samples_ = from_handles(in.samples, in.tensor_count);
  for (size_t i = 0; i < in.tensor_count; ++i) {
    names_.emplace_back(in.tensor_names && in.tensor_names[i] ? in.tensor_names[i] : "");
    roles_.push_back(in.roles ? in.roles[i] : HEARTH_ROLE_INPUT);
  }
  for (size_t i = 0; i < in.class_count; ++i) classes_.emplace_back(in.class_names[i] ? in.class_names[i] : "");
}

inline TensorList DiagnosticInput::inputs() const {
  TensorList out;
  for (size_t i = 0; i < samples_.size(); ++i)
    if (roles_[i] == HEARTH_ROLE_INPUT) out.push_back(samples_[i]);
  return out;
}

inline int64_t DiagnosticInput::target_index() const {
  for (size_t i = 0; i < roles_.size(); ++i)
    if (roles_[i] == HEARTH_ROLE_TARGET) return static_cast<int64_t>(i);
  return -1;
}

inline TensorList DiagnosticInput::forward(const TensorList& inputs) const {
  TensorList unused;
  return forward(inputs, {}, unused);
}

inline TensorList DiagnosticInput::forward(const TensorList& inputs, const std::vector<std::string>& taps,
                                           TensorList& tapped) const {
  detail::OwnedHandles handles(inputs);
  detail::OwnedList outputs, taken;
  std::vector<const char*> names;
  for (const std::string& t : taps) names.push_back(t.c_str());
  detail::check_host(in_.forward(in_.host, handles.data(), handles.size(), names.data(), names.size(), outputs.get(),
                                 taken.get()));
  tapped = taken.tensors();
  return outputs.tensors();
}

inline std::vector<std::pair<std::string, Tensor>> DiagnosticInput::parameters() const {
  detail::OwnedList list;
  detail::check_host(in_.parameters(in_.host, list.get()));
  return list.named();
}

inline void DiagnosticInput::render(cairo_t* cr, int width, int height, const Tensor& tensor, size_t tensor_index) const {
  detail::OwnedHandles handle({tensor});
  detail::check_host(in_.render(in_.host, cr, width, height, handle.data()[0], tensor_index));
}

inline void DiagnosticInput::scalar(const std::string& name, double value) const {
  detail::check_host(in_.scalar(in_.host, name.c_str(), value));
}

inline void DiagnosticInput::histogram(const std::string& name, const Tensor& values) const {
  detail::OwnedHandles handle({values});
  detail::check_host(in_.histogram(in_.host, name.c_str(), handle.data()[0]));
}

inline void DiagnosticInput::save_tensor(const std::string& name, const Tensor& tensor) const {
  detail::OwnedHandles handle({tensor});
  detail::check_host(in_.save_tensor(in_.host, name.c_str(), handle.data()[0]));
}

}  // namespace hearth
