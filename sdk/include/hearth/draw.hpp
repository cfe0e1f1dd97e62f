// Drawing helpers for pictures made with Cairo: fonts, text, ticks, colours, bar charts and
// histograms. Header-only and free of LibTorch, so that plugins (analyzer reports, renderers) and
// the host's plots draw alike: the same font, palette and axes everywhere.
//
//   #include <hearth/draw.hpp>
//   hearth::draw::bar_chart(cr, {0, 0, width, height}, "Class balance", "samples", names, counts);
#pragma once

#include <cairo.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace hearth::draw {

/// An RGB colour, components in [0, 1].
using Colour = std::array<double, 3>;

/// A rectangle in pixels.
struct Box {
  double x = 0, y = 0, width = 0, height = 0;
};

/// A colour of a qualitative palette (Tableau 10), cycling.
inline Colour palette_colour(size_t index) {
  static const Colour tableau[] = {{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
                                   {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
                                   {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
                                   {0.090, 0.745, 0.812}};
  return tableau[index % 10];
}

/// A colour along viridis for t in [0, 1] (perceptually uniform, readable in grey).
inline Colour viridis(double t) {
  static const Colour anchors[] = {{0.267, 0.005, 0.329}, {0.229, 0.322, 0.546}, {0.128, 0.567, 0.551},
                                   {0.369, 0.789, 0.383}, {0.993, 0.906, 0.144}};
  double x = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * 4.0;
  size_t i = std::min<size_t>(static_cast<size_t>(x), 3);
  double f = x - static_cast<double>(i);
  Colour c;
  for (size_t k = 0; k < 3; ++k) c[k] = anchors[i][k] + (anchors[i + 1][k] - anchors[i][k]) * f;
  return c;
}

inline void set_colour(cairo_t* cr, const Colour& c, double alpha = 1) { cairo_set_source_rgba(cr, c[0], c[1], c[2], alpha); }

/// DejaVu Sans (Debian's fonts-dejavu-core) at `size` pixels.
inline void set_font(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

/// Width of `text` in the current font.
inline double text_width(cairo_t* cr, const std::string& text) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, text.c_str(), &e);
  return e.x_advance;
}

/// Draws `text` with its left (align 0), centre (0.5) or right (1) edge at x, baseline at y.
inline void text(cairo_t* cr, const std::string& s, double x, double y, double align = 0) {
  cairo_move_to(cr, x - text_width(cr, s) * align, y);
  cairo_show_text(cr, s.c_str());
}

/// `s` cut with an ellipsis to fit `width` in the current font.
inline std::string fit_text(cairo_t* cr, std::string s, double width) {
  if (text_width(cr, s) <= width) return s;
  while (!s.empty() && text_width(cr, s + "…") > width) {
    s.pop_back();
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();  // whole UTF-8 characters
  }
  return s + "…";
}

/// "Nice" tick values (1, 2, 2.5, 5 times a power of ten) inside [lo, hi], about `count` of them.
inline std::vector<double> nice_ticks(double lo, double hi, int count) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  double raw = (hi - lo) / std::max(count, 1);
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power * 10;
  for (double f : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= f * power) {
      step = f * power;
      break;
    }
  std::vector<double> ticks;
  // Multiples of the step, not a running sum: no drift from 0.6 to 0.6000000000000001.
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; ++k) ticks.push_back(k == 0 ? 0.0 : k * step);
  return ticks;
}

/// A number as a tick label: short, without trailing zeros.
inline std::string tick_label(double v) {
  char buf[32];
  double a = std::abs(v);
  if (a != 0 && (a < 1e-4 || a >= 1e6)) std::snprintf(buf, sizeof buf, "%.1e", v);
  else std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

/// A tick at height y: a light grid line from left to right (when `grid`) and its label to the left.
inline void y_tick(cairo_t* cr, double left, double right, double y, const std::string& label, bool grid = true) {
  y = std::round(y) + 0.5;
  if (grid) {
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, left, y);
    cairo_line_to(cr, right, y);
    cairo_stroke(cr);
  }
  cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
  text(cr, label, left - 6, y + 4, 1);
}

/// A tick at x: a light grid line from top to bottom (when `grid`) and its label below.
inline void x_tick(cairo_t* cr, double top, double bottom, double x, const std::string& label, bool grid = true) {
  x = std::round(x) + 0.5;
  if (grid) {
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, x, top);
    cairo_line_to(cr, x, bottom);
    cairo_stroke(cr);
  }
  cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
  text(cr, label, x, bottom + 15, 0.5);
}

