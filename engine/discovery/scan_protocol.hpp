// The framing between the host and hearth-plugin-scanner: every message, both ways, is a 4-byte
// little-endian length and that many bytes. A path goes as its raw bytes, a reply as JSON; no
// byte of a file name (a newline, say) or of a plugin's strings can shift one message into the
// next, as a line protocol let it.
#pragma once

#include <cstdint>
#include <string>

namespace hearth::scan_protocol {

/// Messages larger than this are refused: a library's description is a few kilobytes.
constexpr uint32_t kMaxMessage = 16u << 20;

/// `body` framed: its length, then its bytes.
std::string frame(const std::string& body);

/// Takes one whole message off the front of `buffer` into `body`; false while `buffer` holds
/// less than one. Throws Error for a length past kMaxMessage.
bool take_frame(std::string& buffer, std::string& body);

}  // namespace hearth::scan_protocol
