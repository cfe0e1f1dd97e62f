// The .npy header of npy_header.hpp.
#include "npy_header.hpp"

#include <cstring>
#include <regex>
#include <stdexcept>

namespace hearth_datasets {

NpyHeader read_npy_header(const uint8_t* bytes, size_t size, const std::string& what) {
  if (size < 10 || std::memcmp(bytes, "\x93NUMPY", 6) != 0) throw std::invalid_argument(what + " is not a .npy array");
  const int major = bytes[6];
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<size_t>(bytes[8]) | static_cast<size_t>(bytes[9]) << 8;
    offset = 10;
  } else {
    if (size < 12) throw std::invalid_argument(what + " is truncated");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(bytes[8 + i]) << (8 * i);
    offset = 12;
  }
  if (size < offset + header_len) throw std::invalid_argument(what + " is truncated (header)");
  const std::string header(reinterpret_cast<const char*>(bytes) + offset, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([<>|=])([a-z])([0-9]+)'")))
    throw std::invalid_argument(what + ": unsupported dtype in header " + header);
  std::string order = m[1], kind = m[2];
  const int width = std::stoi(m[3]);
  if (order == ">") throw std::invalid_argument(what + ": big-endian arrays are not supported; save with dtype '<...'");
  if (header.find("'fortran_order': True") != std::string::npos)
    throw std::invalid_argument(what + ": Fortran-ordered arrays are not supported; save np.ascontiguousarray(a)");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) throw std::invalid_argument(what + ": no shape in header");
  NpyHeader out{kind + std::to_string(width), {}, offset + header_len};
  const std::string dims = m[1];
  static const std::regex number("[0-9]+");
  // The byte count is checked for overflow: a hostile header may claim dimensions whose product
  // wraps around to something small.
  uint64_t bytes_needed = static_cast<uint64_t>(width);
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    if (it->str().size() > 18) throw std::invalid_argument(what + ": a dimension of " + it->str() + " is not believable");
    const int64_t d = std::stoll(it->str());
    out.shape.push_back(d);
    if (__builtin_mul_overflow(bytes_needed, static_cast<uint64_t>(d), &bytes_needed))
      throw std::invalid_argument(what + ": its shape claims more bytes than any file holds");
  }
  const size_t data_bytes = size - out.data_offset;
  if (data_bytes < bytes_needed)
    throw std::invalid_argument(what + " is truncated: " + std::to_string(data_bytes) + " of " + std::to_string(bytes_needed) +
                                " data bytes");
  return out;
}

}  // namespace hearth_datasets
