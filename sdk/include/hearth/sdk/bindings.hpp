// Trampolines from the C function tables to the C++ base classes. Every entry point is noexcept:
// it catches everything, records the message with the host and returns a status.
#pragma once

#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hearth/abi.h"
#include "hearth/sdk/diagnostic_input.hpp"
#include "hearth/sdk/host.hpp"
#include "hearth/sdk/modules.hpp"
#include "hearth/sdk/params.hpp"

namespace hearth::detail {

inline void report_error(const char* message) noexcept {
  const hearth_host_api* h = host_slot();
  if (h != nullptr && h->set_error != nullptr) h->set_error(h->context, message);
}

/// Runs `body` (returning hearth_status) and turns any exception into a status and a message.
template <class Body>
hearth_status guard(Body&& body) noexcept {
  try {
    return body();
  } catch (const HostError&) {
    return HEARTH_ERROR;
  } catch (const Unsupported& e) {
    report_error(e.what());
    return HEARTH_UNSUPPORTED;
  } catch (const c10::Error& e) {
    report_error(e.what_without_backtrace());
    return HEARTH_ERROR;
  } catch (const std::invalid_argument& e) {
    report_error(e.what());
    return HEARTH_INVALID_ARGUMENT;
  } catch (const std::exception& e) {
    report_error(e.what());
    return HEARTH_ERROR;
  } catch (...) {
    report_error("unknown exception");
    return HEARTH_ERROR;
  }
}

/// The object behind a hearth_object*: the module and the strings it handed out.
template <class T>
struct Holder {
  std::shared_ptr<T> module;
  std::vector<std::string> tensor_names;
  std::vector<hearth_role> tensor_roles;
  std::vector<std::string> class_names;
};

template <class T>
Holder<T>& holder(hearth_object* self) {
  return *reinterpret_cast<Holder<T>*>(self);
}
template <class T>
T& module_of(hearth_object* self) {
  return *holder<T>(self).module;
}

inline hearth_status append_bytes(hearth_bytes* out, const std::string& bytes) {
  return host().bytes_append(out, bytes.data(), bytes.size());
}

template <class Saveable>
std::string save_archive(const Saveable& s) {
  torch::serialize::OutputArchive archive;
  s(archive);
  std::ostringstream os;
  archive.save_to(os);
  return os.str();
}

/// The loaded tensors go to the device of `on` (the module's own tensors; none: as saved), whatever
/// device they were saved from: a checkpoint written on a GPU loads on the CPU, and the reverse.
inline torch::serialize::InputArchive load_archive(const void* data, size_t size, const TensorList& on) {
  torch::serialize::InputArchive archive;
  if (on.empty())
    archive.load_from(static_cast<const char*>(data), size);
  else
    archive.load_from(static_cast<const char*>(data), size, on.front().device());
  return archive;
}

inline std::vector<std::string> strings_of(const char* const* items, size_t count) {
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) out.emplace_back(items[i] ? items[i] : "");
  return out;
}

template <class T>
struct DatasetTable {
  static hearth_status size(hearth_object* s, hearth_split split, int64_t* out) {
    return guard([&] { *out = module_of<T>(s).size(static_cast<Split>(split)); return HEARTH_OK; });
  }
  static hearth_status get(hearth_object* s, hearth_split split, int64_t index, hearth_tensor_list* out) {
    return guard([&] { push_all(out, module_of<T>(s).get(static_cast<Split>(split), index)); return HEARTH_OK; });
  }
  static hearth_status get_batch(hearth_object* s, hearth_split split, const int64_t* idx, size_t n,
                                 hearth_tensor_list* out) {
    return guard([&] {
      auto batch = module_of<T>(s).get_batch(static_cast<Split>(split), std::vector<int64_t>(idx, idx + n));
      if (!batch) return HEARTH_UNSUPPORTED;
      push_all(out, *batch);
      return HEARTH_OK;
    });
  }
  static size_t tensor_count(hearth_object* s) { return holder<T>(s).tensor_names.size(); }
  static const char* tensor_name(hearth_object* s, size_t i) {
    auto& names = holder<T>(s).tensor_names;
    return i < names.size() ? names[i].c_str() : "";
  }
  static hearth_role tensor_role(hearth_object* s, size_t i) {
    auto& roles = holder<T>(s).tensor_roles;
    return i < roles.size() ? roles[i] : HEARTH_ROLE_OTHER;
  }
  static size_t class_count(hearth_object* s) { return holder<T>(s).class_names.size(); }
  static const char* class_name(hearth_object* s, size_t i) {
    auto& names = holder<T>(s).class_names;
    return i < names.size() ? names[i].c_str() : "";
  }
  static const hearth_dataset_functions* table() {
    static const hearth_dataset_functions t = {sizeof(hearth_dataset_functions), &size, &get, &get_batch,
                                               &tensor_count, &tensor_name, &tensor_role, &class_count,
                                               &class_name};
    return &t;
  }
};

