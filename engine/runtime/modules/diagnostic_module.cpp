#include "engine/runtime/modules/diagnostic_module.hpp"

#include "engine/runtime/host_api.hpp"

namespace hearth {
namespace {

/// Runs a DiagnosticHost function for a plugin: no exception may cross back into it, so a failure
/// becomes the plugin's error message and a status.
template <class Body>
hearth_status host_side(Body&& body) noexcept {
  try {
    body();
    return HEARTH_OK;
  } catch (const std::exception& e) {
    set_plugin_error(e.what());
  } catch (...) {
    set_plugin_error("unknown error in the host");
  }
  return HEARTH_ERROR;
}

DiagnosticHost& host_of(void* host) { return *static_cast<DiagnosticHost*>(host); }

std::vector<at::Tensor> tensors_in(const hearth_tensor* const* handles, size_t count) {
  if (count > 0 && handles == nullptr) throw Error("a null array of tensors");
  std::vector<at::Tensor> out;
  for (size_t i = 0; i < count; ++i) {
    if (handles[i] == nullptr) throw Error("tensor " + std::to_string(i) + " is a null handle");
    out.push_back(handles[i]->tensor);
  }
  return out;
}

void push_into(hearth_tensor_list* list, const std::vector<at::Tensor>& tensors) {
  if (list == nullptr) throw Error("a null output list");
  for (const at::Tensor& t : tensors) {
    list->names.emplace_back();
    list->items.push_back(new hearth_tensor{t});
  }
}

hearth_status forward(void* host, const hearth_tensor* const* inputs, size_t input_count, const char* const* taps,
                      size_t tap_count, hearth_tensor_list* outputs, hearth_tensor_list* tapped) {
  return host_side([&] {
    std::vector<std::string> names;
    for (size_t i = 0; i < tap_count; ++i) {
      if (taps == nullptr || taps[i] == nullptr) throw Error("tap point " + std::to_string(i) + " is a null name");
      names.emplace_back(taps[i]);
    }
    std::vector<at::Tensor> taken;
    push_into(outputs, host_of(host).forward(tensors_in(inputs, input_count), names, taken));
    if (tap_count > 0) push_into(tapped, taken);
  });
}

hearth_status parameters(void* host, hearth_tensor_list* out) {
  return host_side([&] {
    if (out == nullptr) throw Error("a null output list");
    for (auto& [name, t] : host_of(host).parameters()) {
      out->names.push_back(name);
      out->items.push_back(new hearth_tensor{t});
    }
  });
}

hearth_status render(void* host, cairo_t* cr, int width, int height, const hearth_tensor* tensor, size_t tensor_index) {
  return host_side([&] {
    if (cr == nullptr || tensor == nullptr) throw Error("render needs a context and a tensor");
    host_of(host).render(cr, width, height, tensor->tensor, tensor_index);
  });
}

hearth_status scalar(void* host, const char* name, double value) {
  return host_side([&] {
    if (name == nullptr) throw Error("a scalar needs a name");
    host_of(host).scalar(name, value);
  });
}

hearth_status histogram(void* host, const char* name, const hearth_tensor* values) {
  return host_side([&] {
    if (name == nullptr || values == nullptr) throw Error("a histogram needs a name and values");
    host_of(host).histogram(name, values->tensor);
  });
}

hearth_status save_tensor(void* host, const char* name, const hearth_tensor* tensor) {
  return host_side([&] {
    if (name == nullptr || tensor == nullptr) throw Error("save_tensor needs a name and a tensor");
    host_of(host).save_tensor(name, tensor->tensor);
  });
}

}  // namespace

std::vector<std::string> DiagnosticModule::taps() {
  const hearth_diagnostic_functions& f = module_.tables->functions.diagnostic;
  if (f.taps == nullptr) return {};
  hearth_kv_sink sink;
  call("taps", f.taps, object_, &sink);
  std::vector<std::string> out;
  for (auto& [key, value] : sink.items) out.push_back(key);
  return out;
}

bool DiagnosticModule::run(int64_t epoch, const DiagnosticSamples& samples, DiagnosticHost& host, cairo_t* cr, int width,
                           int height) {
  HandleArray tensors(samples.tensors);
  std::vector<const char*> names, classes;
  for (const std::string& n : samples.names) names.push_back(n.c_str());
  for (const std::string& c : samples.classes) classes.push_back(c.c_str());
  if (names.size() != tensors.size() || samples.roles.size() != tensors.size())
    throw Error("diagnostic samples: " + std::to_string(names.size()) + " names for " + std::to_string(tensors.size()) +
                " tensors");
  hearth_diagnostic_input in{};
  in.struct_size = sizeof in;
  in.epoch = epoch;
  in.samples = tensors.data();
  in.tensor_names = names.data();
  in.roles = samples.roles.data();
  in.tensor_count = tensors.size();
  in.class_names = classes.data();
  in.class_count = classes.size();
  in.host = &host;
  in.forward = &forward;
  in.parameters = &parameters;
  in.render = &render;
  in.scalar = &scalar;
  in.histogram = &histogram;
  in.save_tensor = &save_tensor;
  call("run", module_.tables->functions.diagnostic.run, object_, &in);
  return check_optional(ask("draw", module_.tables->functions.diagnostic.draw, object_, &in, cr, width, height), "draw");
}

}  // namespace hearth
