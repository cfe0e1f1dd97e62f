#include "engine/params/device_request.hpp"

#include <algorithm>
#include <cctype>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth {

std::string DeviceRequest::text() const {
  switch (kind) {
    case Kind::automatic: return "auto";
    case Kind::cpu: return "cpu";
    case Kind::cuda: return index < 0 ? "cuda" : "cuda:" + std::to_string(index);
  }
  return "auto";
}

DeviceRequest parse_device_request(const std::string& text) {
  DeviceRequest r;
  if (text == "auto") return r;
  if (text == "cpu") {
    r.kind = DeviceRequest::Kind::cpu;
    return r;
  }
  if (text.rfind("cuda", 0) == 0) {
    r.kind = DeviceRequest::Kind::cuda;
    const std::string rest = text.substr(4);
    if (rest.empty()) return r;
    const std::string digits = rest.substr(1);
    if (rest[0] == ':' && !digits.empty() && digits.size() <= 4 &&
        std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
      r.index = std::stoi(digits);
      return r;
    }
  }
  throw UsageError("'" + printable(text) + "' is not a device: use auto (CUDA when present), cpu, cuda or cuda:N");
}

}  // namespace hearth