template <class T>
struct AnalyzerTable {
  static hearth_status start(hearth_object* s, const char* const* names, const hearth_role* roles, size_t n,
                             const char* const* classes, size_t class_count) {
    return guard([&] {
      SampleInfo info;
      info.tensor_names = strings_of(names, n);
      info.roles.assign(roles, roles + n);
      info.class_names = strings_of(classes, class_count);
      module_of<T>(s).start(info);
      return HEARTH_OK;
    });
  }
  static hearth_status take(hearth_object* s, const hearth_tensor* const* sample, size_t n) {
    return guard([&] { module_of<T>(s).take(from_handles(sample, n)); return HEARTH_OK; });
  }
  static hearth_status finish(hearth_object* s) {
    return guard([&] { module_of<T>(s).finish(); return HEARTH_OK; });
  }
  static hearth_status class_weights(hearth_object* s, hearth_tensor** out) {
    return guard([&] {
      Tensor w = module_of<T>(s).class_weights();
      if (!w.defined()) return HEARTH_UNSUPPORTED;
      *out = to_handle(w);
      return HEARTH_OK;
    });
  }
  static hearth_status report(hearth_object* s, cairo_t* cr, int width, int height) {
    return guard([&] { module_of<T>(s).report(cr, width, height); return HEARTH_OK; });
  }
  static hearth_status summary(hearth_object* s, hearth_kv_sink* sink) {
    return guard([&] {
      for (const auto& [key, value] : module_of<T>(s).summary()) host().kv_put(sink, key.c_str(), value.c_str());
      return HEARTH_OK;
    });
  }
  static const hearth_analyzer_functions* table() {
    static const hearth_analyzer_functions t = {sizeof(hearth_analyzer_functions), &start, &take, &finish,
                                                &class_weights, &report, &summary};
    return &t;
  }
};

template <class T>
struct LossTable {
  static hearth_status forward(hearth_object* s, const hearth_tensor* const* outputs, size_t n_out,
                               const hearth_tensor* const* targets, size_t n_tgt, hearth_tensor** out) {
    return guard([&] {
      Tensor loss = module_of<T>(s).forward(from_handles(outputs, n_out), from_handles(targets, n_tgt));
      if (!loss.defined() || loss.dim() != 0)
        throw std::runtime_error("loss must return a 0-dim tensor, got " +
                                 (loss.defined() ? std::to_string(loss.dim()) + " dims" : std::string("nothing")));
      *out = to_handle(loss);
      return HEARTH_OK;
    });
  }
  static const hearth_loss_functions* table() {
    static const hearth_loss_functions t = {sizeof(hearth_loss_functions), &forward};
    return &t;
  }
};

