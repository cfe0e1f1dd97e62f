// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
// little-endian bytes. Hand-written because no Debian package offers it for C++ (the format is
// ~one page); this part is torch-free: tensors are bytes with a dtype name and a shape.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace hearth {

/// One tensor as the format holds it.
struct SafetensorsTensor {
  std::string name;
  std::string dtype;           ///< "F32", "BF16", "I64", "BOOL"...: safetensors' names
  std::vector<int64_t> shape;  ///< empty: a scalar
  std::string bytes;           ///< little-endian, row-major, exactly elements x dtype size
};

/// A whole file: its tensors in file order and its `__metadata__` (strings only).
struct SafetensorsFile {
  std::vector<SafetensorsTensor> tensors;
  std::map<std::string, std::string> metadata;
};

/// Bytes per element of a safetensors dtype; 0 when the name is not one.
size_t safetensors_dtype_size(const std::string& dtype);

/// The file's bytes: tensors laid out in the order given, the header padded with spaces to a
/// multiple of 8 (as the reference writer does, so that data is aligned). Throws UsageError
/// naming the tensor when a name repeats, is empty, a dtype is unknown or the byte count does
/// not match the shape.
std::string safetensors_bytes(const SafetensorsFile& file);

/// Writes `file` to `path` through a temporary and a rename.
void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& file);

/// Reads and checks a file: header length within the file and at most 100 MB, the header a JSON
/// object of valid entries, byte ranges that match their shapes, lie in the data and cover it
/// without gaps or overlap. Throws UsageError naming the file and the tensor.
SafetensorsFile read_safetensors(const std::filesystem::path& path);

}  // namespace hearth