/// A bold title centred at the top of `box`; returns the height it used.
inline double title(cairo_t* cr, const Box& box, const std::string& s, double size = 16) {
  set_font(cr, size, true);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  text(cr, fit_text(cr, s, box.width - 16), box.x + box.width / 2, box.y + size + 8, 0.5);
  return size + 16;
}

/// Vertical bars, one per label, with a y axis of nice ticks labelled `y_label`, the value above
/// each bar, and the labels under the bars (rotated when they do not fit side by side).
inline void bar_chart(cairo_t* cr, const Box& box, const std::string& heading, const std::string& y_label,
                      const std::vector<std::string>& labels, const std::vector<double>& values,
                      const Colour& colour = palette_colour(0)) {
  cairo_save(cr);
  double used = title(cr, box, heading);
  double top_value = 0;
  for (double v : values) top_value = std::max(top_value, std::isfinite(v) ? v : 0.0);
  if (top_value <= 0) top_value = 1;
  std::vector<double> ticks = nice_ticks(0, top_value, 5);
  if (ticks.size() > 1 && ticks.back() < top_value) ticks.push_back(ticks.back() + (ticks[1] - ticks[0]));
  double y_max = ticks.back() > 0 ? ticks.back() : top_value;
  set_font(cr, 11);
  double tick_w = 0;
  for (double t : ticks) tick_w = std::max(tick_w, text_width(cr, tick_label(t)));
  double label_w = 0;
  for (const std::string& l : labels) label_w = std::max(label_w, text_width(cr, l));
  double left = box.x + 30 + tick_w, right = box.x + box.width - 12, top = box.y + used + 14;
  double slot = labels.empty() ? 1 : (right - left) / static_cast<double>(labels.size());
  bool rotate = label_w + 4 > slot;
  double label_h = rotate ? std::min(label_w, box.height * 0.3) + 10 : 20;
  double bottom = box.y + box.height - label_h - 8;
  auto py = [&](double v) { return bottom - v / y_max * (bottom - top); };
  cairo_set_line_width(cr, 1);
  for (double t : ticks) y_tick(cr, left, right, py(t), tick_label(t));
  for (size_t i = 0; i < labels.size() && i < values.size(); ++i) {
    double v = std::isfinite(values[i]) ? values[i] : 0;
    double x0 = left + slot * static_cast<double>(i);
    set_colour(cr, colour);
    cairo_rectangle(cr, x0 + slot * 0.12, py(v), slot * 0.76, bottom - py(v));
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    std::string value = tick_label(v);
    if (text_width(cr, value) <= slot) text(cr, value, x0 + slot / 2, py(v) - 4, 0.5);
    if (rotate) {
      cairo_save(cr);
      cairo_translate(cr, x0 + slot / 2 + 4, bottom + 8);
      cairo_rotate(cr, -M_PI / 2);
      text(cr, fit_text(cr, labels[i], label_h - 10), 0, 0, 1);
      cairo_restore(cr);
    } else {
      text(cr, labels[i], x0 + slot / 2, bottom + 15, 0.5);
    }
  }
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_move_to(cr, left + 0.5, top);
  cairo_line_to(cr, left + 0.5, bottom + 0.5);
  cairo_line_to(cr, right, bottom + 0.5);
  cairo_stroke(cr);
  cairo_save(cr);
  cairo_translate(cr, box.x + 13, (top + bottom) / 2);
  cairo_rotate(cr, -M_PI / 2);
  text(cr, y_label, 0, 0, 0.5);
  cairo_restore(cr);
  cairo_restore(cr);
}

/// A pie of `values` with a legend of labels and percentages on the right.
inline void pie_chart(cairo_t* cr, const Box& box, const std::string& heading, const std::vector<std::string>& labels,
                      const std::vector<double>& values) {
  cairo_save(cr);
  double used = title(cr, box, heading);
  double total = 0;
  for (double v : values) total += std::max(v, 0.0);
  set_font(cr, 11);
  double legend_w = 0;
  for (const std::string& l : labels) legend_w = std::max(legend_w, text_width(cr, l + "  100.0%"));
  legend_w = std::min(legend_w + 30, box.width * 0.45);
  double cx_span = box.width - legend_w - 20, cy_span = box.height - used - 16;
  double r = std::max(10.0, std::min(cx_span, cy_span) / 2 - 8);
  double cx = box.x + 10 + cx_span / 2, cy = box.y + used + 8 + cy_span / 2;
  double angle = -M_PI / 2;
  for (size_t i = 0; i < values.size() && total > 0; ++i) {
    double sweep = 2 * M_PI * std::max(values[i], 0.0) / total;
    set_colour(cr, palette_colour(i));
    cairo_move_to(cr, cx, cy);
    cairo_arc(cr, cx, cy, r, angle, angle + sweep);
    cairo_close_path(cr);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    angle += sweep;
  }
  double row = 17, ly = box.y + used + 8 + std::max(0.0, (cy_span - row * static_cast<double>(labels.size())) / 2);
  for (size_t i = 0; i < labels.size() && i < values.size(); ++i) {
    double lx = box.x + box.width - legend_w;
    set_colour(cr, palette_colour(i));
    cairo_rectangle(cr, lx, ly + row * static_cast<double>(i) - 10, 12, 12);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    char pct[16];
    std::snprintf(pct, sizeof pct, "  %.1f%%", total > 0 ? 100 * values[i] / total : 0.0);
    text(cr, fit_text(cr, labels[i], legend_w - 80) + pct, lx + 18, ly + row * static_cast<double>(i));
  }
  cairo_restore(cr);
}

