// Registration: HEARTH_REGISTER per module class, HEARTH_PACK once per library.
#pragma once

#include <boost/dll/alias.hpp>
#include <torch/version.h>

#include <deque>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "hearth/abi.h"
#include "hearth/sdk/bindings.hpp"

namespace hearth::detail {

template <class T, class = void>
struct has_schema : std::false_type {};
template <class T>
struct has_schema<T, std::void_t<decltype(T::schema())>> : std::true_type {};

/// One registered module: owns every string and array its C descriptor points into.
struct Registration {
  std::string name, summary, doc;
  Schema schema;
  std::vector<hearth_param_spec> specs;
  hearth_module_descriptor descriptor{};
};

HEARTH_SDK_LOCAL inline std::deque<Registration>& registrations() {
  static std::deque<Registration> all;  // deque: descriptors never move once made
  return all;
}

template <class T>
bool register_module(const char* name, const char* summary, const char* doc) {
  static_assert(std::is_constructible_v<T, const Params&>, "a module needs a constructor taking const hearth::Params&");
  Registration& r = registrations().emplace_back();
  r.name = name;
  r.summary = summary;
  r.doc = doc;
  if constexpr (has_schema<T>::value) r.schema = T::schema();
  for (Param& p : r.schema) r.specs.push_back(p.spec());
  hearth_module_descriptor& d = r.descriptor;
  d.struct_size = sizeof(hearth_module_descriptor);
  d.category = T::category;
  d.name = r.name.c_str();
  d.summary = r.summary.c_str();
  d.doc = r.doc.c_str();
  d.params = r.specs.data();
  d.param_count = r.specs.size();
  d.create = &Binding<T>::create;
  d.destroy = &Binding<T>::destroy;
  d.functions = Binding<T>::functions();
  return true;
}

/// Body of the library entry made by HEARTH_PACK.
HEARTH_SDK_LOCAL inline const hearth_library_descriptor* library_entry(const hearth_host_api* host, const char* pack,
                                                                         const char* version) noexcept {
  try {
    host_slot() = host;
    static std::vector<const hearth_module_descriptor*> modules;
    static hearth_library_descriptor library{};
    if (library.struct_size == 0) {
      for (Registration& r : registrations()) modules.push_back(&r.descriptor);
      library.struct_size = sizeof(hearth_library_descriptor);
      library.abi_major = HEARTH_ABI_MAJOR;
      library.abi_minor = HEARTH_ABI_MINOR;
      library.torch_major = TORCH_VERSION_MAJOR;
      library.torch_minor = TORCH_VERSION_MINOR;
#ifdef _GLIBCXX_USE_CXX11_ABI
      library.cxx11_abi = _GLIBCXX_USE_CXX11_ABI;
#else
      library.cxx11_abi = -1;
#endif
#if defined(__clang__)
      library.compiler = __VERSION__;  // "Debian Clang 14.0.6": Clang's own words name it
#else
      library.compiler = "GCC " __VERSION__;
#endif
      library.pack_name = pack;
      library.pack_version = version;
      library.modules = modules.data();
      library.module_count = modules.size();
    }
    return &library;
  } catch (...) {
    return nullptr;
  }
}

}  // namespace hearth::detail

#define HEARTH_DETAIL_CONCAT2(a, b) a##b
#define HEARTH_DETAIL_CONCAT(a, b) HEARTH_DETAIL_CONCAT2(a, b)

/// Register module class `Class` under `name` (its category comes from its base class).
#define HEARTH_REGISTER(Class, name, summary, doc)                                        \
  namespace {                                                                             \
  const bool HEARTH_DETAIL_CONCAT(hearth_registered_, __LINE__) =                         \
      ::hearth::detail::register_module<Class>(name, summary, doc);                       \
  }

/// Define the library entry: once per library, in any one of its source files.
#define HEARTH_PACK(pack_name, pack_version)                                                       \
  extern "C" HEARTH_SDK_LOCAL const hearth_library_descriptor* hearth_library_entry_impl(         \
      const hearth_host_api* host) noexcept {                                                      \
    return ::hearth::detail::library_entry(host, pack_name, pack_version);                        \
  }                                                                                                \
  BOOST_DLL_ALIAS_SECTIONED(hearth_library_entry_impl, hearth_entry, hearth)
