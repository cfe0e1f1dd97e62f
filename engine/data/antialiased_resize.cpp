#include "engine/data/antialiased_resize.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace hearth {
namespace {

constexpr int kPrecision = 22;  // 32 bits - 8 for the pixel - 2 of headroom, as Pillow

/// The filter of one axis: for each output pixel, the first input pixel it reads, how many, and
/// their weights in fixed point.
struct AxisFilter {
  int taps = 0;  ///< weights per output pixel (the widest support)
  std::vector<int> first, count;
  std::vector<int32_t> weights;  ///< [output][taps]
};

AxisFilter axis_filter(int64_t in_size, int64_t out_size) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double filter_scale = std::max(scale, 1.0);
  const double support = filter_scale;  // the triangle's support is 1, widened when shrinking
  AxisFilter f;
  f.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  f.first.resize(static_cast<size_t>(out_size));
  f.count.resize(static_cast<size_t>(out_size));
  f.weights.assign(static_cast<size_t>(out_size * f.taps), 0);
  std::vector<double> w(static_cast<size_t>(f.taps));
  for (int64_t o = 0; o < out_size; ++o) {
    const double center = (static_cast<double>(o) + 0.5) * scale;
    const int lo = std::max(0, static_cast<int>(center - support + 0.5));
    const int hi = std::min(static_cast<int>(in_size), static_cast<int>(center + support + 0.5));
    double total = 0;
    for (int i = lo; i < hi; ++i) {
      const double x = std::abs((i - center + 0.5) / filter_scale);
      w[static_cast<size_t>(i - lo)] = x < 1.0 ? 1.0 - x : 0.0;
      total += w[static_cast<size_t>(i - lo)];
    }
    f.first[static_cast<size_t>(o)] = lo;
    f.count[static_cast<size_t>(o)] = hi - lo;
    for (int i = 0; i < hi - lo; ++i) {
      const double v = total != 0 ? w[static_cast<size_t>(i)] / total : 0;
      f.weights[static_cast<size_t>(o * f.taps + i)] = static_cast<int32_t>(v * (1 << kPrecision) + (v < 0 ? -0.5 : 0.5));
    }
  }
  return f;
}

inline uint8_t to_byte(int32_t sum) {
  const int32_t v = sum >> kPrecision;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

/// Every row of `planes` ([rows][in_w] bytes) resized along x into `out` ([rows][out_w]).
void resize_rows(const uint8_t* in, int64_t rows, int64_t in_w, const AxisFilter& f, int64_t out_w, uint8_t* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* row = in + r * in_w;
    uint8_t* dst = out + r * out_w;
    for (int64_t o = 0; o < out_w; ++o) {
      const int32_t* k = f.weights.data() + o * f.taps;
      const uint8_t* src = row + f.first[static_cast<size_t>(o)];
      int32_t sum = 1 << (kPrecision - 1);
      for (int i = 0; i < f.count[static_cast<size_t>(o)]; ++i) sum += src[i] * k[i];
      dst[o] = to_byte(sum);
    }
  }
}

/// Each plane of `in` ([planes][in_h][w]) resized along y into `out` ([planes][out_h][w]),
/// a whole output row at a time so that the inner loop runs along memory.
void resize_columns(const uint8_t* in, int64_t planes, int64_t in_h, int64_t w, const AxisFilter& f, int64_t out_h, uint8_t* out) {
  std::vector<int32_t> acc(static_cast<size_t>(w));
  for (int64_t p = 0; p < planes; ++p) {
    const uint8_t* plane = in + p * in_h * w;
    for (int64_t o = 0; o < out_h; ++o) {
      std::fill(acc.begin(), acc.end(), 1 << (kPrecision - 1));
      const int32_t* k = f.weights.data() + o * f.taps;
      for (int i = 0; i < f.count[static_cast<size_t>(o)]; ++i) {
        const uint8_t* src = plane + (f.first[static_cast<size_t>(o)] + i) * w;
        const int32_t weight = k[i];
        for (int64_t x = 0; x < w; ++x) acc[static_cast<size_t>(x)] += src[x] * weight;
      }
      uint8_t* dst = out + (p * out_h + o) * w;
      for (int64_t x = 0; x < w; ++x) dst[x] = to_byte(acc[static_cast<size_t>(x)]);
    }
  }
}

}  // namespace

at::Tensor antialiased_resize(const at::Tensor& image, int64_t height, int64_t width) {
  const at::Tensor in = image.contiguous();
  const int64_t c = in.size(0), h = in.size(1), w = in.size(2);
  if (h == height && w == width) return in;
  // Pillow's order: across first, then down; a pass that changes nothing is left out.
  at::Tensor across = in;
  if (w != width) {
    across = at::empty({c, h, width}, in.options());
    resize_rows(in.data_ptr<uint8_t>(), c * h, w, axis_filter(w, width), width, across.data_ptr<uint8_t>());
  }
  if (h == height) return across;
  at::Tensor out = at::empty({c, height, width}, in.options());
  resize_columns(across.data_ptr<uint8_t>(), c, h, width, axis_filter(h, height), height, out.data_ptr<uint8_t>());
  return out;
}

}  // namespace hearth