/// A histogram: `counts` of equal-width bins spanning [lo, hi], with value ticks on the x axis and
/// counts (log scale when they span more than 100x) on the y axis.
inline void histogram(cairo_t* cr, const Box& box, const std::string& heading, const std::string& x_label, double lo,
                      double hi, const std::vector<double>& counts, const Colour& colour = palette_colour(0)) {
  cairo_save(cr);
  double used = title(cr, box, heading, 13);
  double top_count = 1, low_count = INFINITY;
  for (double c : counts) {
    top_count = std::max(top_count, c);
    if (c > 0) low_count = std::min(low_count, c);
  }
  bool log_scale = std::isfinite(low_count) && top_count / low_count > 100;
  std::vector<double> y_ticks;
  if (log_scale)
    for (double v = 1; v <= top_count * 1.0001; v *= 10) y_ticks.push_back(v);
  else
    y_ticks = nice_ticks(0, top_count, 4);
  if (!log_scale && y_ticks.size() > 1 && y_ticks.back() < top_count) y_ticks.push_back(y_ticks.back() + (y_ticks[1] - y_ticks[0]));
  double y_max = log_scale ? std::log10(top_count) : std::max(top_count, y_ticks.empty() ? 1.0 : y_ticks.back());
  if (y_max <= 0) y_max = 1;
  set_font(cr, 10);
  double tick_w = 0;
  for (double t : y_ticks) tick_w = std::max(tick_w, text_width(cr, tick_label(t)));
  double left = box.x + 26 + tick_w, right = box.x + box.width - 14, top = box.y + used + 6, bottom = box.y + box.height - 34;
  auto py = [&](double c) {
    double v = log_scale ? (c >= 1 ? std::log10(c) + (c > 0 ? 0.02 * y_max : 0) : 0) : c;
    return bottom - std::min(v, y_max) / y_max * (bottom - top);
  };
  double span = hi > lo ? hi - lo : 1;
  auto px = [&](double v) { return left + (v - lo) / span * (right - left); };
  cairo_set_line_width(cr, 1);
  for (double t : y_ticks) y_tick(cr, left, right, py(t), tick_label(t));
  double bin_w = (right - left) / std::max<double>(1, static_cast<double>(counts.size()));
  set_colour(cr, colour);
  for (size_t i = 0; i < counts.size(); ++i)
    if (counts[i] > 0) {
      cairo_rectangle(cr, left + bin_w * static_cast<double>(i), py(counts[i]), std::max(1.0, bin_w - 1), bottom - py(counts[i]));
      cairo_fill(cr);
    }
  cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
  for (double t : nice_ticks(lo, hi > lo ? hi : lo + 1, std::max(2, static_cast<int>((right - left) / 70)))) {
    double x = std::round(px(t)) + 0.5;
    cairo_move_to(cr, x, bottom);
    cairo_line_to(cr, x, bottom + 4);
    cairo_stroke(cr);
    text(cr, tick_label(t), x, bottom + 15, 0.5);
  }
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_move_to(cr, left + 0.5, top);
  cairo_line_to(cr, left + 0.5, bottom + 0.5);
  cairo_line_to(cr, right, bottom + 0.5);
  cairo_stroke(cr);
  text(cr, x_label, (left + right) / 2, bottom + 29, 0.5);
  cairo_save(cr);
  cairo_translate(cr, box.x + 11, (top + bottom) / 2);
  cairo_rotate(cr, -M_PI / 2);
  text(cr, log_scale ? "count (log scale)" : "count", 0, 0, 0.5);
  cairo_restore(cr);
  cairo_restore(cr);
}

}  // namespace hearth::draw
