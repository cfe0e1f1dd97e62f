// What this host was built with: the facts a plugin must match.
#pragma once

#include <cstdint>
#include <string>

namespace hearth {

struct HostFacts {
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t torch_major;
  uint32_t torch_minor;
  int32_t cxx11_abi;
  std::string torch_version;  ///< "1.13.0"
  std::string hearth_version;
};

const HostFacts& host_facts();

/// One line for --version and the scan cache key: "hearth 0.1.0 (plugin ABI 1.0, LibTorch 1.13.0)".
std::string host_facts_line();

}  // namespace hearth