template <class T>
struct MetricTable {
  static hearth_status update(hearth_object* s, const hearth_tensor* const* outputs, size_t n_out,
                              const hearth_tensor* const* targets, size_t n_tgt) {
    return guard([&] {
      torch::NoGradGuard no_grad;
      module_of<T>(s).update(from_handles(outputs, n_out), from_handles(targets, n_tgt));
      return HEARTH_OK;
    });
  }
  static hearth_status compute(hearth_object* s, double* out) {
    return guard([&] { *out = module_of<T>(s).compute(); return HEARTH_OK; });
  }
  static hearth_status reset(hearth_object* s) {
    return guard([&] { module_of<T>(s).reset(); return HEARTH_OK; });
  }
  static int higher_is_better(hearth_object* s) {
    try {
      return module_of<T>(s).higher_is_better() ? 1 : 0;
    } catch (...) {
      return 1;
    }
  }
  static const hearth_metric_functions* table() {
    static const hearth_metric_functions t = {sizeof(hearth_metric_functions), &update, &compute, &reset,
                                              &higher_is_better};
    return &t;
  }
};

template <class T>
struct ModelTable {
  static hearth_status forward(hearth_object* s, const hearth_tensor* const* inputs, size_t n, hearth_tensor_list* out) {
    return guard([&] { push_all(out, module_of<T>(s).forward(from_handles(inputs, n))); return HEARTH_OK; });
  }
  static hearth_status parameters(hearth_object* s, hearth_tensor_list* out) {
    return guard([&] {
      for (const auto& item : module_of<T>(s).named_parameters(/*recurse=*/true))
        if (host().list_push(out, item.key().c_str(), to_handle(item.value())) != HEARTH_OK)
          throw std::runtime_error("host refused a parameter");
      return HEARTH_OK;
    });
  }
  static hearth_status train(hearth_object* s, int on) {
    return guard([&] { module_of<T>(s).train(on != 0); return HEARTH_OK; });
  }
  static hearth_status to_device(hearth_object* s, const char* device) {
    return guard([&] { module_of<T>(s).to(torch::Device(device)); return HEARTH_OK; });
  }
  static hearth_status save_state(hearth_object* s, hearth_bytes* out) {
    return guard([&] {
      T& m = module_of<T>(s);
      return append_bytes(out, save_archive([&](torch::serialize::OutputArchive& a) { m.save(a); }));
    });
  }
  static hearth_status load_state(hearth_object* s, const void* data, size_t size) {
    return guard([&] {
      T& m = module_of<T>(s);
      auto archive = load_archive(data, size, m.parameters());
      m.load(archive);
      return HEARTH_OK;
    });
  }
  static hearth_status state(hearth_object* s, hearth_tensor_list* out) {
    return guard([&] {
      for (const auto& [name, tensor] : module_of<T>(s).state_dict())
        if (host().list_push(out, name.c_str(), to_handle(tensor)) != HEARTH_OK)
          throw std::runtime_error("host refused a state tensor");
      return HEARTH_OK;
    });
  }
  static int traceable(hearth_object* s) {
    try {
      return module_of<T>(s).traceable() ? 1 : 0;
    } catch (...) {
      return 0;
    }
  }
  static hearth_status save_script(hearth_object* s, hearth_bytes* out) {
    return guard([&] {
      std::ostringstream os;
      if (!module_of<T>(s).save_script(os)) return HEARTH_UNSUPPORTED;
      return append_bytes(out, os.str());
    });
  }
  static hearth_status tap_names(hearth_object* s, hearth_kv_sink* out) {
    return guard([&] {
      for (const auto& [name, what] : module_of<T>(s).taps()) host().kv_put(out, name.c_str(), what.c_str());
      return HEARTH_OK;
    });
  }
  static hearth_status forward_tapped(hearth_object* s, const hearth_tensor* const* inputs, size_t n,
                                      const char* const* taps, size_t tap_count, hearth_tensor_list* out,
                                      hearth_tensor_list* tapped) {
    return guard([&] {
      TensorList taken;
      push_all(out, module_of<T>(s).forward_tapped(from_handles(inputs, n), strings_of(taps, tap_count), taken));
      push_all(tapped, taken);
      return HEARTH_OK;
    });
  }
  static const hearth_model_functions* table() {
    static const hearth_model_functions t = {sizeof(hearth_model_functions), &forward, &parameters, &train,
                                             &to_device, &save_state, &load_state, &state, &traceable,
                                             &save_script, &tap_names, &forward_tapped};
    return &t;
  }
};

