#include "engine/runtime/host_api.hpp"

#include <spdlog/spdlog.h>

#include <mutex>
#include <new>

#include "engine/params/param_values.hpp"
#include "engine/runtime/shared_tensors.hpp"

namespace hearth {
namespace {

thread_local std::string t_plugin_error;

void host_log(void* context, hearth_log_level level, const char* message) {
  const auto* lib = static_cast<const LibraryContext*>(context);
  std::string who = lib ? lib->file : "plugin";
  auto lvl = static_cast<spdlog::level::level_enum>(std::clamp<int>(level, 0, 4));
  spdlog::log(lvl, "[{}] {}", who, message ? message : "");
}

void host_set_error(void*, const char* message) { t_plugin_error = message ? message : "(no message)"; }

hearth_tensor* tensor_wrap(const void* at_tensor) {
  if (at_tensor == nullptr) return nullptr;
  return new (std::nothrow) hearth_tensor{*static_cast<const at::Tensor*>(at_tensor)};
}

const void* tensor_unwrap(const hearth_tensor* t) { return t ? &t->tensor : nullptr; }

void tensor_release(hearth_tensor* t) { delete t; }

int64_t tensor_shape(const hearth_tensor* t, int64_t* sizes, int64_t capacity) {
  if (t == nullptr || !t->tensor.defined()) return -1;
  int64_t rank = t->tensor.dim();
  for (int64_t i = 0; i < rank && i < capacity; ++i) sizes[i] = t->tensor.size(i);
  return rank;
}

hearth_status list_push(hearth_tensor_list* list, const char* name, hearth_tensor* tensor) {
  if (list == nullptr || tensor == nullptr) {
    delete tensor;
    return HEARTH_INVALID_ARGUMENT;
  }
  try {
    list->names.emplace_back(name ? name : "");
    list->items.push_back(tensor);
    return HEARTH_OK;
  } catch (...) {
    delete tensor;
    return HEARTH_ERROR;
  }
}

size_t list_size(const hearth_tensor_list* list) { return list ? list->items.size() : 0; }

hearth_tensor_list* list_create() { return new (std::nothrow) hearth_tensor_list(); }

void list_release(hearth_tensor_list* list) { delete list; }

const hearth_tensor* list_get(const hearth_tensor_list* list, size_t i) {
  return list && i < list->items.size() ? list->items[i] : nullptr;
}

const char* list_name(const hearth_tensor_list* list, size_t i) {
  return list && i < list->names.size() ? list->names[i].c_str() : "";
}

hearth_status bytes_append(hearth_bytes* bytes, const void* data, size_t size) {
  if (bytes == nullptr || (data == nullptr && size > 0)) return HEARTH_INVALID_ARGUMENT;
  try {
    bytes->data.append(static_cast<const char*>(data), size);
    return HEARTH_OK;
  } catch (...) {
    return HEARTH_ERROR;
  }
}

hearth_status kv_put(hearth_kv_sink* sink, const char* key, const char* value) {
  if (sink == nullptr || key == nullptr) return HEARTH_INVALID_ARGUMENT;
  try {
    sink->items.emplace_back(key, value ? value : "");
    return HEARTH_OK;
  } catch (...) {
    return HEARTH_ERROR;
  }
}

/// Unwinds the sharer when the plugin's make() failed; the plugin has set the message.
struct PluginMakeFailed {};

hearth_tensor* shared_alloc(void* alloc_context, const int64_t* shape, size_t rank, const hearth_tensor* like) {
  try {
    if (like == nullptr || (shape == nullptr && rank > 0)) throw std::invalid_argument("null shape or dtype");
    const auto& alloc = *static_cast<const TensorAlloc*>(alloc_context);
    return new hearth_tensor{alloc(at::IntArrayRef(shape, rank), like->tensor.options())};
  } catch (const std::exception& e) {
    t_plugin_error = std::string("the host could not allocate a shared tensor: ") + e.what();
    return nullptr;
  }
}

hearth_status host_shared_tensor(void* context, const char* key, hearth_shared_make make, void* arg,
                                 hearth_tensor** out) {
  if (key == nullptr || make == nullptr || out == nullptr) {
    t_plugin_error = "shared_tensor needs a key, a make function and an out handle";
    return HEARTH_INVALID_ARGUMENT;
  }
  try {
    const auto* lib = static_cast<const LibraryContext*>(context);
    // Scoped by library: two plugins choosing the same key never see each other's tensor.
    const std::string scoped = (lib ? lib->file : std::string()) + '\0' + key;
    at::Tensor t = shared_tensor(scoped, [&](const TensorAlloc& alloc) {
      hearth_tensor* made = make(arg, &shared_alloc, const_cast<TensorAlloc*>(&alloc));
      if (made == nullptr) throw PluginMakeFailed{};
      at::Tensor result = made->tensor;
      delete made;
      return result;
    });
    *out = new hearth_tensor{std::move(t)};
    return HEARTH_OK;
  } catch (const PluginMakeFailed&) {
    return HEARTH_ERROR;
  } catch (const c10::Error& e) {
    t_plugin_error = std::string("sharing tensor '") + key + "' failed: " + e.what_without_backtrace();
    return HEARTH_ERROR;
  } catch (const std::exception& e) {
    t_plugin_error = std::string("sharing tensor '") + key + "' failed: " + e.what();
    return HEARTH_ERROR;
  }
}

}  // namespace

const hearth_host_api* make_host_api(const LibraryContext* context) {
  // Deliberately leaked: plugins may keep the pointer until the process ends.
  auto* api = new hearth_host_api{};
  api->struct_size = sizeof(hearth_host_api);
  api->abi_major = HEARTH_ABI_MAJOR;
  api->abi_minor = HEARTH_ABI_MINOR;
  api->context = const_cast<LibraryContext*>(context);
  api->log = &host_log;
  api->set_error = &host_set_error;
  api->tensor_wrap = &tensor_wrap;
  api->tensor_unwrap = &tensor_unwrap;
  api->tensor_release = &tensor_release;
  api->tensor_shape = &tensor_shape;
  api->list_push = &list_push;
  api->list_size = &list_size;
  api->list_get = &list_get;
  api->list_name = &list_name;
  api->bytes_append = &bytes_append;
  api->param_bool = &param_access::get_bool;
  api->param_int = &param_access::get_int;
  api->param_float = &param_access::get_float;
  api->param_string = &param_access::get_string;
  api->param_list_size = &param_access::list_size;
  api->param_int_at = &param_access::int_at;
  api->param_float_at = &param_access::float_at;
  api->param_string_at = &param_access::string_at;
  api->kv_put = &kv_put;
  api->shared_tensor = &host_shared_tensor;
  api->list_create = &list_create;
  api->list_release = &list_release;
  return api;
}

void set_plugin_error(const std::string& message) { t_plugin_error = message; }

std::string take_plugin_error() {
  std::string out = std::move(t_plugin_error);
  t_plugin_error.clear();
  return out.empty() ? "(the plugin gave no message)" : out;
}

std::vector<at::Tensor> tensors_of(const hearth_tensor_list& list) {
  std::vector<at::Tensor> out;
  out.reserve(list.items.size());
  for (const hearth_tensor* t : list.items) out.push_back(t->tensor);
  return out;
}

HandleArray::HandleArray(const std::vector<at::Tensor>& tensors) {
  handles_.reserve(tensors.size());
  for (const at::Tensor& t : tensors) handles_.push_back(new hearth_tensor{t});
}

HandleArray::~HandleArray() {
  for (const hearth_tensor* h : handles_) delete h;
}

}  // namespace hearth
