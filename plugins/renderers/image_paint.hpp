// Painting a tensor as an image, shared by the built-in renderers (bitmap, volume, spectrogram,
// bounding_box): value scaling, colour maps, and placing the picture to fit a box with crisp
// pixels when enlarged. Header-only, plugin side.
#pragma once

#include <cairo.h>

#include <algorithm>
#include <hearth/draw.hpp>
#include <hearth/plugin.hpp>
#include <stdexcept>
#include <string>

#include "../common/shape_text.hpp"

namespace hearth_builtin {

/// The colour of v in [0, 1] under a colour map: gray, viridis or heat.
inline hearth::draw::Colour colour_map(const std::string& name, double v) {
  v = std::clamp(v, 0.0, 1.0);
  if (name == "gray") return {v, v, v};
  if (name == "heat") {
    static const hearth::draw::Colour heat[] = {{0, 0, 0}, {0.7, 0, 0}, {1, 0.6, 0}, {1, 1, 0.6}};
    double x = v * 3;
    size_t i = std::min<size_t>(static_cast<size_t>(x), 2);
    double f = x - static_cast<double>(i);
    return {heat[i][0] + (heat[i + 1][0] - heat[i][0]) * f, heat[i][1] + (heat[i + 1][1] - heat[i][1]) * f,
            heat[i][2] + (heat[i + 1][2] - heat[i][2]) * f};
  }
  return hearth::draw::viridis(v);
}

/// `t` (any real dtype) as float64 stretched to [0, 1] by its own range (normalize) or clamped.
inline torch::Tensor unit_range(const torch::Tensor& t, bool normalize) {
  torch::Tensor d = t.detach().to(torch::kCPU, torch::kFloat64);
  if (normalize && d.numel() > 0) {
    double lo = d.min().item<double>(), hi = d.max().item<double>();
    d = hi > lo ? (d - lo) / (hi - lo) : torch::zeros_like(d);
  }
  return d.clamp(0, 1);
}

/// Where an image of cols x rows landed inside a box: pixel (x, y) of the image is at
/// (left + x * scale, top + y * scale).
struct Placement {
  double left = 0, top = 0, scale = 1;
};

/// Paints a [1|3, H, W] tensor of values in [0, 1] (one channel through `colormap`) centred in
/// `box`, as large as fits.
inline Placement paint_image(cairo_t* cr, const hearth::draw::Box& box, const torch::Tensor& chw, const std::string& colormap) {
  torch::Tensor t = chw.contiguous();
  int rows = static_cast<int>(t.size(1)), cols = static_cast<int>(t.size(2));
  cairo_surface_t* image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, cols, rows);
  cairo_surface_flush(image);
  unsigned char* data = cairo_image_surface_get_data(image);
  int stride = cairo_image_surface_get_stride(image);
  auto acc = t.accessor<double, 3>();
  auto byte = [](double v) { return static_cast<uint32_t>(std::clamp(v, 0.0, 1.0) * 255.0 + 0.5); };
  for (int y = 0; y < rows; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(data + y * stride);
    for (int x = 0; x < cols; ++x) {
      hearth::draw::Colour c = t.size(0) == 3 ? hearth::draw::Colour{acc[0][y][x], acc[1][y][x], acc[2][y][x]}
                                              : colour_map(colormap, acc[0][y][x]);
      row[x] = (byte(c[0]) << 16) | (byte(c[1]) << 8) | byte(c[2]);
    }
  }
  cairo_surface_mark_dirty(image);
  Placement p;
  p.scale = std::min(box.width / cols, box.height / rows);
  p.left = box.x + (box.width - cols * p.scale) / 2;
  p.top = box.y + (box.height - rows * p.scale) / 2;
  cairo_save(cr);
  cairo_translate(cr, p.left, p.top);
  cairo_scale(cr, p.scale, p.scale);
  cairo_set_source_surface(cr, image, 0, 0);
  // Small images (28x28) stay crisp pixels instead of a blur.
  cairo_pattern_set_filter(cairo_get_source(cr), p.scale >= 2 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(image);
  return p;
}

/// White background over the whole context.
inline void clear(cairo_t* cr) {
  cairo_save(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_restore(cr);
}

}  // namespace hearth_builtin
