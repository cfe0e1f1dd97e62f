#include "engine/jobs/tensor_files.hpp"

#include <ATen/ATen.h>
#include <cairo.h>
#include <zlib.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "engine/core/error.hpp"
#include "engine/data/npy_bytes.hpp"

namespace hearth {
namespace {

std::string extension(const std::filesystem::path& f) {
  std::string e = f.extension().string();
  if (e == ".gz") e = f.stem().extension().string() + ".gz";
  std::transform(e.begin(), e.end(), e.begin(), ::tolower);
  return e;
}

std::string read_all(const std::filesystem::path& file, bool gunzip) {
  std::string data;
  if (gunzip) {
    gzFile f = gzopen(file.c_str(), "rb");  // zlib reads raw files through unchanged
    if (!f) throw Error("cannot open " + file.string());
    char buf[1 << 16];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
    gzclose(f);
    return data;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot open " + file.string());
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

at::Tensor read_npy(const std::filesystem::path& file) {
  std::string b = read_all(file, false);
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) throw Error(file.string() + " is not a .npy file");
  size_t len = b[6] == 1 ? (static_cast<unsigned char>(b[8]) | static_cast<unsigned char>(b[9]) << 8) : 0;
  size_t off = 10;
  if (b[6] != 1) {
    for (int i = 0; i < 4; ++i) len |= static_cast<size_t>(static_cast<unsigned char>(b[8 + i])) << (8 * i);
    off = 12;
  }
  std::string header = b.substr(off, len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'<?([fiu])([0-9])'")))
    throw Error(file.string() + ": unsupported dtype (little-endian float, int or uint8 only)");
  std::string kind = m[1];
  int width = std::stoi(m[2]);
  at::ScalarType type = kind == "f" ? (width == 4 ? at::kFloat : at::kDouble)
                        : kind == "u" ? at::kByte
                        : width == 8  ? at::kLong
                                      : at::kInt;
  std::vector<int64_t> shape;
  std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"));
  std::string dims = m[1];
  static const std::regex number("[0-9]+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) shape.push_back(std::stoll(it->str()));
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  if (b.size() < off + len + static_cast<size_t>(count * width)) throw Error(file.string() + " is truncated");
  return at::from_blob(b.data() + off + len, shape, type).clone();
}

at::Tensor read_idx(const std::filesystem::path& file) {
  std::string d = read_all(file, true);
  if (d.size() < 4 || d[0] != 0 || d[1] != 0 || d[2] != 8) throw Error(file.string() + " is not an unsigned-byte IDX file");
  int dims = d[3];
  std::vector<int64_t> shape;
  int64_t count = 1;
  for (int i = 0; i < dims; ++i) {
    const auto* p = reinterpret_cast<const unsigned char*>(d.data() + 4 + 4 * i);
    shape.push_back(int64_t(p[0]) << 24 | int64_t(p[1]) << 16 | int64_t(p[2]) << 8 | p[3]);
    count *= shape.back();
  }
  if (d.size() < static_cast<size_t>(4 + 4 * dims + count)) throw Error(file.string() + " is truncated");
  at::Tensor t = at::from_blob(d.data() + 4 + 4 * dims, shape, at::kByte).clone().to(at::kFloat).div(255.0);
  return t.dim() == 3 ? t.unsqueeze(1) : t;  // images: N, 1, H, W
}

at::Tensor read_csv(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("cannot open " + file.string());
  std::vector<float> values;
  int64_t rows = 0, cols = -1;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    std::vector<float> row;
    std::stringstream ss(line);
    bool text = false;
    for (std::string cell; std::getline(ss, cell, ',');) {
      char* end = nullptr;
      float v = std::strtof(cell.c_str(), &end);
      if (end == cell.c_str() || *end != '\0') text = true;
      row.push_back(v);
    }
    if (text && rows == 0 && n == 1) continue;  // header
    if (text) throw Error(file.string() + ":" + std::to_string(n) + ": not all cells are numbers");
    if (cols >= 0 && static_cast<int64_t>(row.size()) != cols)
      throw Error(file.string() + ":" + std::to_string(n) + ": " + std::to_string(row.size()) + " cells, expected " + std::to_string(cols));
    cols = static_cast<int64_t>(row.size());
    values.insert(values.end(), row.begin(), row.end());
    ++rows;
  }
  if (rows == 0) throw Error(file.string() + " has no rows of numbers");
  return at::tensor(values).reshape({rows, cols});
}

at::Tensor read_png(const std::filesystem::path& file) {
  cairo_surface_t* s = cairo_image_surface_create_from_png(file.c_str());
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    throw Error("cannot read PNG " + file.string());
  }
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s), stride = cairo_image_surface_get_stride(s);
  bool gray = true;
  at::Tensor rgb = at::empty({3, h, w}, at::kFloat);
  auto acc = rgb.accessor<float, 3>();
  const unsigned char* data = cairo_image_surface_get_data(s);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint32_t px = reinterpret_cast<const uint32_t*>(data + y * stride)[x];
      float r = ((px >> 16) & 0xff) / 255.0f, g = ((px >> 8) & 0xff) / 255.0f, b = (px & 0xff) / 255.0f;
      acc[0][y][x] = r, acc[1][y][x] = g, acc[2][y][x] = b;
      gray = gray && r == g && g == b;
    }
  cairo_surface_destroy(s);
  return (gray ? rgb.slice(0, 0, 1) : rgb).unsqueeze(0);
}

}  // namespace

at::Tensor read_tensor_file(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) throw UsageError("input file " + file.string() + " does not exist");
  std::string ext = extension(file);
  if (ext == ".npy") return read_npy(file);
  if (ext == ".csv") return read_csv(file);
  if (ext == ".png") return read_png(file);
  if (ext.find("ubyte") != std::string::npos || ext.find("idx") != std::string::npos) return read_idx(file);
  throw UsageError("cannot read " + file.string() + ": give an .npy, .csv, .png or IDX (*-ubyte[.gz]) file");
}

void write_tensor_file(const std::filesystem::path& file, const at::Tensor& tensor) {
  at::Tensor t = tensor.detach().to(at::kCPU, at::kFloat).contiguous();
  std::string ext = extension(file);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("cannot write " + file.string());
  if (ext == ".npy") {
    out << npy_bytes(t, file.string());
  } else {
    at::Tensor rows = t.dim() == 0 ? t.reshape({1, 1}) : t.reshape({t.size(0), -1});
    auto acc = rows.accessor<float, 2>();
    out.precision(7);
    for (int64_t r = 0; r < rows.size(0); ++r) {
      for (int64_t c = 0; c < rows.size(1); ++c) out << (c ? "," : "") << acc[r][c];
      out << '\n';
    }
  }
  if (!out) throw Error("cannot write " + file.string());
}

}  // namespace hearth
