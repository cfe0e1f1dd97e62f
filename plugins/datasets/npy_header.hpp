// The .npy format's header (format 1.0-3.0): dtype, shape and where the data starts, checked
// against the bytes there are. Torch-free and compiled once (npy_header.cpp: its patterns are
// std::regex, whose templates cost seconds in every file that includes them); npy_format.hpp
// turns it into tensors for the `npy` and `shards` datasets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hearth_datasets {

/// Where an .npy image keeps its array, from its header.
struct NpyHeader {
  std::string dtype;  ///< kind and byte width, as numpy writes them: "f4", "i8", "u1", "b1", ...
  std::vector<int64_t> shape;
  size_t data_offset = 0;
};

/// The header of the .npy image `bytes[0, size)`; `what` names it in errors. Big-endian and
/// Fortran-ordered arrays are refused, and the data must all be there: a shape that claims more
/// than the file holds is refused before anything reads it.
NpyHeader read_npy_header(const uint8_t* bytes, size_t size, const std::string& what);

}  // namespace hearth_datasets
