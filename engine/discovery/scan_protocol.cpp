#include "engine/discovery/scan_protocol.hpp"

#include "engine/core/error.hpp"

namespace hearth::scan_protocol {

std::string frame(const std::string& body) {
  if (body.size() > kMaxMessage) throw Error("a scanner message of " + std::to_string(body.size()) + " bytes is too large");
  const auto n = static_cast<uint32_t>(body.size());
  std::string out{static_cast<char>(n & 0xFF), static_cast<char>(n >> 8 & 0xFF), static_cast<char>(n >> 16 & 0xFF),
                  static_cast<char>(n >> 24 & 0xFF)};
  return out + body;
}

bool take_frame(std::string& buffer, std::string& body) {
  if (buffer.size() < 4) return false;
  uint32_t n = 0;
  for (int i = 3; i >= 0; --i) n = n << 8 | static_cast<uint8_t>(buffer[static_cast<size_t>(i)]);
  if (n > kMaxMessage) throw Error("the scanner announced a message of " + std::to_string(n) + " bytes");
  if (buffer.size() < 4 + static_cast<size_t>(n)) return false;
  body = buffer.substr(4, n);
  buffer.erase(0, 4 + static_cast<size_t>(n));
  return true;
}

}  // namespace hearth::scan_protocol
