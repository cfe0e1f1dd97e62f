#include "engine/core/host_facts.hpp"

// Only the version header: the host's facts must not pull LibTorch into torch-free binaries.
#include <torch/version.h>

#include "hearth/version.h"

namespace hearth {

const HostFacts& host_facts() {
  static const HostFacts facts{HEARTH_ABI_MAJOR,
                               HEARTH_ABI_MINOR,
                               TORCH_VERSION_MAJOR,
                               TORCH_VERSION_MINOR,
#ifdef _GLIBCXX_USE_CXX11_ABI
                               _GLIBCXX_USE_CXX11_ABI,
#else
                               -1,
#endif
                               TORCH_VERSION,
                               HEARTH_VERSION_STRING};
  return facts;
}

std::string host_facts_line() {
  const HostFacts& f = host_facts();
  return "hearth " + f.hearth_version + " (plugin ABI " + std::to_string(f.abi_major) + "." +
         std::to_string(f.abi_minor) + ", LibTorch " + f.torch_version + ", CXX11 ABI " + std::to_string(f.cxx11_abi) +
         ")";
}

}  // namespace hearth