template <class T>
struct OptimizerTable {
  static hearth_status bind(hearth_object* s, const hearth_tensor* const* params, size_t n) {
    return bind_named(s, params, nullptr, n);
  }
  // names may be null: a host older than ABI 1.6 binds without them.
  static hearth_status bind_named(hearth_object* s, const hearth_tensor* const* params, const char* const* names, size_t n) {
    return guard([&] {
      T& m = module_of<T>(s);
      TensorList bound = from_handles(params, n);
      m.bound_parameters = bound;
      if (names) m.bound_names.assign(names, names + n);
      else m.bound_names.clear();
      m.bind(bound);
      return HEARTH_OK;
    });
  }
  static hearth_status step(hearth_object* s) {
    return guard([&] { module_of<T>(s).step(); return HEARTH_OK; });
  }
  static hearth_status zero_grad(hearth_object* s) {
    return guard([&] { module_of<T>(s).zero_grad(); return HEARTH_OK; });
  }
  static size_t group_count(hearth_object* s) {
    try {
      return module_of<T>(s).group_count();
    } catch (...) {
      return 0;
    }
  }
  static hearth_status get_lr(hearth_object* s, size_t g, double* out) {
    return guard([&] { *out = module_of<T>(s).lr(g); return HEARTH_OK; });
  }
  static hearth_status set_lr(hearth_object* s, size_t g, double lr) {
    return guard([&] { module_of<T>(s).set_lr(g, lr); return HEARTH_OK; });
  }
  static hearth_status save_state(hearth_object* s, hearth_bytes* out) {
    return guard([&] {
      T& m = module_of<T>(s);
      return append_bytes(out, save_archive([&](torch::serialize::OutputArchive& a) { m.save(a); }));
    });
  }
  static hearth_status load_state(hearth_object* s, const void* data, size_t size) {
    return guard([&] {
      auto archive = load_archive(data, size, module_of<T>(s).bound_parameters);
      module_of<T>(s).load(archive);
      return HEARTH_OK;
    });
  }
  static hearth_status train(hearth_object* s, int on) {
    return guard([&] { module_of<T>(s).train(on != 0); return HEARTH_OK; });
  }
  static const hearth_optimizer_functions* table() {
    static const hearth_optimizer_functions t = {sizeof(hearth_optimizer_functions), &bind, &step, &zero_grad,
                                                 &group_count, &get_lr, &set_lr, &save_state, &load_state, &train,
                                                 &bind_named};
    return &t;
  }
};

template <class T>
struct SchedulerTable {
  static hearth_status start(hearth_object* s, const double* base, size_t n) {
    return guard([&] { module_of<T>(s).start(std::vector<double>(base, base + n)); return HEARTH_OK; });
  }
  static hearth_step_interval interval(hearth_object* s) {
    try {
      return module_of<T>(s).interval();
    } catch (...) {
      return HEARTH_STEP_EPOCH;
    }
  }
  static hearth_status step(hearth_object* s, double monitored, double* lrs, size_t n) {
    return guard([&] {
      std::optional<double> m;
      if (!std::isnan(monitored)) m = monitored;
      std::vector<double> next = module_of<T>(s).step(m);
      if (next.size() != n)
        throw std::runtime_error("scheduler returned " + std::to_string(next.size()) + " rates for " +
                                 std::to_string(n) + " groups");
      std::copy(next.begin(), next.end(), lrs);
      return HEARTH_OK;
    });
  }
  static hearth_status current_lr(hearth_object* s, size_t g, double* out) {
    return guard([&] { *out = module_of<T>(s).rates().at(g); return HEARTH_OK; });
  }
  static hearth_status save_state(hearth_object* s, hearth_bytes* out) {
    return guard([&] {
      T& m = module_of<T>(s);
      return append_bytes(out, save_archive([&](torch::serialize::OutputArchive& a) { m.save(a); }));
    });
  }
  static hearth_status load_state(hearth_object* s, const void* data, size_t size) {
    return guard([&] {
      auto archive = load_archive(data, size, {});
      module_of<T>(s).load(archive);
      return HEARTH_OK;
    });
  }
  static const hearth_scheduler_functions* table() {
    static const hearth_scheduler_functions t = {sizeof(hearth_scheduler_functions), &start, &interval, &step,
                                                 &current_lr, &save_state, &load_state};
    return &t;
  }
};

