#include "engine/core/descriptor_reader.hpp"

#include <cmath>
#include <cstddef>
#include <cstring>
#include <regex>
#include <set>
#include <type_traits>
#include <string>

#include "engine/core/byte_text.hpp"
#include "engine/core/category.hpp"
#include "engine/core/host_facts.hpp"
#include "engine/core/plugin_info.hpp"
#include "engine/params/param_values.hpp"

namespace hearth {
namespace {

/// The bytes of an enum field a plugin filled, as an integer: a value outside the enum (a
/// hostile or broken plugin's 42) may not even be loaded as the enum type (undefined behaviour;
/// UBSan stops there), so it is copied out as bytes and judged as a number.
template <class E>
int64_t raw_enum(const E& field) {
  std::underlying_type_t<E> raw;
  static_assert(sizeof raw == sizeof field);
  std::memcpy(&raw, &field, sizeof raw);
  return static_cast<int64_t>(raw);
}

// Sizes of the ABI 1.0 structs: the least a plugin may hand over. Later minors only append, so
// these constants never change even when the structs grow.
#define HEARTH_END_OF(type, field) (offsetof(type, field) + sizeof(((type*)nullptr)->field))
constexpr size_t kMinLibrary = HEARTH_END_OF(hearth_library_descriptor, module_count);
constexpr size_t kMinModule = HEARTH_END_OF(hearth_module_descriptor, functions);
constexpr size_t kMinParam = HEARTH_END_OF(hearth_param_spec, doc);
constexpr size_t kMinTable[HEARTH_CATEGORY_COUNT] = {
    HEARTH_END_OF(hearth_dataset_functions, class_name),   HEARTH_END_OF(hearth_analyzer_functions, summary),
    HEARTH_END_OF(hearth_loss_functions, forward),         HEARTH_END_OF(hearth_metric_functions, higher_is_better),
    HEARTH_END_OF(hearth_model_functions, load_state),     HEARTH_END_OF(hearth_optimizer_functions, load_state),
    HEARTH_END_OF(hearth_renderer_functions, render),      HEARTH_END_OF(hearth_scheduler_functions, load_state),
    HEARTH_END_OF(hearth_diagnostic_functions, draw)};
constexpr size_t kHostTable[HEARTH_CATEGORY_COUNT] = {
    sizeof(hearth_dataset_functions),  sizeof(hearth_analyzer_functions),  sizeof(hearth_loss_functions),
    sizeof(hearth_metric_functions),   sizeof(hearth_model_functions),     sizeof(hearth_optimizer_functions),
    sizeof(hearth_renderer_functions), sizeof(hearth_scheduler_functions), sizeof(hearth_diagnostic_functions)};
#undef HEARTH_END_OF

std::string str(const char* s) { return s ? s : ""; }

/// A string the plugin hands over, which must be UTF-8: it is printed, and stored as JSON.
std::string text(const char* s, const std::string& what) {
  std::string out = str(s);
  if (!is_utf8(out)) throw LibraryRefusal(what + " is not valid UTF-8: \"" + printable(out) + "\"");
  return out;
}

uint32_t size_of(const void* plugin_struct) {
  uint32_t n = 0;
  std::memcpy(&n, plugin_struct, sizeof n);
  return n;
}

void copy_struct(void* host_struct, size_t host_size, const void* plugin_struct) {
  std::memset(host_struct, 0, host_size);
  std::memcpy(host_struct, plugin_struct, std::min<size_t>(size_of(plugin_struct), host_size));
}

void need_size(const void* plugin_struct, size_t minimum, const std::string& what) {
  uint32_t n = size_of(plugin_struct);
  if (n < minimum)
    throw LibraryRefusal(what + " has struct_size " + std::to_string(n) + " but plugin ABI " +
                         std::to_string(HEARTH_ABI_MAJOR) + ".0 needs at least " + std::to_string(minimum) +
                         "; rebuild the plugin with the current Hearth SDK");
}

}  // namespace

void check_versions(const hearth_library_descriptor& d) {
  const HostFacts& host = host_facts();
  std::string has = "built for plugin ABI " + std::to_string(d.abi_major) + "." + std::to_string(d.abi_minor) +
                    ", LibTorch " + std::to_string(d.torch_major) + "." + std::to_string(d.torch_minor) +
                    ", CXX11 ABI " + std::to_string(d.cxx11_abi) + " (" + printable(str(d.compiler)) + ")";
  std::string needs = "this host needs plugin ABI " + std::to_string(host.abi_major) + ".0-" +
                      std::to_string(host.abi_major) + "." + std::to_string(host.abi_minor) + ", LibTorch " +
                      std::to_string(host.torch_major) + "." + std::to_string(host.torch_minor) + ", CXX11 ABI " +
                      std::to_string(host.cxx11_abi);
  auto refuse = [&](const std::string& what) {
    throw LibraryRefusal(what + ": " + has + "; " + needs + ". Rebuild the plugin against this Hearth and LibTorch");
  };
  if (d.abi_major != host.abi_major) refuse("plugin ABI major differs");
  if (d.abi_minor > host.abi_minor) refuse("plugin ABI minor is newer than the host's");
  if (d.torch_major != host.torch_major || d.torch_minor != host.torch_minor) refuse("LibTorch version differs");
  if (d.cxx11_abi != -1 && host.cxx11_abi != -1 && d.cxx11_abi != host.cxx11_abi) refuse("_GLIBCXX_USE_CXX11_ABI differs");
}

namespace {

ParamInfo read_param(const hearth_param_spec* plugin_spec, const std::string& where) {
  if (plugin_spec == nullptr) throw LibraryRefusal(where + " has a null parameter entry");
  need_size(plugin_spec, kMinParam, where + " parameter spec");
  hearth_param_spec s;
  copy_struct(&s, sizeof s, plugin_spec);
  static const std::regex key_re("[a-z][a-z0-9_]*");
  ParamInfo p;
  p.key = str(s.key);
  if (!std::regex_match(p.key, key_re))
    throw LibraryRefusal(where + " has a parameter key '" + printable(p.key) + "' that is not [a-z][a-z0-9_]*");
  const int64_t type = raw_enum(s.type);
  if (type < HEARTH_PARAM_BOOL || type > HEARTH_PARAM_STRING_LIST)
    throw LibraryRefusal(where + " parameter '" + p.key + "' has unknown type " + std::to_string(type));
  p.type = static_cast<hearth_param_type>(type);
  const std::string param = where + " parameter '" + p.key + "'";
  if (s.default_toml) p.default_toml = text(s.default_toml, param + "'s default");
  if (s.has_min) p.min = s.min;
  if (s.has_max) p.max = s.max;
  for (size_t i = 0; s.choices && i < s.choice_count; ++i) p.choices.push_back(text(s.choices[i], param + "'s choice"));
  p.doc = text(s.doc, param + "'s doc");
  // A plugin older than ABI 1.3 has no kind: the copy zero-filled it (plain).
  if (s.kind > HEARTH_PARAM_FOLDER) throw LibraryRefusal(param + " has unknown kind " + std::to_string(s.kind));
  if (s.kind != HEARTH_PARAM_PLAIN && s.type != HEARTH_PARAM_STRING && s.type != HEARTH_PARAM_STRING_LIST)
    throw LibraryRefusal(param + " names a file or folder but is not a string or a list of strings");
  p.kind = static_cast<hearth_param_kind>(s.kind);
  if (p.default_toml) {
    try {
      // Kept as Hearth writes values: the SDK prints floats with 17 digits (0.9 as
      // 0.90000000000000002), which forms, docs and `plugins describe` would show.
      p.default_toml = to_toml_text(check_default(p));
    } catch (const Error& e) {
      throw LibraryRefusal(where + " parameter '" + p.key + "': " + e.what());
    }
  }
  return p;
}

void check_table(const ModuleTables& t, const std::string& where) {
  auto missing = [&](const char* entry) {
    throw LibraryRefusal(where + " has no '" + entry + "' function; every " + category_name(t.descriptor.category) +
                         " must provide it");
  };
  const auto& f = t.functions;
  switch (t.descriptor.category) {
    case HEARTH_CATEGORY_DATASET:
      if (!f.dataset.size) missing("size");
      if (!f.dataset.get) missing("get");
      if (!f.dataset.tensor_count) missing("tensor_count");
      if (!f.dataset.tensor_name) missing("tensor_name");
      if (!f.dataset.tensor_role) missing("tensor_role");
      if (!f.dataset.class_count) missing("class_count");
      if (!f.dataset.class_name) missing("class_name");
      break;
    case HEARTH_CATEGORY_ANALYZER:
      if (!f.analyzer.start) missing("start");
      if (!f.analyzer.take) missing("take");
      if (!f.analyzer.finish) missing("finish");
      if (!f.analyzer.report) missing("report");
      if (!f.analyzer.summary) missing("summary");
      break;
    case HEARTH_CATEGORY_LOSS:
      if (!f.loss.forward) missing("forward");
      break;
    case HEARTH_CATEGORY_METRIC:
      if (!f.metric.update) missing("update");
      if (!f.metric.compute) missing("compute");
      if (!f.metric.reset) missing("reset");
      if (!f.metric.higher_is_better) missing("higher_is_better");
      break;
    case HEARTH_CATEGORY_MODEL:
      if (!f.model.forward) missing("forward");
      if (!f.model.parameters) missing("parameters");
      if (!f.model.train) missing("train");
      if (!f.model.to_device) missing("to_device");
      if (!f.model.save_state) missing("save_state");
      if (!f.model.load_state) missing("load_state");
      break;
    case HEARTH_CATEGORY_OPTIMIZER:
      if (!f.optimizer.bind) missing("bind");
      if (!f.optimizer.step) missing("step");
      if (!f.optimizer.zero_grad) missing("zero_grad");
      if (!f.optimizer.group_count) missing("group_count");
      if (!f.optimizer.get_lr) missing("get_lr");
      if (!f.optimizer.set_lr) missing("set_lr");
      if (!f.optimizer.save_state) missing("save_state");
      if (!f.optimizer.load_state) missing("load_state");
      break;
    case HEARTH_CATEGORY_SCHEDULER:
      if (!f.scheduler.start) missing("start");
      if (!f.scheduler.interval) missing("interval");
      if (!f.scheduler.step) missing("step");
      if (!f.scheduler.current_lr) missing("current_lr");
      if (!f.scheduler.save_state) missing("save_state");
      if (!f.scheduler.load_state) missing("load_state");
      break;
    case HEARTH_CATEGORY_RENDERER:
      if (!f.renderer.render) missing("render");
      break;
    case HEARTH_CATEGORY_DIAGNOSTIC:
      if (!f.diagnostic.run) missing("run");
      if (!f.diagnostic.draw) missing("draw");
      break;
    default:
      break;
  }
}

ModuleTables read_module(const hearth_module_descriptor* plugin_module, size_t index, ModuleInfo& info) {
  std::string where = "module #" + std::to_string(index);
  if (plugin_module == nullptr) throw LibraryRefusal(where + " is a null pointer");
  need_size(plugin_module, kMinModule, where + " descriptor");
  ModuleTables t;
  copy_struct(&t.descriptor, sizeof t.descriptor, plugin_module);
  const hearth_module_descriptor& d = t.descriptor;
  static const std::regex name_re("[a-z][a-z0-9_]*");
  info.name = str(d.name);
  if (!std::regex_match(info.name, name_re))
    throw LibraryRefusal(where + " has the name '" + printable(info.name) + "', which is not [a-z][a-z0-9_]*");
  const int64_t category = raw_enum(d.category);
  if (category < 0 || category >= HEARTH_CATEGORY_COUNT)
    throw LibraryRefusal("module '" + info.name + "' has unknown category " + std::to_string(category));
  info.category = d.category;
  where = std::string(category_name(d.category)) + " '" + info.name + "'";
  info.summary = text(d.summary, where + "'s summary");
  info.doc = text(d.doc, where + "'s doc");
  if (!d.create || !d.destroy) throw LibraryRefusal(where + " has no create or destroy function");
  if (!d.functions) throw LibraryRefusal(where + " has no function table");
  need_size(d.functions, kMinTable[d.category], where + " function table");
  copy_struct(&t.functions, kHostTable[d.category], d.functions);
  check_table(t, where);
  if (d.param_count > 0 && d.params == nullptr) throw LibraryRefusal(where + " declares parameters but no array");
  std::set<std::string> keys;
  // Specs are an array of the plugin's struct size, which may differ from ours.
  const char* base = reinterpret_cast<const char*>(d.params);
  for (size_t i = 0; i < d.param_count; ++i) {
    const auto* spec = reinterpret_cast<const hearth_param_spec*>(base + i * size_of(d.params));
    ParamInfo p = read_param(spec, where);
    if (!keys.insert(p.key).second) throw LibraryRefusal(where + " declares parameter '" + p.key + "' twice");
    if (p.key == "plugin") throw LibraryRefusal(where + " declares 'plugin', a key jobs reserve");
    info.params.push_back(std::move(p));
  }
  return t;
}

}  // namespace

CheckedLibrary read_library(const hearth_library_descriptor* plugin_descriptor) {
  if (plugin_descriptor == nullptr) throw LibraryRefusal("its hearth_entry returned no descriptor");
  need_size(plugin_descriptor, kMinLibrary, "the library descriptor");
  hearth_library_descriptor d;
  copy_struct(&d, sizeof d, plugin_descriptor);
  check_versions(d);
  CheckedLibrary out;
  out.info.abi_major = d.abi_major;
  out.info.abi_minor = d.abi_minor;
  out.info.torch_major = d.torch_major;
  out.info.torch_minor = d.torch_minor;
  out.info.cxx11_abi = d.cxx11_abi;
  out.info.compiler = text(d.compiler, "the library's compiler string");
  out.info.pack_name = str(d.pack_name);
  out.info.pack_version = text(d.pack_version, "the library's pack version");
  if (out.info.pack_name.empty()) throw LibraryRefusal("the library descriptor has no pack name");
  if (!is_pack_name(out.info.pack_name))
    throw LibraryRefusal("the library's pack name '" + printable(out.info.pack_name) + "' is not " + kPackNameRule);
  if (d.module_count > 0 && d.modules == nullptr) throw LibraryRefusal("the library declares modules but no array");
  std::set<std::pair<int, std::string>> seen;
  for (size_t i = 0; i < d.module_count; ++i) {
    ModuleInfo info;
    ModuleTables tables = read_module(d.modules[i], i, info);
    if (!seen.insert({info.category, info.name}).second)
      throw LibraryRefusal(std::string("the library offers ") + category_name(info.category) + " '" + info.name +
                           "' twice");
    out.info.modules.push_back(std::move(info));
    out.tables.push_back(tables);
  }
  return out;
}

}  // namespace hearth