template <class T>
struct RendererTable {
  static hearth_status render(hearth_object* s, cairo_t* cr, int width, int height, const hearth_tensor* tensor,
                              const hearth_render_context* ctx) {
    return guard([&] {
      RenderContext context;
      if (ctx != nullptr) {
        context.sample = from_handles(ctx->sample, ctx->tensor_count);
        context.tensor_names = strings_of(ctx->tensor_names, ctx->tensor_names ? ctx->tensor_count : 0);
        context.tensor_index = ctx->tensor_index;
        context.class_names = strings_of(ctx->class_names, ctx->class_count);
      }
      module_of<T>(s).render(cr, width, height, from_handle(tensor), context);
      return HEARTH_OK;
    });
  }
  static const hearth_renderer_functions* table() {
    static const hearth_renderer_functions t = {sizeof(hearth_renderer_functions), &render};
    return &t;
  }
};

template <class T>
struct DiagnosticTable {
  static hearth_status taps(hearth_object* s, hearth_kv_sink* out) {
    return guard([&] {
      for (const std::string& name : module_of<T>(s).taps()) host().kv_put(out, name.c_str(), "");
      return HEARTH_OK;
    });
  }
  static hearth_status run(hearth_object* s, const hearth_diagnostic_input* in) {
    return guard([&] {
      if (in == nullptr) throw std::invalid_argument("no diagnostic input");
      module_of<T>(s).run(DiagnosticInput(*in));
      return HEARTH_OK;
    });
  }
  static hearth_status draw(hearth_object* s, const hearth_diagnostic_input* in, cairo_t* cr, int width, int height) {
    return guard([&] {
      if (in == nullptr) throw std::invalid_argument("no diagnostic input");
      return module_of<T>(s).draw(cr, width, height, DiagnosticInput(*in)) ? HEARTH_OK : HEARTH_UNSUPPORTED;
    });
  }
  static const hearth_diagnostic_functions* table() {
    static const hearth_diagnostic_functions t = {sizeof(hearth_diagnostic_functions), &taps, &run, &draw};
    return &t;
  }
};

/// create/destroy and the category table of module class T.
template <class T>
struct Binding {
  static hearth_status create(const hearth_params* params, hearth_object** out) {
    return guard([&] {
      auto h = std::make_unique<Holder<T>>();
      h->module = std::make_shared<T>(Params(params));
      if constexpr (std::is_base_of_v<Dataset, T>) {
        for (const TensorSpec& spec : h->module->tensors()) {
          h->tensor_names.push_back(spec.name);
          h->tensor_roles.push_back(spec.role);
        }
        h->class_names = h->module->classes();
      }
      *out = reinterpret_cast<hearth_object*>(h.release());
      return HEARTH_OK;
    });
  }
  static void destroy(hearth_object* self) {
    try {
      delete reinterpret_cast<Holder<T>*>(self);
    } catch (...) {  // a destructor that throws must not take the host down
    }
  }
  static const void* functions() {
    if constexpr (std::is_base_of_v<Dataset, T>) return DatasetTable<T>::table();
    else if constexpr (std::is_base_of_v<Analyzer, T>) return AnalyzerTable<T>::table();
    else if constexpr (std::is_base_of_v<Loss, T>) return LossTable<T>::table();
    else if constexpr (std::is_base_of_v<Metric, T>) return MetricTable<T>::table();
    else if constexpr (std::is_base_of_v<Model, T>) return ModelTable<T>::table();
    else if constexpr (std::is_base_of_v<Optimizer, T>) return OptimizerTable<T>::table();
    else if constexpr (std::is_base_of_v<Scheduler, T>) return SchedulerTable<T>::table();
    else if constexpr (std::is_base_of_v<Diagnostic, T>) return DiagnosticTable<T>::table();
    else return RendererTable<T>::table();
  }
};

}  // namespace hearth::detail
